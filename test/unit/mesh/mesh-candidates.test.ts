import { PUBLISH, subscribeTo, upstreamTo, type MediaSession, type RoomId, type UserId } from '../../../src/domain';
import type { MediaBackendEvent } from '../../../src/application';
import { MeshMediaGateway } from '../../../src/adapters/mesh/mesh-media-gateway';

const session = { roomId: 'r1' as RoomId, backend: 'mesh', ref: 'mesh-1' } as MediaSession;
const candidate = { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 };

describe('MeshMediaGateway.addIceCandidate', () => {
  it('relays the candidate on the mirrored link before it settles', async () => {
    const gateway = new MeshMediaGateway();
    const events: MediaBackendEvent[] = [];
    gateway.onEvent((event) => events.push(event));
    const pending = gateway.addIceCandidate(session, 'alice' as UserId, subscribeTo('bob' as UserId), candidate);
    expect(events).toEqual([{ type: 'candidate', roomId: 'r1', to: 'bob', link: upstreamTo('alice' as UserId), candidate }]);
    await expect(pending).resolves.toBeUndefined();
  });

  it('refuses a publish link with a rejection, never a synchronous throw', async () => {
    const gateway = new MeshMediaGateway();
    let pending: Promise<void> | undefined;
    expect(() => (pending = gateway.addIceCandidate(session, 'alice' as UserId, PUBLISH, candidate))).not.toThrow();
    await expect(pending).rejects.toMatchObject({ code: 'unsupportedFlow' });
  });

  it('passes a listener failure on as a rejection', async () => {
    const gateway = new MeshMediaGateway();
    gateway.onEvent(() => {
      throw new Error('listener failed');
    });
    await expect(gateway.addIceCandidate(session, 'alice' as UserId, upstreamTo('bob' as UserId), candidate)).rejects.toThrow('listener failed');
  });
});
