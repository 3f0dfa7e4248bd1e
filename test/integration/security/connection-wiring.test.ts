import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { RunningNode } from '../../../src/start-node';
import { SignalingClient } from '../../support/signaling-client';
import { clientFrame, rawWebSocket, tcpConnect, type FrameReader } from './raw-clients';
import { startRedis, type RedisFixture } from '../../support/redis-fixture';
import { HoldingProxy } from '../../support/redis/holding-proxy';
import { ADMIN_TOKEN, eventually, roomsOf, startSecureNode } from './security-kit';

jest.setTimeout(60_000);

/**
 * What every plain WebSocket connection's wiring must keep (shared listeners, the guard's key on the
 * socket, the inbox made per burst, one-number token buckets), each played against a running node with raw
 * sockets: a burst written in one TCP write reaches the node as one chunk, so its messages arrive while the
 * first is being handled, which is what the inbox, the ping fast path and the queue limits are about.
 */
const withNode = async (env: Record<string, string>, body: (node: RunningNode) => Promise<void>): Promise<void> => {
  const node = await startSecureNode({ ADMIN_TOKEN, ...env });
  try {
    await body(node);
  } finally {
    await node.stop();
  }
};

const text = (message: Record<string, unknown>): Buffer => clientFrame(1, JSON.stringify(message));
const burst = (...frames: Buffer[]): Buffer => Buffer.concat(frames);
const leave = (requestId: string, pad = 0): Buffer => text({ id: 'leaveRoom', requestId, ...(pad > 0 ? { pad: 'x'.repeat(pad) } : {}) });
const ping = (requestId: string): Buffer => text({ id: 'ping', requestId });

/** The text frames received so far, parsed. */
const received = (reader: FrameReader): Record<string, unknown>[] =>
  reader.frames.filter((f) => f.opcode === 1).map((f) => JSON.parse(f.payload.toString('utf8')) as Record<string, unknown>);

const waitFor = async (reader: FrameReader, count: number, what: string): Promise<Record<string, unknown>[]> => {
  await eventually(() => received(reader).length >= count, 5_000, what);
  return received(reader);
};

const closed = (socket: Socket): Promise<void> => new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

/** A library client's handshake: 101, or the status it was refused with. */
const handshakeStatus = (node: RunningNode): Promise<{ status: number; socket?: WebSocket }> =>
  new Promise((resolve) => {
    const socket = new WebSocket(node.wsUrl);
    socket.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    socket.once('open', () => resolve({ status: 101, socket }));
    socket.once('error', () => undefined);
  });

/** With MAX_CONNECTIONS_PER_IP 2 and one connection held: exactly one more is admitted, not zero, not two. */
const expectExactlyOneFree = async (node: RunningNode): Promise<void> => {
  let second: WebSocket | undefined;
  // The slot of whatever just closed comes back when the node sees its socket close.
  await eventually(
    async () => {
      const attempt = await handshakeStatus(node);
      second = attempt.socket;
      return attempt.status === 101;
    },
    5_000,
    'the freed slot',
  );
  const third = await handshakeStatus(node);
  third.socket?.terminate();
  expect(third.status).toBe(429);
  await new Promise<void>((resolve) => {
    second!.once('close', () => resolve());
    second!.close();
  });
};

describe('a burst of messages on one plain WebSocket connection', () => {
  it('is answered in arrival order; a ping is answered ahead only when something waits behind the message being handled', async () => {
    await withNode({}, async (node) => {
      const { socket, reader } = await rawWebSocket(node.port, '/rtc/websocket');
      try {
        // r2 waits while r1 is handled, so the ping goes ahead of both.
        socket.write(burst(leave('r1'), leave('r2'), ping('p1'), leave('r3')));
        const first = await waitFor(reader, 4, 'four answers');
        expect(first.map((m) => m.requestId)).toEqual(['p1', 'r1', 'r2', 'r3']);
        expect(first.slice(1).map((m) => m.code)).toEqual(['notInRoom', 'notInRoom', 'notInRoom']);
        // Nothing waits behind r4 when the ping arrives: it is answered in turn.
        socket.write(burst(leave('r4'), ping('p2')));
        const second = await waitFor(reader, 6, 'six answers');
        expect(second.slice(4).map((m) => m.requestId)).toEqual(['r4', 'p2']);
        // A burst after an idle connection starts from an empty queue again.
        socket.write(burst(leave('r5'), leave('r6'), leave('r7'), ping('p3')));
        const third = await waitFor(reader, 10, 'ten answers');
        expect(third.slice(6).map((m) => m.requestId)).toEqual(['p3', 'r5', 'r6', 'r7']);
      } finally {
        socket.destroy();
      }
    });
  });

  it('MAX_QUEUED_MESSAGES: as many may wait behind the one being handled, one more closes the connection; pings answered ahead are not queued', async () => {
    await withNode({ MAX_QUEUED_MESSAGES: '3', MESSAGES_PER_SECOND: '1000', MESSAGE_BURST: '1000' }, async (node) => {
      const ok = await rawWebSocket(node.port, '/rtc/websocket');
      const over = await rawWebSocket(node.port, '/rtc/websocket');
      try {
        // Three bursts in a row, each three waiting: the queue is empty again after each.
        for (let round = 0; round < 3; round += 1) {
          ok.socket.write(burst(leave(`a${round}`), leave(`b${round}`), ping(`p${round}`), ping(`q${round}`), leave(`c${round}`), leave(`d${round}`)));
          await waitFor(ok.reader, 6 * (round + 1), `round ${round}`);
        }
        expect(received(ok.reader).filter((m) => m.code === 'notInRoom')).toHaveLength(12);
        expect(ok.reader.closeCode()).toBeUndefined();
        over.socket.write(burst(leave('a'), leave('b'), leave('c'), leave('d'), leave('e')));
        await closed(over.socket);
        expect(over.reader.closeCode()).toBe(1008);
        expect(received(over.reader).find((m) => m.code === 'rateLimited')?.message).toBe('more than 3 messages waiting');
      } finally {
        ok.socket.destroy();
        over.socket.destroy();
      }
    });
  });

  it('MESSAGES_PER_SECOND, MESSAGE_BURST and RATE_LIMIT_STRIKES are exact: the burst is served, each strike gets rateLimited, the one past them closes', async () => {
    await withNode({ MESSAGES_PER_SECOND: '1', MESSAGE_BURST: '4', RATE_LIMIT_STRIKES: '2', MAX_QUEUED_MESSAGES: '100' }, async (node) => {
      const within = await rawWebSocket(node.port, '/rtc/websocket');
      const past = await rawWebSocket(node.port, '/rtc/websocket');
      try {
        within.socket.write(burst(leave('m1'), leave('m2'), leave('m3'), leave('m4'), leave('x1'), leave('x2')));
        const answers = await waitFor(within.reader, 6, 'six answers');
        expect(answers.filter((m) => m.code === 'notInRoom').map((m) => m.requestId)).toEqual(['m1', 'm2', 'm3', 'm4']);
        expect(answers.filter((m) => m.code === 'rateLimited')).toHaveLength(2);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(within.reader.closeCode()).toBeUndefined();
        past.socket.write(burst(leave('m1'), leave('m2'), leave('m3'), leave('m4'), leave('x1'), leave('x2'), leave('x3')));
        await closed(past.socket);
        expect(past.reader.closeCode()).toBe(1008);
        expect(received(past.reader).filter((m) => m.code === 'rateLimited' && String(m.message).includes('dropped'))).toHaveLength(2);
      } finally {
        within.socket.destroy();
        past.socket.destroy();
      }
    });
  });
});

describe('a burst in one SockJS frame over WebSocket', () => {
  /** The messages of the SockJS `a[...]` frames received so far, in order. */
  const sockJsMessages = (reader: FrameReader): Record<string, unknown>[] =>
    reader.frames
      .filter((f) => f.opcode === 1 && f.payload[0] === 0x61)
      .flatMap((f) => (JSON.parse(f.payload.subarray(1).toString('utf8')) as string[]).map((m) => JSON.parse(m) as Record<string, unknown>));

  it('is answered in arrival order, with the ping ahead only when something waits', async () => {
    await withNode({}, async (node) => {
      const { socket, reader } = await rawWebSocket(node.port, '/rtc/000/order/websocket');
      try {
        await reader.text((t) => t === 'o');
        const frame = (...messages: Record<string, unknown>[]): Buffer => clientFrame(1, JSON.stringify(messages.map((m) => JSON.stringify(m))));
        const leaveMessage = (requestId: string) => ({ id: 'leaveRoom', requestId });
        const pingMessage = (requestId: string) => ({ id: 'ping', requestId });
        socket.write(frame(leaveMessage('r1'), leaveMessage('r2'), pingMessage('p1'), leaveMessage('r3')));
        await eventually(() => sockJsMessages(reader).length >= 4, 5_000, 'four answers');
        expect(sockJsMessages(reader).map((m) => m.requestId)).toEqual(['p1', 'r1', 'r2', 'r3']);
        socket.write(frame(leaveMessage('r4'), pingMessage('p2')));
        await eventually(() => sockJsMessages(reader).length >= 6, 5_000, 'six answers');
        expect(sockJsMessages(reader).slice(4).map((m) => m.requestId)).toEqual(['r4', 'p2']);
      } finally {
        socket.destroy();
      }
    });
  });
});

describe('a plain WebSocket connection that goes while its messages are handled', () => {
  const joinFrame = (userId: string, roomId: string): Buffer =>
    text({ id: 'joinRoom', userId, roomId, communityId: '1', audio: true, video: true, requestId: `join-${userId}` });

  it.each(['close frame', 'reset'] as const)('leaves no member behind when the %s comes in the same write as its join', async (how) => {
    await withNode({}, async (node) => {
      const observer = await SignalingClient.connect(node.wsUrl);
      await observer.join({ userId: 'watcher', roomId: 'w1' });
      for (let i = 0; i < 5; i += 1) {
        const { socket } = await rawWebSocket(node.port, '/rtc/websocket');
        const frames = [joinFrame(`ghost${i}`, 'w1'), leave(`after${i}`)];
        if (how === 'close frame') {
          const code = Buffer.alloc(2);
          code.writeUInt16BE(1000);
          frames.push(clientFrame(8, code));
          socket.write(burst(...frames));
        } else {
          socket.write(burst(...frames), () => socket.resetAndDestroy());
        }
        await closed(socket);
      }
      await eventually(async () => JSON.stringify(await roomsOf(node)) === JSON.stringify({ w1: ['watcher'] }), 5_000, 'only the watcher in w1');
      await observer.close();
    });
  });
});

describe('per-address connection counts on every path a handshake can end by', () => {
  const upgrade = (headers: string): string => `GET /rtc/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${headers}\r\n`;
  const key = (): string => `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n`;

  const paths: [string, (node: RunningNode) => Promise<void>][] = [
    [
      'a handshake ws refuses after the guard admitted it (unsupported version)',
      async (node) => {
        const socket = await tcpConnect(node.port);
        let answer = '';
        socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
        socket.write(upgrade(`${key()}Sec-WebSocket-Version: 12\r\n`));
        await closed(socket);
        expect(answer).toMatch(/^HTTP\/1\.1 400/);
      },
    ],
    [
      'a handshake ws refuses after the guard admitted it (no key)',
      async (node) => {
        const socket = await tcpConnect(node.port);
        let answer = '';
        socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
        socket.write(upgrade('Sec-WebSocket-Version: 13\r\n'));
        await closed(socket);
        expect(answer).toMatch(/^HTTP\/1\.1 400/);
      },
    ],
    [
      'a socket reset in the same write as its upgrade request',
      async (node) => {
        const socket = await tcpConnect(node.port);
        socket.write(upgrade(`${key()}Sec-WebSocket-Version: 13\r\n`), () => socket.resetAndDestroy());
        await closed(socket);
      },
    ],
    [
      'a socket reset right after the handshake',
      async (node) => {
        const { socket } = await rawWebSocket(node.port, '/rtc/websocket');
        socket.resetAndDestroy();
        await closed(socket);
      },
    ],
    [
      'a socket whose first frame breaks the protocol (unmasked)',
      async (node) => {
        const { socket, reader } = await rawWebSocket(node.port, '/rtc/websocket');
        socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
        await closed(socket);
        expect(reader.closeCode()).toBe(1002);
      },
    ],
    [
      'a socket that errors after a join (reset)',
      async (node) => {
        const { socket, reader } = await rawWebSocket(node.port, '/rtc/websocket');
        socket.write(text({ id: 'joinRoom', userId: 'erring', roomId: 'e1', communityId: '1', audio: true, video: true }));
        await reader.text((t) => t.includes('existingParticipants'));
        socket.resetAndDestroy();
        await closed(socket);
      },
    ],
    [
      'handshakes refused with 429 (they hold no count)',
      async (node) => {
        const held = await handshakeStatus(node);
        expect(held.status).toBe(101);
        for (let i = 0; i < 3; i += 1) expect((await handshakeStatus(node)).status).toBe(429);
        await new Promise<void>((resolve) => {
          held.socket!.once('close', () => resolve());
          held.socket!.close();
        });
      },
    ],
  ];

  it.each(paths)('%s: the count goes back exactly once', async (_name, play) => {
    await withNode({ MAX_CONNECTIONS_PER_IP: '2' }, async (node) => {
      const holder = await SignalingClient.connect(node.wsUrl);
      for (let i = 0; i < 2; i += 1) {
        await play(node);
        await expectExactlyOneFree(node);
      }
      await holder.close();
    });
  });

  it('a SockJS session over WebSocket gives its count back once when its socket is reset', async () => {
    await withNode({ MAX_CONNECTIONS_PER_IP: '2' }, async (node) => {
      const holder = await SignalingClient.connect(node.wsUrl);
      for (let i = 0; i < 2; i += 1) {
        const { socket, reader } = await rawWebSocket(node.port, `/rtc/000/s${i}/websocket`);
        await reader.text((t) => t === 'o');
        socket.resetAndDestroy();
        await closed(socket);
        await expectExactlyOneFree(node);
      }
      await holder.close();
    });
  });
});

describe('liveness of SockJS sessions over WebSocket', () => {
  it('a session that never answers pings is closed within two intervals; one that answers stays', async () => {
    await withNode({ PING_INTERVAL_MS: '1000' }, async (node) => {
      const dead = await rawWebSocket(node.port, '/rtc/000/dead/websocket');
      const live = new WebSocket(`ws://127.0.0.1:${node.port}/rtc/000/live/websocket`);
      await new Promise<void>((resolve, reject) => {
        live.once('open', () => resolve());
        live.once('error', reject);
      });
      const started = Date.now();
      await closed(dead.socket);
      expect(Date.now() - started).toBeLessThan(2 * 1000 + 1500);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(live.readyState).toBe(WebSocket.OPEN);
      live.close();
    });
  });
});

/**
 * A queue longer than one TCP read needs a message that waits on I/O: a join whose store command a relay
 * in front of Redis holds back. Everything the client sends meanwhile waits behind it, read after read.
 */
describe('messages waiting behind a join held on a slow store', () => {
  let redis: RedisFixture;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  const withHeldNode = async (env: Record<string, string>, body: (node: RunningNode, proxy: HoldingProxy) => Promise<void>): Promise<void> => {
    const proxy = await HoldingProxy.start(redis.port);
    const node = await startSecureNode({ ADMIN_TOKEN, STATE_STORE: 'redis', REDIS_URL: proxy.url, REDIS_KEY_PREFIX: `w${Date.now()}:`, ...env });
    try {
      await body(node, proxy);
    } finally {
      proxy.release();
      await node.stop();
      await proxy.close();
    }
  };
  const joinFrame = (userId: string, roomId: string): Buffer =>
    text({ id: 'joinRoom', userId, roomId, communityId: '1', audio: true, video: true, requestId: `join-${userId}` });
  /** A message answered with an error carrying its requestId, of exactly `chars` characters. */
  const weighing = (requestId: string, chars: number): Buffer => {
    const base = JSON.stringify({ id: 'noSuchMessage', requestId, pad: '' }).length;
    const message = JSON.stringify({ id: 'noSuchMessage', requestId, pad: 'x'.repeat(chars - base) });
    expect(message.length).toBe(chars);
    return clientFrame(1, message);
  };

  it.each([
    ['exactly the limit', 0, false],
    ['one character over it', 1, true],
  ] as const)('MAX_QUEUED_BYTES: messages waiting that weigh %s', async (_name, extra, closes) => {
    const limit = 64 * 1024;
    await withHeldNode({ MAX_QUEUED_BYTES: String(limit), MAX_QUEUED_MESSAGES: '100', MESSAGES_PER_SECOND: '1000', MESSAGE_BURST: '1000' }, async (node, proxy) => {
      const roomId = `held-${extra}`;
      proxy.arm((t) => t.includes(roomId));
      const { socket, reader } = await rawWebSocket(node.port, '/rtc/websocket');
      try {
        socket.write(joinFrame('u1', roomId));
        await proxy.triggered;
        // Four waiting messages of a quarter of the limit each, each in writes of its own.
        for (let i = 1; i <= 4; i += 1) {
          socket.write(weighing(`w${i}`, limit / 4 + (i === 4 ? extra : 0)));
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
        proxy.release();
        if (closes) {
          await closed(socket);
          expect(reader.closeCode()).toBe(1008);
          expect(received(reader).find((m) => m.code === 'rateLimited')?.message).toBe(`more than ${limit} bytes of messages waiting`);
        } else {
          const answers = await waitFor(reader, 5, 'the join and four answers');
          expect(answers[0]!.id).toBe('existingParticipants');
          expect(answers.slice(1).map((m) => m.requestId)).toEqual(['w1', 'w2', 'w3', 'w4']);
          expect(answers.slice(1).map((m) => m.code)).toEqual(['unknownMessage', 'unknownMessage', 'unknownMessage', 'unknownMessage']);
          expect(reader.closeCode()).toBeUndefined();
        }
      } finally {
        socket.destroy();
      }
    });
  });

  it.each(['close frame', 'reset'] as const)('a %s while the join waits: the member is let go once the join is done', async (how) => {
    await withHeldNode({}, async (node, proxy) => {
      const observer = await SignalingClient.connect(node.wsUrl);
      await observer.join({ userId: 'watcher', roomId: 'slow-room' });
      proxy.arm((t) => t.includes('ghost'));
      const { socket } = await rawWebSocket(node.port, '/rtc/websocket');
      socket.write(burst(joinFrame('ghost', 'slow-room'), text({ id: 'noSuchMessage', requestId: 'after' })));
      await proxy.triggered;
      if (how === 'close frame') {
        const code = Buffer.alloc(2);
        code.writeUInt16BE(1000);
        socket.write(clientFrame(8, code));
      } else {
        socket.resetAndDestroy();
      }
      await closed(socket);
      await new Promise((resolve) => setTimeout(resolve, 200));
      proxy.release();
      await eventually(async () => JSON.stringify(await roomsOf(node)) === JSON.stringify({ 'slow-room': ['watcher'] }), 5_000, 'only the watcher in slow-room');
      await observer.close();
    });
  });
});
