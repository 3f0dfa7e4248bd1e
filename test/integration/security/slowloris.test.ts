import { connect, type Socket } from 'node:net';
import type { RunningNode } from '../../../src/start-node';
import { SignalingClient } from '../../support/signaling-client';
import { eventually, startSecureNode } from './security-kit';

jest.setTimeout(60_000);

/** The bound this test promises: a well-behaved client connects and joins within this, whatever the attackers do. */
const JOIN_BOUND_MS = 1_000;
const HEADERS_TIMEOUT_MS = 2_000;

const tcp = async (node: RunningNode): Promise<Socket> => {
  const socket = connect(node.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  return socket;
};

const closedWithin = (socket: Socket, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    if (socket.destroyed) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

/** Connect, join a room with a member in it, and return how long it took. */
const timedJoin = async (node: RunningNode, n: number): Promise<number> => {
  const started = performance.now();
  const client = await SignalingClient.connect(node.wsUrl);
  await client.join({ userId: `guest-${n}`, roomId: 'c-calm' });
  const elapsed = performance.now() - started;
  await client.close();
  return elapsed;
};

describe('slow and hostile clients do not slow a well-behaved one', () => {
  let node: RunningNode;
  let host: SignalingClient;

  beforeAll(async () => {
    node = await startSecureNode({
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: '3000',
      MAX_CONNECTIONS_PER_IP: '200',
    });
    host = await SignalingClient.connect(node.wsUrl);
    await host.join({ userId: 'host', roomId: 'c-calm' });
  });
  afterAll(async () => {
    await host.close();
    await node.stop();
  });

  it(`joins within ${JOIN_BOUND_MS} ms during the attack, and the server cuts the slow handshakes off`, async () => {
    const baseline = await timedJoin(node, 0);

    // 1. Handshakes that never finish: a header line, then a byte now and then, forever.
    const slow = await Promise.all(Array.from({ length: 30 }, () => tcp(node)));
    for (const s of slow) s.write('GET /rtc/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
    const drip = setInterval(() => {
      for (const s of slow) if (!s.destroyed) s.write('X');
    }, 300);
    // 2. Connections that say nothing at all, before or after the handshake.
    const mute = await Promise.all(Array.from({ length: 20 }, () => tcp(node)));
    const silent = await Promise.all(Array.from({ length: 30 }, () => SignalingClient.connect(node.wsUrl)));
    // 3. Clients that flood as fast as the socket takes it, big frames and small; each one the server
    //    hangs up on is replaced at once, so the flood lasts the whole measurement.
    const junk = JSON.stringify({ id: 'peerOffer', userId: 'host', sdpOffer: 'x'.repeat(50_000) });
    const flooders: SignalingClient[] = await Promise.all(Array.from({ length: 3 }, () => SignalingClient.connect(node.wsUrl)));
    const floodCloses: number[] = [];
    let flooding = true;
    const flood = setInterval(() => {
      if (!flooding) return;
      flooders.forEach((f, i) => {
        if (f.closeCode !== undefined) {
          floodCloses.push(f.closeCode);
          void SignalingClient.connect(node.wsUrl).then(
            (next) => (flooding ? (flooders[i] = next) : void next.close()),
            () => undefined,
          );
          f.closeCode = undefined;
          return;
        }
        if (f.socket.readyState !== f.socket.OPEN) return;
        for (let n = 0; n < 20; n += 1) f.sendRaw(n % 2 ? junk : '{"id":"leaveRoom"}');
      });
    }, 5);

    try {
      // Joins are measured for at least two seconds, so they overlap many rounds of flooding and reconnecting.
      const latencies: number[] = [];
      const measureUntil = Date.now() + 2_000;
      while (latencies.length < 10 || Date.now() < measureUntil) latencies.push(await timedJoin(node, latencies.length + 1));
      process.stdout.write(
        `slowloris: baseline join ${baseline.toFixed(1)} ms; under attack max ${Math.max(...latencies).toFixed(1)} ms, ` +
          `${floodCloses.length} flooders cut off, ` +
          `median ${[...latencies].sort((a, b) => a - b)[Math.floor(latencies.length / 2)]!.toFixed(1)} ms over ${latencies.length} joins\n`,
      );
      for (const latency of latencies) expect(latency).toBeLessThan(JOIN_BOUND_MS);

      // The flooders were disconnected for flooding (1008), again and again, not served forever.
      await eventually(() => floodCloses.length >= 3, 10_000, 'flooders to be cut off');
      expect(new Set(floodCloses)).toEqual(new Set([1008]));
      // Handshakes that never complete are closed once the headers timeout passes (plus Node's check interval).
      const slowClosed = await Promise.all(slow.map((s) => closedWithin(s, HEADERS_TIMEOUT_MS + 1_000 + 3_000)));
      expect(slowClosed.every(Boolean)).toBe(true);
      // The host never heard anything from any of it.
      expect(host.drain().filter((m) => !['newParticipantArrived', 'participantLeft'].includes(m.id))).toEqual([]);
      // The silent WebSocket clients are still connected: idle is allowed; dead peers are found by ping/pong.
      expect(silent.every((c) => c.socket.readyState === c.socket.OPEN)).toBe(true);
    } finally {
      flooding = false;
      clearInterval(flood);
      clearInterval(drip);
      for (const s of [...slow, ...mute]) s.destroy();
      await Promise.all([...silent, ...flooders].map((c) => c.close()));
    }
  });

  it('a connection that sends no request at all is closed by the headers timeout', async () => {
    const mute = await tcp(node);
    expect(await closedWithin(mute, HEADERS_TIMEOUT_MS + 1_000 + 3_000)).toBe(true);
  });
});
