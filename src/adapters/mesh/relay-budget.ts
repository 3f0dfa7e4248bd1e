/**
 * How many SDP bytes one member may have relayed to one other member: `burstBytes` at once, refilled at
 * `bytesPerSecond`. Written here rather than shared with the websocket adapter's message bucket because
 * adapters do not import each other, and it is ten lines.
 *
 * Why per pair: the message rate is per sender, so one member could aim its whole burst (900 messages of
 * up to 64 KB) at one other member, whose send backlog then passed MAX_SEND_BACKLOG_BYTES and who was cut
 * off as `slowConsumer` however fast it read (found by an attacker pass: a reading victim cut off after
 * 150 offers). With this budget below the backlog bound, no single member can do that; a real client sends
 * one offer or answer of a few KB per link and renegotiation.
 */
export class RelayBudget {
  private readonly rooms = new Map<string, Map<string, { tokens: number; at: number }>>();

  constructor(
    private readonly burstBytes: number,
    private readonly bytesPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes `bytes` from the budget of `from` → `to` in `roomId`; false (nothing taken) when short. */
  take(roomId: string, from: string, to: string, bytes: number): boolean {
    let pairs = this.rooms.get(roomId);
    if (!pairs) this.rooms.set(roomId, (pairs = new Map()));
    const key = JSON.stringify([from, to]);
    const at = this.now();
    const bucket = pairs.get(key) ?? { tokens: this.burstBytes, at };
    bucket.tokens = Math.min(this.burstBytes, bucket.tokens + ((at - bucket.at) / 1000) * this.bytesPerSecond);
    bucket.at = at;
    pairs.set(key, bucket);
    if (bucket.tokens < bytes) return false;
    bucket.tokens -= bytes;
    return true;
  }

  /** Forgets a member's pairs (it left); the room's map goes with its last pair. */
  forgetMember(roomId: string, userId: string): void {
    const pairs = this.rooms.get(roomId);
    if (!pairs) return;
    for (const key of [...pairs.keys()]) {
      const [from, to] = JSON.parse(key) as [string, string];
      if (from === userId || to === userId) pairs.delete(key);
    }
    if (pairs.size === 0) this.rooms.delete(roomId);
  }

  forgetRoom(roomId: string): void {
    this.rooms.delete(roomId);
  }

  /** Rooms with budgets in use (for tests: nothing outlives its room). */
  get roomCount(): number {
    return this.rooms.size;
  }
}
