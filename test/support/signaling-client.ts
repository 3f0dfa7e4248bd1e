import WebSocket from 'ws';

export type WireMessage = Record<string, unknown> & { id: string };

/**
 * A real WebSocket client that records everything the server sends and lets a test wait for the next
 * message matching a predicate (with a timeout that fails the test instead of hanging it).
 */
export class SignalingClient {
  readonly received: WireMessage[] = [];
  /** How many messages arrived in all, taken or not; `expectNone` looks only past its own start. */
  private arrivals = 0;
  private readonly arrivalIndex = new WeakMap<WireMessage, number>();
  private readonly waiters: { match: (m: WireMessage) => boolean; resolve: (m: WireMessage) => void }[] = [];
  closeCode: number | undefined;
  private readonly closed: Promise<number>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.onMessage(JSON.parse(data.toString()) as WireMessage));
    this.closed = new Promise((resolve) =>
      socket.once('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  /** `headers` go with the handshake (an `x-forwarded-for` as a trusted proxy would send it, say). */
  static async connect(url: string, headers: Record<string, string> = {}): Promise<SignalingClient> {
    const socket = new WebSocket(url, { headers });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new SignalingClient(socket);
  }

  send(message: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(message));
  }

  sendRaw(text: string | Buffer): void {
    this.socket.send(text);
  }

  /** The next message (after those already taken) with this id, optionally matching more fields. */
  next(id: string, where: (m: WireMessage) => boolean = () => true, timeoutMs = 5000): Promise<WireMessage> {
    const match = (m: WireMessage): boolean => m.id === id && where(m);
    for (let i = 0; i < this.received.length; i += 1) {
      const m = this.received[i]!;
      if (match(m)) {
        this.received.splice(i, 1);
        return Promise.resolve(m);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const idx = this.waiters.indexOf(waiter);
        if (idx >= 0) this.waiters.splice(idx, 1);
        reject(new Error(`timed out waiting for ${id}; received: ${JSON.stringify(this.received.filter((m) => id === 'iceCandidate' || m.id !== 'iceCandidate')).slice(0, 2000)}`));
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (m: WireMessage) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Asserts that no message with this id arrives within `ms` from now. */
  async expectNone(id: string, ms = 200): Promise<void> {
    const since = this.arrivals;
    await new Promise((r) => setTimeout(r, ms));
    const found = this.received.find((m) => m.id === id && (this.arrivalIndex.get(m) ?? 0) >= since);
    if (found) throw new Error(`unexpected ${id}: ${JSON.stringify(found)}`);
  }

  /** Everything received and not yet taken, then forgotten. */
  drain(): WireMessage[] {
    return this.received.splice(0, this.received.length);
  }

  async join(fields: { userId: string; roomId: string; communityId?: string; video?: boolean; audio?: boolean; token?: string; requestId?: string }): Promise<WireMessage> {
    this.send({ id: 'joinRoom', communityId: '1', video: true, audio: true, ...fields });
    return this.next('existingParticipants');
  }

  async waitClosed(timeoutMs = 5000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.closed,
        new Promise<number>((_, reject) => {
          timer = setTimeout(() => reject(new Error('connection did not close')), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<number> {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close();
    return this.closed;
  }

  private onMessage(message: WireMessage): void {
    this.arrivalIndex.set(message, this.arrivals);
    this.arrivals += 1;
    const index = this.waiters.findIndex((w) => w.match(message));
    if (index >= 0) {
      const [waiter] = this.waiters.splice(index, 1);
      waiter!.resolve(message);
      return;
    }
    this.received.push(message);
  }
}

/** The first of participantReconnecting / participantLeft the observer got about `userId` (within 5 s). */
export const firstAbout = async (observer: SignalingClient, userId: string): Promise<WireMessage> => {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = observer.received.find((m) => (m.id === 'participantReconnecting' || m.id === 'participantLeft') && m.userId === userId);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`nothing about ${userId}: ${JSON.stringify(observer.received)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
