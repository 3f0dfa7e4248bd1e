import { sampleOffer } from '../../support/kurento-emulator';
import { eventually, publish, receiveFrom, kurentoRig } from './kurento-test-kit';

jest.setTimeout(60_000);

const MEDIA_TIMEOUT_MS = 1_500;

describe('Kurento backend: KMS errors and silence reach the client as typed errors', () => {
  const rig = kurentoRig('all', { env: { MEDIA_TIMEOUT_MS: String(MEDIA_TIMEOUT_MS) }, beforeCleanup: (r) => r.kms.clearFaults(), leavesNothing: true });

  const { clients } = rig;

  it('answers a refused processOffer with error mediaBackendError echoing the requestId; the room stays usable', async () => {
    const [alice, bob] = await clients(2);
    await alice!.join({ userId: 'alice', roomId: 'c-err' });
    await bob!.join({ userId: 'bob', roomId: 'c-err' });
    rig.kms.failNext('processOffer', { code: 40205, type: 'SDP_END_POINT_PROCESS_OFFER_ERROR', message: 'Error processing offer' });
    alice!.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: sampleOffer(), requestId: 'pub-1' });
    const error = await alice!.next('error');
    expect(error).toMatchObject({ id: 'error', code: 'mediaBackendError', requestId: 'pub-1' });
    expect(String(error.message)).toContain('SDP_END_POINT_PROCESS_OFFER_ERROR');
    await alice!.expectNone('receiveVideoAnswer', 200);

    // Same room, same connection: publishing again works, and so does receiving.
    expect(await publish(alice!, 'alice')).toMatchObject({ userId: 'alice' });
    expect(await receiveFrom(bob!, 'alice')).toMatchObject({ userId: 'alice' });
    expect(rig.kms.pipelines()).toHaveLength(1);
  });

  it('reports a KMS refusal on join and leaves nothing behind; the next join works', async () => {
    const [alice] = await clients(1);
    rig.kms.failNext('create:WebRtcEndpoint', { code: 40003, type: 'NOT_ENOUGH_RESOURCES', message: 'Too many endpoints' });
    alice!.send({ id: 'joinRoom', userId: 'alice', roomId: 'c-join-err', communityId: '1', video: true, audio: true, requestId: 'j-1' });
    const error = await alice!.next('error');
    expect(error).toMatchObject({ code: 'mediaBackendError', requestId: 'j-1' });
    expect(String(error.message)).toContain('NOT_ENOUGH_RESOURCES');
    await eventually(() => expect(rig.kms.liveObjectCount()).toBe(0)); // the room's pipeline was given back

    expect(await alice!.join({ userId: 'alice', roomId: 'c-join-err' })).toMatchObject({ members: [] });
    expect(rig.kms.pipelines()).toHaveLength(1);
  });

  it('releases a half-built incoming endpoint when connecting it fails', async () => {
    const [alice, bob] = await clients(2);
    await alice!.join({ userId: 'alice', roomId: 'c-connect-err' });
    await bob!.join({ userId: 'bob', roomId: 'c-connect-err' });
    await publish(alice!, 'alice');
    rig.kms.failNext('connect', { code: 40107, type: 'MEDIA_OBJECT_ILLEGAL_PARAM_ERROR', message: 'Cannot connect' });
    bob!.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: sampleOffer('recvonly'), requestId: 'sub-1' });
    expect(await bob!.next('error')).toMatchObject({ code: 'mediaBackendError', requestId: 'sub-1' });
    await eventually(() => expect(rig.kms.endpoints()).toHaveLength(2)); // the two outgoing endpoints only
    expect(await receiveFrom(bob!, 'alice')).toMatchObject({ userId: 'alice' });
  });

  it('turns a KMS call that is never answered into a typed error after MEDIA_TIMEOUT_MS', async () => {
    const [alice] = await clients(1);
    await alice!.join({ userId: 'alice', roomId: 'c-hang' });
    rig.kms.hangNext('processOffer');
    const sent = Date.now();
    alice!.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: sampleOffer(), requestId: 'slow-1' });
    const error = await alice!.next('error', () => true, 10_000);
    const waited = Date.now() - sent;
    expect(error).toMatchObject({ code: 'mediaBackendError', requestId: 'slow-1' });
    expect(String(error.message)).toMatch(/no answer within 1500 ms/);
    expect(waited).toBeGreaterThanOrEqual(MEDIA_TIMEOUT_MS - 50);
    expect(waited).toBeLessThan(MEDIA_TIMEOUT_MS + 3_000);
    // The KMS itself is alive (pings are answered), so the room carries on.
    expect(await publish(alice!, 'alice')).toMatchObject({ userId: 'alice' });
  });

  it('releases an endpoint that KMS creates after the call already timed out', async () => {
    const [alice, bob] = await clients(2);
    await alice!.join({ userId: 'alice', roomId: 'c-late' });
    const logStart = rig.kms.requests().length;
    const since = () => rig.kms.requests().slice(logStart);
    rig.kms.delayNext('create:WebRtcEndpoint', MEDIA_TIMEOUT_MS + 500);
    bob!.send({ id: 'joinRoom', userId: 'bob', roomId: 'c-late', communityId: '1', requestId: 'j-late' });
    expect(await bob!.next('error', () => true, 10_000)).toMatchObject({ code: 'mediaBackendError', requestId: 'j-late' });
    // KMS creates it at last; the node notices the late answer and frees it: only alice's endpoint remains.
    await eventually(() => expect(since().filter((r) => r.method === 'create' && r.detail === 'WebRtcEndpoint' && r.outcome === 'ok')).toHaveLength(1), 5_000);
    await eventually(() => expect(rig.kms.endpoints()).toHaveLength(1), 5_000);
    expect(since().filter((r) => r.method === 'release' && r.objectId?.endsWith('_kurento.WebRtcEndpoint'))).toHaveLength(1);
  });

  it('times out a pipeline creation that is never answered and refuses the join with a typed error', async () => {
    const [alice, bob] = await clients(2);
    rig.kms.hangNext('create:MediaPipeline');
    alice!.send({ id: 'joinRoom', userId: 'alice', roomId: 'c-hang-join', communityId: '1', requestId: 'j-slow' });
    expect(await alice!.next('error', () => true, 10_000)).toMatchObject({ code: 'mediaBackendError', requestId: 'j-slow' });
    expect(await bob!.join({ userId: 'bob', roomId: 'c-hang-join' })).toMatchObject({ members: [] });
  });

  it('a processOffer KMS carried out after the call timed out does not block the link: the next offer gets a fresh endpoint', async () => {
    const [alice, bob] = await clients(2);
    await alice!.join({ userId: 'alice', roomId: 'c-late-offer' });
    await bob!.join({ userId: 'bob', roomId: 'c-late-offer' });
    rig.kms.delayNext('processOffer', MEDIA_TIMEOUT_MS + 500);
    alice!.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: sampleOffer('sendonly'), requestId: 'late-1' });
    expect(await alice!.next('error', () => true, 10_000)).toMatchObject({ code: 'mediaBackendError', requestId: 'late-1' });
    // KMS negotiated that endpoint after all; the retry must not land on it (SDP_END_POINT_ALREADY_NEGOTIATED).
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await publish(alice!, 'alice')).toMatchObject({ userId: 'alice' });
    expect(await receiveFrom(bob!, 'alice')).toMatchObject({ userId: 'alice' });
    // alice's spent endpoint was released with the republish: two outgoing and bob's subscription remain.
    await eventually(() => expect(rig.kms.endpoints()).toHaveLength(3));
  });

  it("a generateOffer KMS carried out after the call timed out does not block the subscription: the next subscribe gets a fresh endpoint", async () => {
    const [alice, bob] = await clients(2);
    await alice!.join({ userId: 'alice', roomId: 'c-late-gen' });
    await bob!.join({ userId: 'bob', roomId: 'c-late-gen' });
    await publish(alice!, 'alice');
    rig.kms.delayNext('generateOffer', MEDIA_TIMEOUT_MS + 500);
    bob!.send({ id: 'subscribe', userId: 'alice', requestId: 'gen-1' });
    expect(await bob!.next('error', () => true, 10_000)).toMatchObject({ code: 'mediaBackendError', requestId: 'gen-1' });
    await new Promise((resolve) => setTimeout(resolve, 700));
    bob!.send({ id: 'subscribe', userId: 'alice', requestId: 'gen-2' });
    expect(await bob!.next('subscribeOffer', (m) => m.requestId === 'gen-2')).toMatchObject({ userId: 'alice' });
    bob!.send({ id: 'subscribeAnswer', userId: 'alice', sdpAnswer: sampleOffer('recvonly'), requestId: 'gen-3' });
    expect(await bob!.next('ack', (m) => m.requestId === 'gen-3')).toEqual({ id: 'ack', requestId: 'gen-3' });
  });

  it('a republish whose connections to the subscribers fail keeps the old endpoint feeding them and leaves no new one behind', async () => {
    const [alice, bob] = await clients(2);
    await alice!.join({ userId: 'alice', roomId: 'c-republish' });
    await bob!.join({ userId: 'bob', roomId: 'c-republish' });
    await publish(alice!, 'alice');
    await receiveFrom(bob!, 'alice');
    const before = rig.kms.endpoints().map((e) => e.id).sort();
    const feeding = rig.kms.endpoints().find((e) => e.source !== undefined)!.source;
    rig.kms.failNext('connect', { code: 40107, type: 'MEDIA_OBJECT_ILLEGAL_PARAM_ERROR', message: 'Cannot connect' });
    alice!.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: sampleOffer('sendonly'), requestId: 'repub-1' });
    expect(await alice!.next('error')).toMatchObject({ code: 'mediaBackendError', requestId: 'repub-1' });
    await eventually(() => expect(rig.kms.endpoints().map((e) => e.id).sort()).toEqual(before));
    // The retry replaces the old endpoint for real: bob's subscription is fed by the new one.
    expect(await publish(alice!, 'alice')).toMatchObject({ userId: 'alice' });
    await eventually(() => {
      const endpoints = rig.kms.endpoints();
      expect(endpoints).toHaveLength(3);
      const sub = endpoints.find((e) => e.source !== undefined)!;
      expect(sub.source).not.toBe(feeding);
      expect(endpoints.some((e) => e.id === feeding)).toBe(false);
    });
  });
});

