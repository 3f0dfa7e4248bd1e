/** Exponential backoff with ±20 % jitter, so that several signaling nodes do not reconnect in lockstep. */
export const reconnectDelay = (attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number => {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  const jitter = 0.8 + random() * 0.4;
  return Math.max(1, Math.round(Math.min(maxMs, base * jitter)));
};
