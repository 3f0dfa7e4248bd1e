import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer, type RawData } from 'ws';

/** A Janus API message as it crosses the proxy (requests from the client, replies and events from Janus). */
export type JanusMessage = Record<string, unknown> & { janus?: string; transaction?: string; body?: Record<string, unknown> };

export interface ReplyFault {
  /** Which request's replies to hold back; the first request that matches after the fault is armed. */
  readonly match: (request: JanusMessage) => boolean;
  /** Deliver the held replies this many ms after the first of them arrived; without it they are dropped. */
  readonly delayMs?: number;
}

/** What became of one armed fault, for assertions and for waiting until a late reply is delivered. */
export interface HeldReply {
  /** Resolves with the request once it has passed through to Janus. */
  readonly requested: Promise<JanusMessage>;
  /** Resolves with Janus's held replies once they were delivered late (never, for a dropped reply). */
  readonly delivered: Promise<JanusMessage[]>;
}

interface ArmedFault extends ReplyFault {
  requested(request: JanusMessage): void;
  delivered(replies: JanusMessage[]): void;
}

interface Holding {
  readonly fault: ArmedFault;
  readonly replies: JanusMessage[];
  timer?: ReturnType<typeof setTimeout>;
}

/** The VideoRoom request a message carries (`joinandconfigure`, `configure`, `join`, `start`, ...). */
export const pluginRequest = (message: JanusMessage): string | undefined =>
  message.janus === 'message' && typeof message.body?.request === 'string' ? message.body.request : undefined;

/**
 * A WebSocket proxy between a Janus client (janode, in the adapter) and a real Janus that passes every
 * frame through but can hold back Janus's replies to one chosen request: delayed by N ms, or dropped.
 * The request itself reaches Janus, so Janus carries it out; only its answer (the `ack` and the
 * plugin `event` that share its `transaction`) comes late or never, as from a Janus that was slow to say
 * what it did.
 */
export class JanusFaultProxy {
  private readonly faults: ArmedFault[] = [];
  private readonly sockets = new Set<WebSocket>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  private constructor(
    private readonly server: WebSocketServer,
    private readonly upstreamUrl: string,
  ) {
    server.on('connection', (client, request) => this.pipe(client, request.headers['sec-websocket-protocol']));
  }

  /** Listens on a loopback port and forwards every connection to `upstreamUrl`. */
  static start(upstreamUrl: string): Promise<JanusFaultProxy> {
    return new Promise((resolve, reject) => {
      // Janus's subprotocols (janus-protocol, janus-admin-protocol) are taken as offered and asked of Janus.
      const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => [...protocols][0] ?? false });
      server.once('error', reject);
      server.once('listening', () => resolve(new JanusFaultProxy(server, upstreamUrl)));
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Holds back the replies to the next request that matches `fault.match`. */
  holdReply(fault: ReplyFault): HeldReply {
    let requested!: (request: JanusMessage) => void;
    let delivered!: (replies: JanusMessage[]) => void;
    const held: HeldReply = {
      requested: new Promise((resolve) => (requested = resolve)),
      delivered: new Promise((resolve) => (delivered = resolve)),
    };
    this.faults.push({ ...fault, requested, delivered });
    return held;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pipe(client: WebSocket, protocolHeader: string | undefined): void {
    const protocols = protocolHeader ? protocolHeader.split(',').map((p) => p.trim()) : [];
    const upstream = new WebSocket(this.upstreamUrl, protocols);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const holdings = new Map<string, Holding>();
    const early: { data: RawData; binary: boolean }[] = [];
    const closeBoth = (): void => {
      for (const holding of holdings.values()) if (holding.timer) clearTimeout(holding.timer);
      holdings.clear();
      for (const socket of [client, upstream]) {
        this.sockets.delete(socket);
        if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.terminate();
      }
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);

    upstream.on('open', () => {
      for (const frame of early.splice(0)) upstream.send(frame.data, { binary: frame.binary });
    });
    // Frames keep their kind: `ws` hands over a Buffer, which it would otherwise send as binary.
    client.on('message', (data, binary) => {
      const request = parse(data);
      const index = request ? this.faults.findIndex((f) => f.match(request)) : -1;
      if (request && index >= 0 && typeof request.transaction === 'string') {
        const [fault] = this.faults.splice(index, 1);
        holdings.set(request.transaction, { fault: fault!, replies: [] });
        fault!.requested(request);
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary });
      else early.push({ data, binary });
    });
    upstream.on('message', (data, binary) => {
      const reply = parse(data);
      const holding = typeof reply?.transaction === 'string' ? holdings.get(reply.transaction) : undefined;
      if (!reply || !holding) {
        if (client.readyState === WebSocket.OPEN) client.send(data, { binary });
        return;
      }
      holding.replies.push(reply);
      const { delayMs } = holding.fault;
      if (delayMs === undefined || holding.timer) return;
      holding.timer = setTimeout(() => {
        this.timers.delete(holding.timer!);
        holdings.delete(reply.transaction!);
        for (const late of holding.replies) if (client.readyState === WebSocket.OPEN) client.send(JSON.stringify(late));
        holding.fault.delivered(holding.replies);
      }, delayMs);
      this.timers.add(holding.timer);
    });
  }
}

const parse = (data: RawData): JanusMessage | undefined => {
  try {
    const value: unknown = JSON.parse(String(data));
    return typeof value === 'object' && value !== null ? (value as JanusMessage) : undefined;
  } catch {
    return undefined;
  }
};
