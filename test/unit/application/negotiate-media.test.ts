import { assertFlowSupported } from '../../../src/application';
import { PUBLISH, SignalingError, subscribeTo, upstreamTo, type MediaCapabilities, type MediaLink } from '../../../src/domain';
import {
  CoreHarness,
  MESH_CAPABILITIES,
  SERVER_OFFER_CAPABILITIES,
  SFU_CAPABILITIES,
  flushPromises,
  signalingRejection,
} from '../../support/fakes';

const roomOf = async (capabilities: MediaCapabilities = SFU_CAPABILITIES): Promise<CoreHarness> => {
  const core = new CoreHarness({ capabilities });
  await core.join('alice');
  await core.join('bob');
  core.clients.clear();
  return core;
};

const negotiationCalls = (core: CoreHarness) =>
  core.media.calls.filter((c) => c.method === 'offer' || c.method === 'answer' || c.method === 'requestOffer');

describe('NegotiateMedia', () => {
  it('passes a publish offer to the backend with the sender, link, sdp and requestId', async () => {
    const core = await roomOf();
    const ref = core.media.sessionOf('room-1')!.ref;
    await core.negotiate.offer({ connectionId: 'conn-alice', link: PUBLISH, sdp: 'v=0 offer', requestId: 'o1' });
    expect(negotiationCalls(core)).toEqual([
      { method: 'offer', roomId: 'room-1', ref, userId: 'alice', link: PUBLISH, sdp: 'v=0 offer', requestId: 'o1' },
    ]);
  });

  it('passes a client-offered subscription, a server-offer request and its answer', async () => {
    const core = await roomOf();
    await core.negotiate.offer({ connectionId: 'conn-alice', link: subscribeTo('bob'), sdp: 'sdp-1' });
    await core.negotiate.requestOffer({ connectionId: 'conn-bob', link: subscribeTo('alice'), requestId: 'q' });
    await core.negotiate.answer({ connectionId: 'conn-bob', link: subscribeTo('alice'), sdp: 'sdp-2' });
    expect(negotiationCalls(core).map((c) => [c.method, c.userId, c.link, c.sdp, c.requestId])).toEqual([
      ['offer', 'alice', subscribeTo('bob'), 'sdp-1', undefined],
      ['requestOffer', 'bob', subscribeTo('alice'), undefined, 'q'],
      ['answer', 'bob', subscribeTo('alice'), 'sdp-2', undefined],
    ]);
  });

  it('in a mesh, passes upstream offers and answers between peers', async () => {
    const core = await roomOf(MESH_CAPABILITIES);
    await core.negotiate.requestOffer({ connectionId: 'conn-bob', link: subscribeTo('alice') });
    await core.negotiate.offer({ connectionId: 'conn-alice', link: upstreamTo('bob'), sdp: 'up-offer' });
    await core.negotiate.answer({ connectionId: 'conn-bob', link: subscribeTo('alice'), sdp: 'down-answer' });
    expect(negotiationCalls(core).map((c) => c.method)).toEqual(['requestOffer', 'offer', 'answer']);
  });

  describe('refusals (the backend is never asked)', () => {
    it.each<[string, MediaCapabilities, 'offer' | 'answer' | 'requestOffer', MediaLink]>([
      ['client-offered subscribe on a server-offer backend', SERVER_OFFER_CAPABILITIES, 'offer', subscribeTo('bob')],
      ['publish on a mesh', MESH_CAPABILITIES, 'offer', PUBLISH],
      ['client-offered subscribe on a mesh', MESH_CAPABILITIES, 'offer', subscribeTo('bob')],
      ['upstream on an SFU', SFU_CAPABILITIES, 'offer', upstreamTo('bob')],
      ['upstream answer on an SFU', SFU_CAPABILITIES, 'answer', upstreamTo('bob')],
      ['upstream requestOffer on a mesh', MESH_CAPABILITIES, 'requestOffer', upstreamTo('bob')],
      ['an answer on a publish link', SFU_CAPABILITIES, 'answer', PUBLISH],
      ['an offer request on a publish link', SFU_CAPABILITIES, 'requestOffer', PUBLISH],
    ])('%s is unsupportedFlow', async (_what, capabilities, action, link) => {
      const core = await roomOf(capabilities);
      const request =
        action === 'requestOffer'
          ? core.negotiate.requestOffer({ connectionId: 'conn-alice', link })
          : core.negotiate[action]({ connectionId: 'conn-alice', link, sdp: 'sdp' });
      const error = await signalingRejection(request);
      expect(error.code).toBe('unsupportedFlow');
      expect(error.details).toEqual({ backend: capabilities.backend });
      expect(negotiationCalls(core)).toEqual([]);
    });

    it('a server-offered subscription on a client-offer-only backend is unsupportedFlow', async () => {
      const core = await roomOf({ ...SFU_CAPABILITIES, backend: 'client-offer-only', serverOfferedSubscribe: false });
      await expect(core.negotiate.requestOffer({ connectionId: 'conn-alice', link: subscribeTo('bob') })).rejects.toMatchObject({
        code: 'unsupportedFlow',
      });
      expect(negotiationCalls(core)).toEqual([]);
    });

    it('a link to a user who is not in the room is unknownUser', async () => {
      const core = await roomOf();
      const error = await signalingRejection(core.negotiate.offer({ connectionId: 'conn-alice', link: subscribeTo('ghost'), sdp: 's' }));
      expect(error.code).toBe('unknownUser');
      expect(error.details).toEqual({ userId: 'ghost' });
      expect(negotiationCalls(core)).toEqual([]);
    });

    it('a user in another room is unknownUser too', async () => {
      const core = await roomOf();
      await core.join('dave', 'room-2');
      await expect(core.negotiate.offer({ connectionId: 'conn-alice', link: subscribeTo('dave'), sdp: 's' })).rejects.toMatchObject({
        code: 'unknownUser',
      });
    });

    it('a link to oneself is invalidMessage', async () => {
      const core = await roomOf();
      await expect(core.negotiate.offer({ connectionId: 'conn-alice', link: subscribeTo('alice'), sdp: 's' })).rejects.toMatchObject({
        code: 'invalidMessage',
      });
      expect(negotiationCalls(core)).toEqual([]);
    });

    it('a connection in no room is notInRoom', async () => {
      const core = await roomOf();
      await expect(core.negotiate.offer({ connectionId: 'stranger', link: PUBLISH, sdp: 's' })).rejects.toMatchObject({ code: 'notInRoom' });
      await expect(core.negotiate.requestOffer({ connectionId: 'stranger', link: subscribeTo('bob') })).rejects.toMatchObject({
        code: 'notInRoom',
      });
      expect(negotiationCalls(core)).toEqual([]);
    });
  });

  describe('backend failures', () => {
    it('an untyped failure becomes mediaBackendError', async () => {
      const core = await roomOf();
      core.media.failNext('offer', new Error('processOffer failed'));
      const error = await signalingRejection(core.negotiate.offer({ connectionId: 'conn-alice', link: PUBLISH, sdp: 's' }));
      expect(error.code).toBe('mediaBackendError');
      expect(error.message).toContain('processOffer failed');
    });

    it('a typed failure is kept', async () => {
      const core = await roomOf();
      core.media.failNext('answer', new SignalingError('mediaServerUnavailable', 'down'));
      await expect(core.negotiate.answer({ connectionId: 'conn-alice', link: subscribeTo('bob'), sdp: 's' })).rejects.toMatchObject({
        code: 'mediaServerUnavailable',
      });
    });

    it('a failure releases the room lock', async () => {
      const core = await roomOf();
      core.media.failNext('offer', new Error('x'));
      await expect(core.negotiate.offer({ connectionId: 'conn-alice', link: PUBLISH, sdp: 's' })).rejects.toBeInstanceOf(SignalingError);
      expect(core.locks.activeKeys).toBe(0);
      await core.negotiate.offer({ connectionId: 'conn-alice', link: PUBLISH, sdp: 's' });
    });
  });

  it('runs under the room lock, and checks the peer again once it has it', async () => {
    const core = await roomOf();
    // Alice's departure holds the lock while the backend frees her endpoints.
    const gate = core.media.hold('removeParticipant');
    const leaving = core.leaveRoom.execute({ connectionId: 'conn-alice' });
    await flushPromises();
    const subscribing = core.negotiate.offer({ connectionId: 'conn-bob', link: subscribeTo('alice'), sdp: 's' });
    await flushPromises();
    expect(negotiationCalls(core)).toEqual([]);
    gate.resolve();
    await leaving;
    await expect(subscribing).rejects.toMatchObject({ code: 'unknownUser' });
    expect(negotiationCalls(core)).toEqual([]);
  });

  it('a sender removed while its request waited for the lock is notInRoom', async () => {
    const core = await roomOf();
    await core.join('carol');
    // Carol's departure holds the lock; alice's removal queues behind it, then alice's offer.
    const gate = core.media.hold('removeParticipant');
    const carolLeaving = core.leaveRoom.execute({ connectionId: 'conn-carol' });
    await flushPromises();
    const aliceRemoved = core.leaveRoom.remove('conn-alice', 'kicked');
    // Accepted before the lock: alice is still bound to the room at this point.
    expect(core.registry.membership('conn-alice')).toBeDefined();
    const offering = core.negotiate.offer({ connectionId: 'conn-alice', link: PUBLISH, sdp: 's' });
    gate.resolve();
    await carolLeaving;
    await expect(aliceRemoved).resolves.toBe(true);
    await expect(offering).rejects.toMatchObject({ code: 'notInRoom' });
    expect(negotiationCalls(core)).toEqual([]);
  });
});

describe('assertFlowSupported', () => {
  const allowed = (caps: MediaCapabilities, action: 'offer' | 'answer' | 'requestOffer', link: MediaLink): boolean => {
    try {
      assertFlowSupported(caps, action, link);
      return true;
    } catch (error) {
      if (error instanceof SignalingError && error.code === 'unsupportedFlow') return false;
      throw error;
    }
  };

  it.each<[MediaCapabilities, 'offer' | 'answer' | 'requestOffer', MediaLink, boolean]>([
    [SFU_CAPABILITIES, 'offer', PUBLISH, true],
    [SFU_CAPABILITIES, 'answer', PUBLISH, false],
    [SFU_CAPABILITIES, 'requestOffer', PUBLISH, false],
    [SFU_CAPABILITIES, 'offer', subscribeTo('b'), true],
    [SFU_CAPABILITIES, 'requestOffer', subscribeTo('b'), true],
    [SFU_CAPABILITIES, 'answer', subscribeTo('b'), true],
    [SFU_CAPABILITIES, 'offer', upstreamTo('b'), false],
    [SERVER_OFFER_CAPABILITIES, 'offer', PUBLISH, true],
    [SERVER_OFFER_CAPABILITIES, 'offer', subscribeTo('b'), false],
    [SERVER_OFFER_CAPABILITIES, 'requestOffer', subscribeTo('b'), true],
    [SERVER_OFFER_CAPABILITIES, 'answer', subscribeTo('b'), true],
    [MESH_CAPABILITIES, 'offer', PUBLISH, false],
    [MESH_CAPABILITIES, 'offer', subscribeTo('b'), false],
    [MESH_CAPABILITIES, 'requestOffer', subscribeTo('b'), true],
    [MESH_CAPABILITIES, 'answer', subscribeTo('b'), true],
    [MESH_CAPABILITIES, 'offer', upstreamTo('b'), true],
    [MESH_CAPABILITIES, 'answer', upstreamTo('b'), true],
    [MESH_CAPABILITIES, 'requestOffer', upstreamTo('b'), false],
  ])('%# %j %s %j → %s', (caps, action, link, expected) => {
    expect(allowed(caps, action, link)).toBe(expected);
  });

  it('tells a mesh client what to do instead of publishing', () => {
    expect(() => assertFlowSupported(MESH_CAPABILITIES, 'offer', PUBLISH)).toThrow(/peerSubscribe/);
  });
});
