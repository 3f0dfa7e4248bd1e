/**
 * Client candidates that arrived before their endpoint exists (the client trickles while the offer is
 * still being processed). Bounded per key: a client that never offers cannot grow it without limit; the
 * oldest are dropped first, since ICE copes with missing candidates.
 */
export class CandidateBuffer<C> {
  private readonly byKey = new Map<string, C[]>();
  private droppedCount = 0;

  constructor(private readonly maxPerKey: number) {
    if (!Number.isInteger(maxPerKey) || maxPerKey < 0) throw new RangeError('maxPerKey must be a non-negative integer');
  }

  add(key: string, candidate: C): void {
    const list = this.byKey.get(key) ?? [];
    list.push(candidate);
    while (list.length > this.maxPerKey) {
      list.shift();
      this.droppedCount += 1;
    }
    if (list.length > 0) this.byKey.set(key, list);
  }

  /** Everything buffered under `key`, in arrival order; the key is forgotten. */
  take(key: string): C[] {
    const list = this.byKey.get(key) ?? [];
    this.byKey.delete(key);
    return list;
  }

  /** Forgets every key for which `predicate` holds (e.g. those of a participant who left). */
  discard(predicate: (key: string) => boolean): void {
    for (const key of [...this.byKey.keys()]) if (predicate(key)) this.byKey.delete(key);
  }

  size(key: string): number {
    return this.byKey.get(key)?.length ?? 0;
  }

  get dropped(): number {
    return this.droppedCount;
  }
}
