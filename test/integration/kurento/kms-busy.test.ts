import { KurentoEmulator, sampleOffer } from '../../support/kurento-emulator';
import type { SignalingClient } from '../../support/signaling-client';
import type { RunningNode } from '../../../src/start-node';
import { closeAll, connectClients, eventually, startKurentoNode } from './kurento-test-kit';

jest.setTimeout(60_000);

const ROOM_SIZE = 25;
const PROCESS_OFFER_MS = 200;

/**
 * KMS answers one connection's requests in order, so a burst of slow calls delays the health ping queued
 * behind them. 25 participants join and publish at once, each processOffer taking 200 ms, the health
 * check allowing 2 misses of 0.8 s every 0.5 s. The node must see a busy KMS, not a lost one: every offer
 * is answered, the socket is never dropped, no room is lost, readiness stays 200.
 *
 * In one room of 25 the core's room lock already sends the offers one at a time, so the ping waits behind
 * one offer at most; spread over 25 rooms the 25 offers reach KMS together and the ping waits ~5 s behind
 * them (that case failed before the health check learnt to count any answer from KMS as a sign of life).
 */
describe('Kurento backend: a busy KMS is not a lost KMS', () => {
  let kms: KurentoEmulator;
  let node: RunningNode;
  let clients: SignalingClient[] = [];

  beforeAll(async () => {
    kms = new KurentoEmulator({ latencyMs: { processOffer: PROCESS_OFFER_MS } });
    await kms.start();
    node = await startKurentoNode([kms.url], { MEDIA_TIMEOUT_MS: '15000', MAX_CONNECTIONS_PER_IP: '100' });
  });
  afterAll(async () => {
    await closeAll(clients);
    await node.stop();
    await kms.stop();
  });

  it.each([
    ['one room of 25', 1],
    ['25 rooms of one', ROOM_SIZE],
  ])(`${ROOM_SIZE} participants joining and publishing at once, ${PROCESS_OFFER_MS} ms per processOffer: %s`, async (_name, rooms) => {
    await closeAll(clients);
    await eventually(() => expect(kms.pipelines()).toHaveLength(0));
    const connectsBefore = kms.requests().filter((r) => r.method === 'connect').length;
    clients = await connectClients(node, ROOM_SIZE);
    const names = clients.map((_, i) => `p${i}`);
    await Promise.all(clients.map((c, i) => c.join({ userId: names[i]!, roomId: `c-burst-${rooms}-${i % rooms}` })));
    const readiness: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        readiness.push((await fetch(`${node.httpUrl}/readyz`)).status);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    const started = Date.now();
    clients.forEach((c, i) => c.send({ id: 'receiveVideoFrom', userId: names[i], sdpOffer: sampleOffer('sendonly'), requestId: `pub-${i}` }));
    const answers = await Promise.all(clients.map((c, i) => c.next('receiveVideoAnswer', (m) => m.userId === names[i], 20_000)));
    const took = Date.now() - started;
    sampling = false;
    await sampler;

    expect(answers).toHaveLength(ROOM_SIZE);
    // The KMS really was busy for longer than the health check tolerates silence.
    expect(took).toBeGreaterThanOrEqual(ROOM_SIZE * PROCESS_OFFER_MS - 100);
    for (const c of clients) await c.expectNone('error', 0);
    // One socket throughout: never dropped, never resumed, and the room's pipeline is the one it was.
    expect(kms.connectionCount()).toBe(1);
    expect(kms.requests().filter((r) => r.method === 'connect')).toHaveLength(connectsBefore);
    expect(kms.pipelines()).toHaveLength(rooms);
    expect(readiness.length).toBeGreaterThan(5);
    expect(readiness.every((status) => status === 200)).toBe(true);
  });
});
