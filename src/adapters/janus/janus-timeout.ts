/** A request to Janus that did not settle in time; reported to clients as mediaServerUnavailable. */
export class JanusTimeoutError extends Error {
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super(`Janus did not answer ${operation} within ${timeoutMs} ms`);
    this.name = 'JanusTimeoutError';
  }
}

/**
 * Races `work` against a deadline. janode's plugin requests have no deadline of their own and stay
 * pending until the connection closes, so every call goes through here. `onLate` receives a result that
 * arrives after the deadline (e.g. a handle Janus attached late, which must be detached).
 */
export const withTimeout = <T>(operation: string, timeoutMs: number, work: Promise<T>, onLate?: (value: T) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      reject(new JanusTimeoutError(operation, timeoutMs));
    }, timeoutMs);
    work.then(
      (value) => {
        if (expired) {
          onLate?.(value);
          return;
        }
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (expired) return;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
