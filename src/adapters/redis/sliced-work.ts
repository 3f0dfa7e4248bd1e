/** Slices are at least this far apart: a timer finer than this buys nothing. */
const SLICE_GAP_MS = 10;
/** Below this many items per slice, slicing costs more timers than it saves; few items go at once. */
const MIN_PER_SLICE = 20;

export interface SliceClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

const realClock: SliceClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Runs `work` for every item, in equal slices spread evenly over `spreadMs` from now: slice k starts at
 * k × spreadMs / slices (at once when the previous one ran late), its items sent together (one burst of
 * pipelined commands), and the next waits for it. The heartbeat used to send one lease renewal per hosted
 * room in the same turn: with 1,400 rooms, 1,400 scripts and their replies at once, the node's slow joins
 * fell every 5 s (issue 20). Each item keeps its place in the order from one run to the next, so with
 * runs started a fixed period apart every item is worked on once per period. Every item is tried even
 * when some fail; the first failure is thrown at the end.
 */
export const inSlices = async <T>(
  items: readonly T[],
  spreadMs: number,
  work: (item: T) => Promise<unknown>,
  clock: SliceClock = realClock,
): Promise<void> => {
  if (items.length === 0) return;
  const slices = Math.max(1, Math.min(Math.ceil(items.length / MIN_PER_SLICE), Math.floor(spreadMs / SLICE_GAP_MS)));
  const size = Math.ceil(items.length / slices);
  const gapMs = spreadMs / slices;
  const started = clock.now();
  let failure: { reason: unknown } | undefined;
  for (let slice = 0; slice * size < items.length; slice += 1) {
    const wait = started + slice * gapMs - clock.now();
    if (wait > 0) await clock.sleep(wait);
    const outcomes = await Promise.allSettled(items.slice(slice * size, (slice + 1) * size).map(work));
    for (const outcome of outcomes) if (outcome.status === 'rejected' && !failure) failure = { reason: outcome.reason };
  }
  if (failure) throw failure.reason;
};
