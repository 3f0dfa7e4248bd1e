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
  /**
   * Room → sender → recipient → the time (ms since this budget was made) at which the pair's bucket is full
   * again: its tokens are the burst less what refills until then. Keyed by the ids themselves rather than
   * a key string per pair (was `JSON.stringify([from, to])`): a member of a full-mesh room of n has a
   * bucket towards each of the n − 1 others for as long as it stays, and a key string per pair was about
   * 60 bytes of that, made again on every relayed offer and answer. One whole number per pair rather than
   * a `{tokens, at}` object: V8 keeps an integer under 2^30 in the map itself (12 days of uptime; a boxed
   * number after that), where the object and its two boxed doubles were about 44 bytes per pair, nine
   * pairs per member of a negotiated room of 10 (heap snapshot, issue 20).
   */
  private readonly rooms = new Map<string, Map<string, Map<string, number>>>();
  private readonly epoch: number;
  /** Milliseconds of refill per byte. */
  private readonly msPerByte: number;

  constructor(
    private readonly burstBytes: number,
    bytesPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.epoch = now();
    this.msPerByte = 1000 / bytesPerSecond;
  }

  /** Takes `bytes` from the budget of `from` → `to` in `roomId`; false (nothing taken) when short. */
  take(roomId: string, from: string, to: string, bytes: number): boolean {
    let senders = this.rooms.get(roomId);
    if (!senders) this.rooms.set(roomId, (senders = new Map()));
    let pairs = senders.get(from);
    if (!pairs) senders.set(from, (pairs = new Map()));
    const at = Math.floor(this.now() - this.epoch);
    const fullAt = Math.max(at, pairs.get(to) ?? at);
    if (this.burstBytes - (fullAt - at) / this.msPerByte < bytes) return false;
    // Rounded up: a whole number, and never more generous than the exact refill.
    pairs.set(to, fullAt + Math.ceil(bytes * this.msPerByte));
    return true;
  }
  /** Forgets a member's pairs (it left); the room's map goes with its last pair. */
  forgetMember(roomId: string, userId: string): void {
    const senders = this.rooms.get(roomId);
    if (!senders) return;
    senders.delete(userId);
    for (const [from, pairs] of senders) {
      pairs.delete(userId);
      if (pairs.size === 0) senders.delete(from);
    }
    if (senders.size === 0) this.rooms.delete(roomId);
  }

  forgetRoom(roomId: string): void {
    this.rooms.delete(roomId);
  }

  /** Rooms with budgets in use (for tests: nothing outlives its room). */
  get roomCount(): number {
    return this.rooms.size;
  }
}
