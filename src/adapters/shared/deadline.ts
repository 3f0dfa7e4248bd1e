/**
 * Deadlines for calls to servers that may never answer (Janus requests, Redis commands, the presence
 * outbox's Redis calls), and sleeps that a stop cuts short.
 */

/**
 * Settles as `work` does, or rejects with `expired()` once `ms` pass first. `work` goes on either way
 * (callers decide what that means); `onLate` receives a result that arrives after the deadline, e.g.
 * a handle attached late that must be released. A late failure is dropped.
 */
export const withDeadline = <T>(work: Promise<T>, ms: number, expired: () => Error, onLate?: (value: T) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(expired());
    }, ms);
    work.then(
      (value) => {
        if (late) {
          onLate?.(value);
          return;
        }
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (late) return;
        clearTimeout(timer);
        reject(error);
      },
    );
  });

/** Resolves after `ms`, or at once when `signal` aborts; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Resolves when `signal` aborts (at once if it has); never rejects. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
