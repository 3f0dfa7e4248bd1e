import { startNodeProcess } from '../../support/node-process';
import { SignalingClient } from '../../support/signaling-client';

jest.setTimeout(30_000);

describe('a signaling node as its own process', () => {
  it('serves joins and exits 0 on SIGTERM, closing its clients with 1001', async () => {
    const node = await startNodeProcess({});
    const client = await SignalingClient.connect(node.wsUrl);
    const joined = await client.join({ userId: 'alice', roomId: 'room-1' });
    expect(joined.id).toBe('existingParticipants');
    const closed = client.waitClosed(10_000);
    expect(await node.stop('SIGTERM')).toBe(0);
    expect(await closed).toBe(1001);
  });

  it('refuses to start on a bad setting and names it', async () => {
    await expect(startNodeProcess({ ROOM_CAPACITY: 'lots' })).rejects.toThrow(/ROOM_CAPACITY/);
  });
});
