import { createServer, type Server, type Socket } from 'node:net';

/** How the test presence server answers each message. */
export type PresenceReplyMode =
  /** `{"ok":true,"event_id":...}` */
  | 'ack'
  /** `OK`, like a lenient server that does not echo anything. */
  | 'plain'
  /** Reads and records, never replies. */
  | 'silent'
  /** Binary junk (control bytes, invalid UTF-8) ending in CRLF. */
  | 'garbage'
  /** `{"ok":false,"error":"rejected"}` */
  | 'refuse'
  /** 70 KiB without any line end: a peer that does not speak the framing. */
  | 'flood';

export interface ReceivedPresenceMessage {
  readonly raw: string;
  /** The parsed JSON object, or undefined when the line was not one. */
  readonly json: Record<string, unknown> | undefined;
  readonly connection: number;
  readonly receivedAt: number;
}

const GARBAGE = Buffer.from([0x00, 0xff, 0xfe, 0x07, 0x1b, 0x5b, 0x32, 0x4a, 0xc3, 0x28, 0x0d, 0x0a]);

/**
 * A real TCP presence server for tests, framed like the seed's (Spring Integration, CRLF): every line is
 * recorded, and answered according to `mode`. It can be stopped and started again on the same port to
 * play an outage.
 */
export class TestPresenceServer {
  readonly received: ReceivedPresenceMessage[] = [];
  mode: PresenceReplyMode = 'ack';
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private connections = 0;
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  private constructor(private portNumber: number) {}

  static async start(port = 0): Promise<TestPresenceServer> {
    const server = new TestPresenceServer(port);
    await server.listen();
    return server;
  }

  get port(): number {
    return this.portNumber;
  }

  get connectionCount(): number {
    return this.connections;
  }

  get isRunning(): boolean {
    return this.server !== undefined;
  }

  /** Closes the listener and every open connection at once (like a crash of the presence server). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Listens again on the same port after `stop`. */
  async restart(): Promise<void> {
    if (!this.server) await this.listen();
  }

  /** Messages parsed as JSON objects, in arrival order (duplicates included). */
  messages(): Record<string, unknown>[] {
    return this.received.flatMap((m) => (m.json ? [m.json] : []));
  }

  /** How many received messages repeated an `event_id` seen before. */
  duplicateCount(): number {
    const seen = new Set<unknown>();
    let duplicates = 0;
    for (const message of this.messages()) {
      if (seen.has(message.event_id)) duplicates += 1;
      else seen.add(message.event_id);
    }
    return duplicates;
  }

  uniqueEventIds(): Set<unknown> {
    return new Set(this.messages().map((m) => m.event_id));
  }

  /** Resolves once `check` holds (checked on every received message); rejects after `timeoutMs`. */
  waitFor(check: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`presence server: timed out after ${timeoutMs} ms waiting for ${what} (received ${this.received.length})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private listen(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.portNumber, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        if (address && typeof address === 'object') this.portNumber = address.port;
        this.server = server;
        resolve();
      });
    });
  }

  private accept(socket: Socket): void {
    const connection = ++this.connections;
    this.sockets.add(socket);
    let pending = '';
    socket.setEncoding('latin1');
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('data', (chunk: string) => {
      pending += chunk;
      for (let end = pending.indexOf('\r\n'); end !== -1; end = pending.indexOf('\r\n')) {
        const raw = Buffer.from(pending.slice(0, end), 'latin1').toString('utf8');
        pending = pending.slice(end + 2);
        this.record(socket, raw, connection);
      }
    });
  }

  private record(socket: Socket, raw: string, connection: number): void {
    const json = parseObject(raw);
    this.received.push({ raw, json, connection, receivedAt: Date.now() });
    this.reply(socket, json);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.check()) return true;
      waiter.resolve();
      return false;
    });
  }

  private reply(socket: Socket, json: Record<string, unknown> | undefined): void {
    if (socket.destroyed) return;
    switch (this.mode) {
      case 'ack':
        socket.write(`${JSON.stringify({ ok: true, event_id: json?.event_id ?? null })}\r\n`);
        return;
      case 'plain':
        socket.write('OK\r\n');
        return;
      case 'garbage':
        socket.write(GARBAGE);
        return;
      case 'refuse':
        socket.write(`${JSON.stringify({ ok: false, error: 'rejected' })}\r\n`);
        return;
      case 'flood':
        socket.write(Buffer.alloc(70 * 1024, 0x78));
        return;
      case 'silent':
        return;
    }
  }
}

function parseObject(raw: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
