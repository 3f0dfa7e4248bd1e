import { SignalingClient } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';
import type { RunningNode } from '../../../src/start-node';

jest.setTimeout(20_000);

describe('bad input gets a typed error and changes nothing', () => {
  let node: RunningNode;
  let bystander: SignalingClient;
  let client: SignalingClient;

  beforeAll(async () => {
    node = await startTestServer();
    bystander = await SignalingClient.connect(node.wsUrl);
    await bystander.join({ userId: 'bystander', roomId: 'c-bad' });
  });
  beforeEach(async () => {
    client = await SignalingClient.connect(node.wsUrl);
  });
  afterEach(async () => {
    await client.close();
    // Whatever happened, the bystander heard only joins and leaves of the room, nothing else.
    const unexpected = bystander.drain().filter((m) => !['newParticipantArrived', 'participantLeft'].includes(m.id));
    expect(unexpected).toEqual([]);
  });
  afterAll(async () => {
    await bystander.close();
    await node.stop();
  });

  const cases: [string, string | Record<string, unknown>, string][] = [
    ['invalid JSON', '{"id": "joinRoom", ', 'badJson'],
    ['a JSON array', '[1,2,3]', 'invalidMessage'],
    ['a JSON string', '"joinRoom"', 'invalidMessage'],
    ['no id', { userId: 'x' }, 'unknownMessage'],
    ['an unknown id', { id: 'hackTheGibson' }, 'unknownMessage'],
    ['a numeric id', { id: 42 }, 'unknownMessage'],
    ['joinRoom without roomId', { id: 'joinRoom', userId: 'x', communityId: '1', video: true, audio: true }, 'invalidMessage'],
    ['joinRoom with video as a string', { id: 'joinRoom', userId: 'x', roomId: 'c-bad', communityId: '1', video: 'yes', audio: true }, 'invalidMessage'],
    ['joinRoom with an object as userId', { id: 'joinRoom', userId: { $gt: '' }, roomId: 'c-bad', communityId: '1' }, 'invalidMessage'],
    ['joinRoom with a control character in roomId', { id: 'joinRoom', userId: 'x', roomId: 'c\u0007bad', communityId: '1' }, 'invalidMessage'],
    ['receiveVideoFrom before joinRoom', { id: 'receiveVideoFrom', userId: 'bystander', sdpOffer: 'v=0' }, 'notInRoom'],
    ['onIceCandidate before joinRoom', { id: 'onIceCandidate', userId: 'bystander', candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 } }, 'notInRoom'],
    ['videoStateFrom before joinRoom', { id: 'videoStateFrom', userId: 'bystander', video: false }, 'notInRoom'],
    ['leaveRoom before joinRoom', { id: 'leaveRoom' }, 'notInRoom'],
    ['onIceCandidate with a malformed candidate', { id: 'onIceCandidate', userId: 'x', candidate: { sdpMLineIndex: 'zero' } }, 'invalidMessage'],
  ];

  it.each(cases)('%s → %s', async (_name, input, code) => {
    client.sendRaw(typeof input === 'string' ? input : JSON.stringify(input));
    const error = await client.next('error');
    expect(error.code).toBe(code);
    expect(typeof error.message).toBe('string');
    await client.expectNone('error', 100);
    // The connection is still usable.
    const joined = await client.join({ userId: `after-${code}-${cases.findIndex((c) => c[1] === input)}`, roomId: 'c-bad' });
    expect(joined.id).toBe('existingParticipants');
  });

  it('echoes the requestId of a rejected request when it can be read', async () => {
    client.send({ id: 'joinRoom', requestId: 'abc', userId: 'x' });
    expect(await client.next('error')).toMatchObject({ code: 'invalidMessage', requestId: 'abc' });
  });

  it('answers a frame over the message limit with frameTooLarge and keeps the connection', async () => {
    client.send({ id: 'receiveVideoFrom', userId: 'x', sdpOffer: 'a'.repeat(70 * 1024) });
    expect(await client.next('error')).toMatchObject({ code: 'frameTooLarge' });
    expect((await client.join({ userId: 'big', roomId: 'c-bad' })).id).toBe('existingParticipants');
  });

  it('accepts an SDP offer larger than the seed\'s 8 KiB buffer', async () => {
    await client.join({ userId: 'sdp', roomId: 'c-bad' });
    client.send({ id: 'receiveVideoFrom', userId: 'bystander', sdpOffer: `v=0\r\n${'a=x\r\n'.repeat(4000)}` });
    const offer = await bystander.next('peerOffer');
    expect(String(offer.sdpOffer).length).toBeGreaterThan(16_000);
  });

  it('closes a connection that sends a frame far over the limit (abuse)', async () => {
    client.sendRaw('x'.repeat(1024 * 1024));
    expect(await client.waitClosed()).toBe(1009);
  });

  it('answers binary frames with an error', async () => {
    client.sendRaw(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    expect(await client.next('error')).toMatchObject({ code: 'badJson' });
  });
});
