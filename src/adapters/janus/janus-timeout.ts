import { withDeadline } from '../shared/deadline';

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
 * Every request to Janus gets a deadline: janode's plugin requests have none of their own and stay
 * pending until the connection closes. `onLate` receives a result that arrives after the deadline (e.g.
 * a handle Janus attached late, which must be detached).
 */
export const withTimeout = <T>(operation: string, timeoutMs: number, work: Promise<T>, onLate?: (value: T) => void): Promise<T> =>
  withDeadline(work, timeoutMs, () => new JanusTimeoutError(operation, timeoutMs), onLate);
