/** The longest a server's `retryAfterMs` hint is followed: a wrong or hostile hint must not park the client. */
export const MAX_HINTED_DELAY_MS = 60_000;

/** A server's `retryAfterMs` hint as a delay: 0 when absent or not a number, at most MAX_HINTED_DELAY_MS. */
export const hintedDelay = (hint: unknown): number =>
  typeof hint === 'number' && Number.isFinite(hint) ? Math.min(Math.max(0, hint), MAX_HINTED_DELAY_MS) : 0;
