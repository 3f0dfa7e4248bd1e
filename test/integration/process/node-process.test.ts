import { startNodeProcess } from '../../support/node-process';
import { SignalingClient } from '../../support/signaling-client';

jest.setTimeout(30_000);

describe('a signaling node as its own process', () => {
  it('on SIGTERM tells clients in rooms to reconnect, closes every socket with 1001 and exits 0 promptly', async () => {
    const node = await startNodeProcess({});
    const inRoom = await SignalingClient.connect(node.wsUrl);
    const idle = await SignalingClient.connect(node.wsUrl);
    expect((await inRoom.join({ userId: 'alice', roomId: 'room-1' })).id).toBe('existingParticipants');
    const inRoomClosed = inRoom.waitClosed(10_000);
    const idleClosed = idle.waitClosed(10_000);
    const started = Date.now();
    expect(await node.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    const told = await inRoom.next('error');
    expect(told).toMatchObject({ code: 'serverShuttingDown', details: { reconnect: true } });
    expect((told.details as { retryAfterMs: number }).retryAfterMs).toBeGreaterThanOrEqual(0);
    expect(await inRoomClosed).toBe(1001);
    expect(await idleClosed).toBe(1001);
    expect(node.output.join('\n')).toContain('node drained');
  });

  it('refuses to start on a bad setting and names it', async () => {
    await expect(startNodeProcess({ ROOM_CAPACITY: 'lots' })).rejects.toThrow(/ROOM_CAPACITY/);
  });
});
