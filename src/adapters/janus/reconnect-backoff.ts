/**
 * Delay before reconnect attempt `attempt` (0-based): doubles from `minMs` up to `maxMs`, with ±20 %
 * jitter so several signaling nodes that lost the same Janus do not reconnect in lockstep.
 */
export const reconnectDelay = (attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number => {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  const jittered = base * (0.8 + random() * 0.4);
  return Math.max(1, Math.round(Math.min(maxMs, jittered)));
};
