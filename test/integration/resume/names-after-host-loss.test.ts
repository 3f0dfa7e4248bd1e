import { startNodeProcess, type NodeProcess } from '../../support/node-process';
import { startRedis, type RedisFixture } from '../../support/redis-fixture';
import { freePort } from '../../support/redis/free-port';
import { SignalingClient, type WireMessage } from '../../support/signaling-client';

jest.setTimeout(90_000);

const ROOM = 'r-names';
const tokenOf = (reply: WireMessage): string => (reply.session as { resumeToken: string }).resumeToken;

/**
 * Display names live with the participant on the host, not in Redis: after the host died, the names come
 * back with the members' `resumeSession` (docs/protocol.md, *Display names*). Only the first resume of the
 * room (the one that takes the dead host's record over) kept its name: every later one resumed a seat that
 * came back from the record nameless, and its `displayName` was dropped. The room then showed that member
 * by its user id for good, to newcomers and to those already back.
 *
 * One node process on a real Redis, SIGKILLed and restarted with the same NODE_ID (its earlier run's rooms
 * are taken over as a dead host's).
 */
describe("display names come back with every resume after the host's death", () => {
  let redis: RedisFixture;
  let node: NodeProcess | undefined;
  let env: Record<string, string>;
  const clients: SignalingClient[] = [];

  const connect = async (): Promise<SignalingClient> => {
    const client = await SignalingClient.connect(node!.wsUrl);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    redis = await startRedis();
    env = {
      STATE_STORE: 'redis',
      REDIS_URL: redis.url,
      NODE_ID: 'solo',
      PORT: String(await freePort()),
      RESUME_GRACE_MS: '20000',
      REDIS_HEARTBEAT_MS: '100',
      REDIS_NODE_EXPIRY_MS: '800',
    };
    node = await startNodeProcess(env, 30_000);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await node?.stop();
    await redis?.stop();
  });

  it('the second member to resume is shown by its name to newcomers and to those already back', async () => {
    const join = async (userId: string, displayName: string): Promise<WireMessage> => {
      const client = await connect();
      client.send({ id: 'joinRoom', userId, roomId: ROOM, communityId: '1', resumable: true, displayName });
      return client.next('existingParticipants');
    };
    const ann = await join('ann', 'Ann Smith');
    const ben = await join('ben', 'Ben Jones');

    await node!.stop('SIGKILL');
    node = await startNodeProcess(env, 30_000);

    const resume = async (joined: WireMessage, displayName: string): Promise<{ client: SignalingClient; reply: WireMessage }> => {
      const client = await connect();
      client.send({ id: 'resumeSession', resumeToken: tokenOf(joined), displayName, requestId: 'back' });
      return { client, reply: await client.next('existingParticipants', () => true, 10_000) };
    };
    const annBack = await resume(ann, 'Ann Smith');
    expect(annBack.reply.members).toEqual([{ userId: 'ben', audio: true, video: true, reconnecting: true }]);
    const benBack = await resume(ben, 'Ben Jones');
    expect(benBack.reply).toMatchObject({ resumed: true, members: [{ userId: 'ann', displayName: 'Ann Smith', audio: true, video: true }] });

    // ann saw ben without a name (his seat came back from the record without one): she learns it now.
    expect(await annBack.client.next('participantReconnected')).toEqual({ id: 'participantReconnected', userId: 'ben', displayName: 'Ben Jones' });
    const carol = await connect();
    carol.send({ id: 'joinRoom', userId: 'carol', roomId: ROOM, communityId: '1' });
    const carolJoined = await carol.next('existingParticipants');
    expect(carolJoined.members).toEqual([
      { userId: 'ann', displayName: 'Ann Smith', audio: true, video: true },
      { userId: 'ben', displayName: 'Ben Jones', audio: true, video: true },
    ]);
  });
});
