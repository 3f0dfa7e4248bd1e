import type { RunningNode } from '../../../src/start-node';
import { TestPresenceServer } from '../../support/presence-server';
import { SignalingClient } from '../../support/signaling-client';
import { admin, ADMIN_TOKEN, eventually, http, LogCapture, roomsOf, startSecureNode } from '../security/security-kit';

jest.setTimeout(30_000);

/**
 * The seed's clients unchanged: its static page sends the typed name as `userId` and the typed room as
 * `roomId`; its Vue app sends numeric user ids and booleans as strings (`"audio":"false"`), which the Java
 * server's Jackson mapper coerced. Each such message must work, and each id must come out intact
 * everywhere it goes: replies to the room, presence lines, logs, metrics, the admin API's paths.
 */
describe('seed input with the field types its clients really send', () => {
  let node: RunningNode;
  let presence: TestPresenceServer;
  const logs = new LogCapture();
  const open: SignalingClient[] = [];

  beforeAll(async () => {
    presence = await TestPresenceServer.start();
    node = await startSecureNode({ ADMIN_TOKEN, PRESENCE_TCP: `127.0.0.1:${presence.port}` }, logs);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await node.stop();
    await presence.stop();
  });

  const connect = async (): Promise<SignalingClient> => {
    const client = await SignalingClient.connect(node.wsUrl);
    open.push(client);
    return client;
  };

  it.each([
    ['김희동', '회의실'],
    ['heedong kim', 'test room'],
    ["o'brien", 'c-{17}'],
  ])('the typed name %p joins the typed room %p, and the others see that person', async (name, roomId) => {
    const first = await connect();
    const typed = await connect();
    await first.join({ userId: 'host', roomId, communityId: '0' });
    const joined = await typed.join({ userId: name, roomId, communityId: '0' });
    expect(joined).toMatchObject({ id: 'existingParticipants', roomId, userId: name, members: [{ userId: 'host', video: true, audio: true }] });
    expect(await first.next('newParticipantArrived')).toEqual({ id: 'newParticipantArrived', member: { userId: name, video: true, audio: true } });
    typed.send({ id: 'leaveRoom' });
    expect(await first.next('participantLeft')).toEqual({ id: 'participantLeft', userId: name });
  });

  it('the Vue app\'s toggles, {"userId":6,"audio":"false"}, reach the whole room as booleans', async () => {
    const six = await connect();
    const other = await connect();
    // Its join carries numbers and string booleans as well.
    six.send({ id: 'joinRoom', token: 'ignored-with-AUTH-none', userId: 6, communityId: 3, roomId: 'c-7', video: 'true', audio: 'true' });
    await six.next('existingParticipants');
    await other.join({ userId: '7', roomId: 'c-7', communityId: '3' });
    six.send({ id: 'audioStateFrom', userId: 6, audio: 'false' });
    for (const c of [six, other]) expect(await c.next('audioStateAnswer')).toEqual({ id: 'audioStateAnswer', userId: '6', audio: false });
    six.send({ id: 'videoStateFrom', userId: 6, video: 'false' });
    for (const c of [six, other]) expect(await c.next('videoStateAnswer')).toEqual({ id: 'videoStateAnswer', userId: '6', video: false });
    six.send({ id: 'audioStateFrom', userId: '6', audio: 1 });
    for (const c of [six, other]) expect(await c.next('audioStateAnswer')).toEqual({ id: 'audioStateAnswer', userId: '6', audio: true });
    // A late joiner sees the state the string booleans set.
    const late = await connect();
    const seen = await late.join({ userId: '8', roomId: 'c-7', communityId: '3' });
    expect(seen.members).toEqual(expect.arrayContaining([{ userId: '6', video: false, audio: true }]));
  });

  it('a name typed as decomposed jamo (NFD) is the same person as the composed one', async () => {
    const a = await connect();
    const b = await connect();
    await a.join({ userId: '김희동', roomId: '회의실 2' });
    b.send({ id: 'joinRoom', userId: 'host', roomId: '회의실 2'.normalize('NFD'), communityId: '1' });
    expect(await b.next('existingParticipants')).toMatchObject({ roomId: '회의실 2', members: [{ userId: '김희동' }] });
  });

  it('typed ids reach presence lines, logs and the admin API intact, and never become metric labels', async () => {
    const inRoom = () => presence.messages().filter((m) => m.channel_id === '회의실 {3}');
    const kim = await connect();
    await kim.join({ userId: '김희동', roomId: '회의실 {3}', communityId: '5' });
    await presence.waitFor(() => inRoom().length === 1, 5_000, 'enter');
    expect(inRoom()).toEqual([expect.objectContaining({ type: 'enter', user_id: '김희동', channel_id: '회의실 {3}', community_id: '5' })]);
    expect(presence.received.some((r) => r.raw.includes('"user_id":"김희동","community_id":"5","channel_id":"회의실 {3}"'))).toBe(true);

    // The admin API names the room and the user by their percent-encoded UTF-8 in the path.
    expect(await roomsOf(node)).toMatchObject({ '회의실 {3}': ['김희동'] });
    const path = `/v1/admin/rooms/${encodeURIComponent('회의실 {3}')}/participants/${encodeURIComponent('김희동'.normalize('NFD'))}`;
    expect((await admin(node, 'DELETE', path)).status).toBe(204);
    expect(await kim.next('error')).toMatchObject({ code: 'kicked' });
    await presence.waitFor(() => inRoom().some((m) => m.type === 'leave' && m.user_id === '김희동'), 5_000, 'leave');
    // The longest id, 128 characters, is 640 characters in a path once percent-encoded.
    const longest = 'x'.repeat(64) + '회'.repeat(64);
    await (await connect()).join({ userId: '회'.repeat(128), roomId: longest });
    const closed = await admin(node, 'DELETE', `/v1/admin/rooms/${encodeURIComponent(longest)}`);
    expect(closed.status).toBe(200);
    expect(JSON.parse(closed.body)).toMatchObject({ roomId: longest });
    expect((await admin(node, 'DELETE', `/v1/admin/rooms/${encodeURIComponent('a\u0007b')}`)).status).toBe(400);

    // Logs are JSON lines: the ids are there, as JSON strings.
    await eventually(() => logs.lines.some((l) => l.includes('김희동')), 5_000, 'a log line naming the user');
    for (const line of logs.lines) expect(() => JSON.parse(line)).not.toThrow();

    // Metrics carry no per-room or per-user label, whatever the ids.
    const metrics = await http(node, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).not.toContain('김희동');
    expect(metrics.body).not.toContain('회의실');
  });

  it('the room lookup route takes a Unicode room id as joinRoom does', async () => {
    const answer = await http(node, 'GET', `/v1/rooms/${encodeURIComponent('회의실')}/node`);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ roomId: '회의실' });
    expect((await http(node, 'GET', `/v1/rooms/${encodeURIComponent('a\nb')}/node`)).status).toBe(400);
  });
});

describe("the seed's Vue app joining with the seed's own token (AUTH=jwt, Base64 secret, numeric id claim, no aud)", () => {
  const keyText = 'smooth-signaling-auth-secret-key-0123456789';
  let node: RunningNode;
  beforeAll(async () => {
    node = await startSecureNode({
      AUTH: 'jwt',
      AUTH_JWT_SECRET: Buffer.from(keyText).toString('base64'),
      AUTH_JWT_SECRET_ENCODING: 'base64',
      AUTH_USER_CLAIM: 'id',
    });
  });
  afterAll(() => node.stop());

  it('joins as user 6 with {"userId":6,"video":"true","audio":"false"}, and cannot pose as user 7', async () => {
    const { createHmac } = await import('node:crypto');
    const part = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const input = `${part({ alg: 'HS256' })}.${part({ sub: 'heedong@example.com', role: 'ROLE_USER', id: 6, iat: now, exp: now + 3600 })}`;
    const token = `${input}.${createHmac('sha256', Buffer.from(keyText)).update(input).digest('base64url')}`;
    const client = await SignalingClient.connect(node.wsUrl);
    try {
      client.send({ id: 'joinRoom', token, userId: 7, communityId: '0', roomId: 'r-5', video: 'true', audio: 'false', requestId: 'j7' });
      expect(await client.next('error')).toMatchObject({ code: 'unauthorized', requestId: 'j7' });
      client.send({ id: 'joinRoom', token, userId: 6, communityId: '0', roomId: 'r-5', video: 'true', audio: 'false' });
      expect(await client.next('existingParticipants')).toMatchObject({ userId: '6', roomId: 'r-5', members: [] });
      client.send({ id: 'audioStateFrom', userId: 6, audio: 'true' });
      expect(await client.next('audioStateAnswer')).toEqual({ id: 'audioStateAnswer', userId: '6', audio: true });
    } finally {
      await client.close();
    }
  });
});
