import type { RunningNode } from '../../../src/start-node';
import { RELAY_BURST_BYTES } from '../../../src/adapters/mesh/mesh-media-gateway';
import { sampleOffer } from '../../support/kurento-emulator';
import { SignalingClient } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';

jest.setTimeout(60_000);

/** An offer near the protocol's 60,000-character SDP limit. */
const BIG_OFFER = `v=0\r\n${'a=x-padding:'.padEnd(59_900, 'x')}\r\n`;

/**
 * One member aiming offers at another in a mesh room (found by an attacker pass): the message burst is per
 * sender, so 150 offers of 60 KB once passed the victim's send backlog bound and cut it off as
 * `slowConsumer` although it read as fast as it could. The relay now keeps an SDP budget per pair of
 * members: the sender gets `rateLimited` for what is over it, the victim stays, the room keeps working.
 */
describe('mesh relay: one member cannot flood another with SDP', () => {
  let node: RunningNode;
  const clients: SignalingClient[] = [];

  beforeAll(async () => {
    node = await startTestServer({ MEDIA_BACKEND: 'mesh' });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await node.stop();
  });

  it('300 offers of 60 KB at one member: the victim is not cut off, the sender is refused past the pair budget, others still negotiate', async () => {
    const [attacker, victim, other] = await Promise.all([0, 1, 2].map(() => SignalingClient.connect(node.wsUrl)));
    clients.push(attacker!, victim!, other!);
    await attacker!.join({ userId: 'mallory', roomId: 'c-grief' });
    await victim!.join({ userId: 'victim', roomId: 'c-grief' });
    await other!.join({ userId: 'olga', roomId: 'c-grief' });

    for (let i = 0; i < 300; i += 1) attacker!.send({ id: 'receiveVideoFrom', userId: 'victim', sdpOffer: BIG_OFFER, requestId: `g${i}` });
    const refused = await attacker!.next('error', (m) => m.code === 'rateLimited', 15_000);
    expect(refused).toMatchObject({ code: 'rateLimited', details: { userId: 'victim', limitBytes: RELAY_BURST_BYTES } });

    // The victim still gets a normal negotiation from someone else, and was never closed.
    other!.send({ id: 'receiveVideoFrom', userId: 'victim', sdpOffer: sampleOffer('recvonly'), requestId: 'real' });
    expect(await victim!.next('peerOffer', (m) => m.userId === 'olga', 15_000)).toMatchObject({ userId: 'olga' });
    await victim!.expectNone('error', 500);
    expect(victim!.closeCode).toBeUndefined();
    // What reached the victim from the attacker fits in the budget (plus the refill while it ran).
    const fromAttacker = victim!.drain().filter((m) => m.id === 'peerOffer' && m.userId === 'mallory');
    expect(fromAttacker.length).toBeGreaterThan(0);
    expect(fromAttacker.length * BIG_OFFER.length).toBeLessThan(RELAY_BURST_BYTES * 2);
  });
});
