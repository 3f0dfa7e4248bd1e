export interface BackoffOptions {
  /** First delay's cap. Default 250 ms. */
  readonly baseMs?: number;
  /** No delay exceeds this. Default 10 s. */
  readonly maxMs?: number;
}

/**
 * Capped exponential back-off with full jitter (a random delay in [0, min(max, base·2^attempt)]): a room
 * of clients dropped at once by a restarting node does not come back in step.
 */
export const backoffDelay = (attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number => {
  const base = options.baseMs ?? 250;
  const max = options.maxMs ?? 10_000;
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
};
