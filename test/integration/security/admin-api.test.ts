import { readFileSync } from 'node:fs';
import type { RunningNode } from '../../../src/start-node';
import { SignalingClient } from '../../support/signaling-client';
import { admin, ADMIN_TOKEN, http, roomsOf, startSecureNode } from './security-kit';

jest.setTimeout(20_000);

describe('admin API (/v1/admin)', () => {
  let node: RunningNode;
  let alice: SignalingClient;
  let bob: SignalingClient;
  let carol: SignalingClient;

  beforeAll(async () => {
    node = await startSecureNode({ ADMIN_TOKEN });
  });
  beforeEach(async () => {
    [alice, bob, carol] = await Promise.all([1, 2, 3].map(() => SignalingClient.connect(node.wsUrl))) as [SignalingClient, SignalingClient, SignalingClient];
    await alice.join({ userId: 'alice', roomId: 'c-1' });
    await bob.join({ userId: 'bob', roomId: 'c-1' });
    await carol.join({ userId: 'carol', roomId: 'c-2' });
    alice.drain();
  });
  afterEach(async () => {
    await Promise.all([alice.close(), bob.close(), carol.close()]);
  });
  afterAll(() => node.stop());

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer wrong-token-wrong-token-123' }],
    ['the token as Basic', { authorization: `Basic ${ADMIN_TOKEN}` }],
    ['the token with a suffix', { authorization: `Bearer ${ADMIN_TOKEN}x` }],
  ])('refuses %s with 401 and changes nothing', async (_name, headers) => {
    for (const [method, path] of [
      ['GET', '/v1/admin/rooms'],
      ['DELETE', '/v1/admin/rooms/c-1/participants/bob'],
      ['DELETE', '/v1/admin/rooms/c-1'],
    ] as const) {
      const answer = await http(node, method, path, headers);
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'unauthorized' });
    }
    expect(await roomsOf(node)).toEqual({ 'c-1': ['alice', 'bob'], 'c-2': ['carol'] });
  });

  it('lists rooms with their participants', async () => {
    const answer = await admin(node, 'GET', '/v1/admin/rooms');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/application\/json/);
    const body = JSON.parse(answer.body) as { rooms: Record<string, unknown>[] };
    expect(body.rooms).toEqual([
      {
        roomId: 'c-1',
        communityId: '1',
        capacity: 25,
        serving: true,
        size: 2,
        participants: [
          { userId: 'alice', audio: true, video: true, joinedAt: expect.any(Number), reconnecting: false },
          { userId: 'bob', audio: true, video: true, joinedAt: expect.any(Number), reconnecting: false },
        ],
      },
      expect.objectContaining({ roomId: 'c-2', size: 1 }),
    ]);
  });

  it('kicks a participant: the client gets error kicked and is closed, the room hears participantLeft', async () => {
    const answer = await admin(node, 'DELETE', '/v1/admin/rooms/c-1/participants/bob');
    expect(answer.status).toBe(204);
    expect(await bob.next('error')).toMatchObject({ code: 'kicked', details: { roomId: 'c-1' } });
    expect(await bob.waitClosed()).toBe(4003);
    expect(await alice.next('participantLeft')).toEqual({ id: 'participantLeft', userId: 'bob' });
    expect(await roomsOf(node)).toEqual({ 'c-1': ['alice'], 'c-2': ['carol'] });
    await carol.expectNone('participantLeft', 50);
  });

  it('answers 404 for a participant or room that is not there', async () => {
    expect((await admin(node, 'DELETE', '/v1/admin/rooms/c-1/participants/carol')).status).toBe(404);
    expect((await admin(node, 'DELETE', '/v1/admin/rooms/c-9')).status).toBe(404);
    expect((await admin(node, 'DELETE', `/v1/admin/rooms/${'%E0%A4%A'}`)).status).toBe(400);
    expect(await roomsOf(node)).toEqual({ 'c-1': ['alice', 'bob'], 'c-2': ['carol'] });
  });

  it('closes a room: every member is kicked, the room is gone, other rooms stay', async () => {
    const answer = await admin(node, 'DELETE', '/v1/admin/rooms/c-1');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ roomId: 'c-1', removed: 2 });
    for (const client of [alice, bob]) {
      expect(await client.next('error')).toMatchObject({ code: 'kicked', details: { roomClosed: true } });
      expect(await client.waitClosed()).toBe(4003);
    }
    expect(await roomsOf(node)).toEqual({ 'c-2': ['carol'] });
    // The room can be opened again.
    const dave = await SignalingClient.connect(node.wsUrl);
    await dave.join({ userId: 'dave', roomId: 'c-1' });
    expect(await roomsOf(node)).toEqual({ 'c-1': ['dave'], 'c-2': ['carol'] });
    await dave.close();
  });
});

describe('admin API without ADMIN_TOKEN', () => {
  it('is not mounted at all', async () => {
    const node = await startSecureNode({});
    try {
      expect((await http(node, 'GET', '/v1/admin/rooms', { authorization: 'Bearer anything-at-all-1234' })).status).toBe(404);
    } finally {
      await node.stop();
    }
  });
});

describe('docs/admin-api.yaml', () => {
  it('documents every admin route as OpenAPI 3.1', () => {
    const text = readFileSync(`${__dirname}/../../../docs/admin-api.yaml`, 'utf8');
    expect(text).toMatch(/^openapi: 3\.1\.\d+$/m);
    for (const path of ['/v1/admin/rooms:', '/v1/admin/rooms/{roomId}:', '/v1/admin/rooms/{roomId}/participants/{userId}:']) {
      expect(text).toContain(`  ${path}`);
    }
    for (const op of ['operationId: listRooms', 'operationId: closeRoom', 'operationId: kickParticipant']) expect(text).toContain(op);
  });
});
