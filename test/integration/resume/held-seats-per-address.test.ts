import type { RunningNode } from '../../../src/start-node';
import { firstAbout, SignalingClient } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';

jest.setTimeout(30_000);

/**
 * Held seats need no open connection: an attacker pass kept 500 seats in 100 rooms from one client with at
 * most 10 sockets, resuming each within the grace. Seats left held from one address within a grace period
 * are now bounded by MAX_CONNECTIONS_PER_IP; past it a drop is a plain departure.
 */

describe('held seats per client address', () => {
  let node: RunningNode;

  beforeAll(async () => {
    node = await startTestServer({ MAX_CONNECTIONS_PER_IP: '3', RESUME_GRACE_MS: '10000', JOINS_PER_MINUTE: '100' });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('three drops from one address keep their seats, the fourth within the grace departs', async () => {
    const observer = await SignalingClient.connect(node.wsUrl);
    await observer.join({ userId: 'olga', roomId: 'c-seats' });
    const outcomes: string[] = [];
    for (const name of ['m1', 'm2', 'm3', 'm4']) {
      const member = await SignalingClient.connect(node.wsUrl);
      member.send({ id: 'joinRoom', userId: name, roomId: 'c-seats', communityId: '1', resumable: true });
      await member.next('existingParticipants');
      await observer.next('newParticipantArrived', (m) => (m.member as { userId: string }).userId === name);
      member.socket.terminate();
      const told = await firstAbout(observer, name);
      outcomes.push(`${name}:${String(told.id)}`);
    }
    expect(outcomes).toEqual(['m1:participantReconnecting', 'm2:participantReconnecting', 'm3:participantReconnecting', 'm4:participantLeft']);
    await observer.close();
  });
});
