/** How often a sweep wakes by default: small enough that one slice of 20,000 items is a few dozen, not thousands. */
const SLICE_MS = 100;
/** Upper bound on slices, so a very long period still sweeps each slice at a useful size. */
const MAX_SLICES = 4_000;

/**
 * Visits every item once per period, a slice at a time, instead of all at once. Pinging 8,000 sockets in
 * one synchronous loop stalled the event loop for 300–630 ms every 30 s (issue 20): every join and
 * relay waiting behind it. Each item is put in one of `periodMs / 100` slots when it is added (round
 * robin, so slots stay even under churn), and one slot is visited every 100 ms: every item is still
 * visited exactly once per period, at the same phase each time, and a tick touches a slice of the items.
 */
export class PeriodicSweep<T> {
  private readonly slots: Set<T>[];
  private readonly slotOf = new Map<T, Set<T>>();
  private nextSlot = 0;
  private nextAssigned = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    periodMs: number,
    private readonly visit: (item: T) => void,
    sliceMs = SLICE_MS,
  ) {
    const count = Math.max(1, Math.min(MAX_SLICES, Math.round(periodMs / sliceMs)));
    this.slots = Array.from({ length: count }, () => new Set<T>());
    this.timer = setInterval(() => this.tick(), periodMs / count);
    this.timer.unref();
  }

  add(item: T): void {
    if (this.slotOf.has(item)) return;
    const slot = this.slots[this.nextAssigned]!;
    this.nextAssigned = (this.nextAssigned + 1) % this.slots.length;
    slot.add(item);
    this.slotOf.set(item, slot);
  }

  delete(item: T): void {
    this.slotOf.get(item)?.delete(item);
    this.slotOf.delete(item);
  }

  get size(): number {
    return this.slotOf.size;
  }

  /** How many slots the period is cut into (one is visited per tick). */
  get sliceCount(): number {
    return this.slots.length;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const slot = this.slots[this.nextSlot]!;
    this.nextSlot = (this.nextSlot + 1) % this.slots.length;
    // A visit may delete its item (a terminated socket); deleting the current entry is safe in a Set loop.
    for (const item of slot) this.visit(item);
  }
}
