import WebSocket from 'ws';
import type { RunningNode } from '../../../src/start-node';
import { SignalingClient } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';

jest.setTimeout(30_000);

const COOLDOWN_MS = 1_500;

/** The status a WebSocket handshake gets: 101 when it opens, else the HTTP status of the refusal. */
const handshake = (url: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', (error) => reject(error));
  });

/**
 * Rate limits are per connection, so a flooder cut off with 1008 used to reconnect at once and flood
 * again (attacker pass: 7,000–13,000 messages/s into a room through reconnect loops). With
 * FLOOD_COOLDOWN_MS its address is refused for that long.
 */
describe('FLOOD_COOLDOWN_MS: an address thrown out for flooding waits before it connects again', () => {
  let node: RunningNode;

  beforeAll(async () => {
    node = await startTestServer({ FLOOD_COOLDOWN_MS: String(COOLDOWN_MS) });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('refuses the flooder address with 429 during the cool-down, and admits it after', async () => {
    const flooder = await SignalingClient.connect(node.wsUrl);
    await flooder.join({ userId: 'mallory', roomId: 'c-cool' });
    for (let i = 0; i < 5_000; i += 1) flooder.send({ id: 'videoStateFrom', userId: 'mallory', video: i % 2 === 0 });
    const deadline = Date.now() + 10_000;
    while (flooder.closeCode === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(flooder.closeCode).toBe(1008);
    const thrownOutAt = Date.now();
    expect(await handshake(node.wsUrl)).toBe(429);
    // After the cool-down the address is welcome again.
    await new Promise((r) => setTimeout(r, Math.max(0, thrownOutAt + COOLDOWN_MS + 100 - Date.now())));
    expect(await handshake(node.wsUrl)).toBe(101);
  });

  it('is off by default: a node without the setting admits the address at once', async () => {
    const plain = await startTestServer({});
    try {
      const flooder = await SignalingClient.connect(plain.wsUrl);
      await flooder.join({ userId: 'mallory', roomId: 'c-plain' });
      for (let i = 0; i < 5_000; i += 1) flooder.send({ id: 'videoStateFrom', userId: 'mallory', video: i % 2 === 0 });
      const deadline = Date.now() + 10_000;
      while (flooder.closeCode === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(flooder.closeCode).toBe(1008);
      expect(await handshake(plain.wsUrl)).toBe(101);
    } finally {
      await plain.stop();
    }
  });
});
