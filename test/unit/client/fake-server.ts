import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export type Wire = Record<string, unknown> & { id: string };

/** A scripted signaling server for the client's unit tests: records what arrives, answers as told. */
export class FakeServer {
  readonly received: Wire[] = [];
  readonly sockets: WebSocket[] = [];
  /** Answers each message; the default admits every join and resume. */
  reply: (message: Wire, socket: WebSocket, server: FakeServer) => void = (m, s) => FakeServer.admit(m, s);
  private constructor(
    private readonly wss: WebSocketServer,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const server = new FakeServer(wss, `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/rtc/websocket`);
    wss.on('connection', (socket) => {
      server.sockets.push(socket);
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as Wire;
        server.received.push(message);
        server.reply(message, socket, server);
      });
    });
    return server;
  }

  static joined(message: Wire, extra: Record<string, unknown> = {}): Wire {
    return {
      id: 'existingParticipants',
      roomId: 'r1',
      userId: String(message.userId ?? 'me'),
      members: [],
      media: { backend: 'mesh', publish: false, clientOfferedSubscribe: true, serverOfferedSubscribe: true, peerToPeer: true },
      session: { resumeToken: `token-${Math.random().toString(36).slice(2)}`, graceMs: 15_000 },
      requestId: message.requestId,
      ...extra,
    };
  }

  static admit(message: Wire, socket: WebSocket): void {
    if (message.id === 'joinRoom') socket.send(JSON.stringify(FakeServer.joined(message)));
    else if (message.id === 'resumeSession') socket.send(JSON.stringify(FakeServer.joined({ ...message, userId: 'me' }, { resumed: true })));
    else if (message.id === 'videoStateFrom') socket.send(JSON.stringify({ id: 'videoStateAnswer', userId: message.userId, video: message.video, requestId: message.requestId }));
    else if (message.id === 'audioStateFrom') socket.send(JSON.stringify({ id: 'audioStateAnswer', userId: message.userId, audio: message.audio, requestId: message.requestId }));
    else if (message.requestId !== undefined) socket.send(JSON.stringify({ id: 'ack', requestId: message.requestId }));
  }

  /** The last socket that connected. */
  get last(): WebSocket {
    const socket = this.sockets[this.sockets.length - 1];
    if (!socket) throw new Error('nobody connected');
    return socket;
  }

  ids(): string[] {
    return this.received.map((m) => m.id);
  }

  async waitFor(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.received)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async close(): Promise<void> {
    for (const socket of this.wss.clients) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
