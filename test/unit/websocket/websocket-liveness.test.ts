import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { WebSocketLiveness } from '../../../src/adapters/websocket/websocket-liveness';

/** What the liveness check sees of a WebSocket: pings out, pongs in, its buffered amount. */
class FakeSocket extends EventEmitter {
  bufferedAmount = 0;
  readonly pings: Buffer[] = [];
  terminated = false;
  ping(payload: Buffer): void {
    this.pings.push(payload);
  }
  terminate(): void {
    this.terminated = true;
  }
  /** A client that reads and answers: echoes the latest ping's payload. */
  answer(): void {
    this.emit('pong', this.pings.at(-1));
  }
}

const watch = (liveness: WebSocketLiveness) => {
  const socket = new FakeSocket();
  const raw = new EventEmitter();
  const stalled: number[] = [];
  liveness.watch(socket as unknown as WebSocket, raw as unknown as Duplex, { stalled: () => stalled.push(Date.now()) });
  return { socket, raw, stalled };
};

describe('WebSocketLiveness', () => {
  let liveness: WebSocketLiveness;
  beforeEach(() => {
    jest.useFakeTimers();
    liveness = new WebSocketLiveness(1_000);
  });
  afterEach(() => {
    liveness.stop();
    jest.useRealTimers();
  });

  it('pings with fresh random payloads and keeps a peer that echoes them', () => {
    const { socket } = watch(liveness);
    for (let i = 0; i < 5; i += 1) {
      jest.advanceTimersByTime(1_000);
      socket.answer();
    }
    expect(socket.terminated).toBe(false);
    expect(new Set(socket.pings.map((p) => p.toString('hex'))).size).toBe(5);
  });

  it('terminates a peer whose pongs carry any other payload (unsolicited pongs) within two intervals', () => {
    const { socket } = watch(liveness);
    jest.advanceTimersByTime(1_000);
    socket.emit('pong', Buffer.from('not-yours'));
    socket.emit('pong', Buffer.alloc(0));
    jest.advanceTimersByTime(1_000);
    expect(socket.terminated).toBe(true);
  });

  it('hands a peer that answers pings but whose backlog never drains to the slow-consumer cut-off', () => {
    const { socket, stalled } = watch(liveness);
    socket.bufferedAmount = 50_000;
    for (let i = 0; i < 3; i += 1) {
      jest.advanceTimersByTime(1_000);
      socket.answer();
    }
    expect(stalled).toHaveLength(1);
    expect(socket.terminated).toBe(false);
  });

  it('a backlog that drains now and then (the socket\'s drain event) is a busy peer, not a dead one', () => {
    const { socket, raw, stalled } = watch(liveness);
    socket.bufferedAmount = 50_000;
    for (let i = 0; i < 10; i += 1) {
      jest.advanceTimersByTime(1_000);
      socket.answer();
      raw.emit('drain');
    }
    expect(stalled).toEqual([]);
  });

  it('forgets a socket its owner unwatches (on close), and stops counting its drains', () => {
    const { socket, raw } = watch(liveness);
    expect(liveness.size).toBe(1);
    expect(raw.listenerCount('drain')).toBe(1);
    liveness.unwatch(socket as unknown as WebSocket);
    expect(liveness.size).toBe(0);
    expect(raw.listenerCount('drain')).toBe(0);
    jest.advanceTimersByTime(3_000);
    expect(socket.pings).toEqual([]);
  });

  it('counts only a pong that echoes the latest ping, byte for byte', () => {
    const { socket } = watch(liveness);
    jest.advanceTimersByTime(1_000);
    const payload = Buffer.from(socket.pings.at(-1)!);
    const wrong = Buffer.from(payload);
    wrong[7] = wrong[7]! ^ 1;
    socket.emit('pong', wrong);
    socket.emit('pong', payload.subarray(0, 4));
    jest.advanceTimersByTime(1_000);
    expect(socket.terminated).toBe(true);
  });
});

describe('WebSocketLiveness with many sockets', () => {
  afterEach(() => jest.useRealTimers());

  it('spreads the pings of one interval over it: no turn of the event loop pings more than a slice', () => {
    jest.useFakeTimers();
    const liveness = new WebSocketLiveness(30_000);
    const sockets = Array.from({ length: 3_000 }, () => watch(liveness).socket);
    const pingsAt = new Map<number, number>();
    for (const socket of sockets) {
      const ping = socket.ping.bind(socket);
      socket.ping = (payload: Buffer) => {
        pingsAt.set(Date.now(), (pingsAt.get(Date.now()) ?? 0) + 1);
        ping(payload);
        socket.answer();
      };
    }
    jest.advanceTimersByTime(60_000);
    liveness.stop();
    // Every socket pinged once per interval, none terminated...
    expect(sockets.every((s) => s.pings.length === 2 && !s.terminated)).toBe(true);
    // ...and at most a 3,000th of them at any one moment: a ping every 10 ms (the first sweep pinged a
    // 300th every 100 ms; the loop before it all 3,000 at once). Each ping wakes its client, and 60 of them
    // in one turn at 18,000 connections made the capacity benchmark's longest stalls.
    expect(Math.max(...pingsAt.values())).toBeLessThanOrEqual(1);
    const times = [...pingsAt.keys()];
    expect(Math.min(...times.slice(1).map((t, i) => t - times[i]!))).toBeGreaterThanOrEqual(10);
  });

  it('cuts ping payloads from shared random blocks yet never repeats one, and an old payload never counts again', () => {
    jest.useFakeTimers();
    const liveness = new WebSocketLiveness(1_000);
    // 300 sockets pinged 3 times: 900 payloads, several random blocks of 128.
    const sockets = Array.from({ length: 300 }, () => watch(liveness).socket);
    for (let round = 0; round < 3; round += 1) {
      jest.advanceTimersByTime(1_000);
      for (const socket of sockets) socket.answer();
    }
    const all = sockets.flatMap((s) => s.pings.map((p) => p.toString('hex')));
    expect(all).toHaveLength(900);
    expect(new Set(all).size).toBe(900);
    expect(sockets.every((s) => s.pings.every((p) => p.length === 8))).toBe(true);
    // A payload handed out earlier stays what it was (a view of its own block, never overwritten).
    const first = sockets[0]!.pings[0]!.toString('hex');
    jest.advanceTimersByTime(1_000);
    expect(sockets[0]!.pings[0]!.toString('hex')).toBe(first);
    // Echoing the previous ping's payload instead of the latest one does not keep a peer alive.
    const replayer = sockets[1]!;
    for (const socket of sockets) if (socket !== replayer) socket.answer();
    replayer.emit('pong', replayer.pings.at(-2));
    jest.advanceTimersByTime(1_000);
    expect(replayer.terminated).toBe(true);
    expect(sockets[2]!.terminated).toBe(false);
    liveness.stop();
  });
});
