import { SignJWT } from 'jose';
import type { RunningNode } from '../../../src/start-node';
import { SignalingClient } from '../../support/signaling-client';
import { AUDIENCE, HS_SECRET, JwksServer, keyPair, signToken } from '../../unit/auth/jwt-kit';
import { ADMIN_TOKEN, LogCapture, roomsOf, startSecureNode } from './security-kit';

jest.setTimeout(30_000);

const joinMessage = (userId: string, roomId: string, token?: string) => ({
  id: 'joinRoom',
  userId,
  roomId,
  communityId: '1',
  audio: true,
  video: true,
  ...(token !== undefined ? { token } : {}),
  requestId: `join-${userId}`,
});

describe('AUTH=jwt through a running node (HS256, room claim)', () => {
  let node: RunningNode;
  let bystander: SignalingClient;
  const clients: SignalingClient[] = [];
  const connect = async (): Promise<SignalingClient> => {
    const c = await SignalingClient.connect(node.wsUrl);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    node = await startSecureNode({
      AUTH: 'jwt',
      AUTH_JWT_SECRET: HS_SECRET,
      AUTH_JWT_AUDIENCE: AUDIENCE,
      AUTH_ROOM_CLAIM: 'rooms',
      ADMIN_TOKEN,
    });
    bystander = await SignalingClient.connect(node.wsUrl);
    await bystander.join({ userId: 'bob', roomId: 'c-1', token: await signToken({ sub: 'bob', rooms: ['c-*'] }) });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await bystander.close();
    await node.stop();
  });

  /** Sends a join that must be refused, and checks that nothing changed anywhere. */
  const expectRefused = async (message: Record<string, unknown>, expected: RegExp): Promise<void> => {
    const before = await roomsOf(node);
    const client = await connect();
    client.send(message);
    const error = await client.next('error');
    expect(error).toMatchObject({ code: 'unauthorized', requestId: message.requestId });
    expect(String(error.message)).toMatch(expected);
    await client.expectNone('existingParticipants', 100);
    expect(await roomsOf(node)).toEqual(before);
    await bystander.expectNone('newParticipantArrived', 50);
    // The refused client may still join properly afterwards.
    const token = await signToken({ sub: 'carol', rooms: ['c-1'] });
    client.send(joinMessage('carol', 'c-1', token));
    await client.next('existingParticipants');
    await client.close();
    await bystander.next('participantLeft', (m) => m.userId === 'carol');
  };

  it('a valid token joins; the room sees the user the token names', async () => {
    const alice = await connect();
    alice.send(joinMessage('alice', 'c-1', await signToken({ sub: 'alice', rooms: ['c-1'] })));
    const existing = await alice.next('existingParticipants');
    expect(JSON.stringify(existing)).toContain('bob');
    expect(await bystander.next('newParticipantArrived')).toMatchObject({ member: { userId: 'alice' } });
    expect(await roomsOf(node)).toEqual({ 'c-1': ['alice', 'bob'] });
  });

  it("user A's token cannot act as user B", async () => {
    const tokenOfMallory = await signToken({ sub: 'mallory', rooms: ['*'] });
    await expectRefused(joinMessage('bob', 'c-1', tokenOfMallory), /belongs to another user/);
  });

  it('a token whose user claim is not in NFC is refused, so two subjects the issuer keeps apart never become one user', async () => {
    const precomposed = await connect();
    await precomposed.join({ userId: '\u00c5', roomId: 'c-nfc', token: await signToken({ sub: '\u00c5', rooms: ['c-nfc'] }) });
    // "A" + combining ring: another subject to the issuer, the same text once normalised.
    await expectRefused(joinMessage('\u00c5', 'c-nfc', await signToken({ sub: 'A\u030a', rooms: ['c-nfc'] })), /not in Unicode NFC form/);
    await precomposed.expectNone('error', 300);
    expect(precomposed.closeCode).toBeUndefined();
  });

  it('an expired token is refused', async () => {
    await expectRefused(joinMessage('dave', 'c-1', await signToken({ sub: 'dave', rooms: ['c-1'] }, { expiresIn: -60 })), /expired/);
  });

  it('a missing token is refused', async () => {
    await expectRefused(joinMessage('dave', 'c-1'), /token is required/);
  });

  it('a token with a bad signature is refused', async () => {
    const token = await signToken({ sub: 'dave', rooms: ['c-1'] });
    const [h, p] = token.split('.');
    await expectRefused(joinMessage('dave', 'c-1', `${h}.${p}.${'A'.repeat(43)}`), /signature/);
  });

  it('a token for another audience is refused', async () => {
    await expectRefused(joinMessage('dave', 'c-1', await signToken({ sub: 'dave', rooms: ['c-1'] }, { audience: 'other' })), /audience/);
  });

  it('a token without exp (one that would never expire) is refused', async () => {
    await expectRefused(joinMessage('dave', 'c-1', await tokenWithoutExpiry({ sub: 'dave', rooms: ['c-1'] })), /no valid expiry/);
  });

  it('a token whose room claim does not list the room is refused', async () => {
    await expectRefused(joinMessage('dave', 'd-7', await signToken({ sub: 'dave', rooms: ['c-*'] })), /does not allow room d-7/);
  });
});

/** Signed like any other test token, but with no `exp` claim at all. */
const tokenWithoutExpiry = (claims: Record<string, unknown>): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setAudience(AUDIENCE).sign(new TextEncoder().encode(HS_SECRET));

describe('AUTH_JWT_REQUIRE_EXP=false', () => {
  it('accepts a token without exp, and says at start-up that such tokens never expire', async () => {
    const logs = new LogCapture();
    const node = await startSecureNode({ AUTH: 'jwt', AUTH_JWT_SECRET: HS_SECRET, AUTH_JWT_AUDIENCE: AUDIENCE, AUTH_JWT_REQUIRE_EXP: 'false' }, logs);
    try {
      const warning = logs.lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => /AUTH_JWT_REQUIRE_EXP=false/.test(l.msg));
      expect(warning?.level).toBe(40);
      const client = await SignalingClient.connect(node.wsUrl);
      client.send(joinMessage('erin', 'c-1', await tokenWithoutExpiry({ sub: 'erin' })));
      await client.next('existingParticipants');
      await client.close();
    } finally {
      await node.stop();
    }
  });
});

describe('AUTH=jwt with a JWKS URL and the seed-style `id` claim', () => {
  let jwks: JwksServer;
  let node: RunningNode;
  let rsa: Awaited<ReturnType<typeof keyPair>>;

  beforeAll(async () => {
    rsa = await keyPair('RS256', 'k1');
    jwks = await JwksServer.start([rsa.jwk]);
    node = await startSecureNode({ AUTH: 'jwt', AUTH_JWKS_URL: jwks.url, AUTH_JWT_AUDIENCE: AUDIENCE, AUTH_USER_CLAIM: 'id' });
  });
  afterAll(async () => {
    await node.stop();
    await jwks.close();
  });

  it('accepts an RS256 token from the JWKS, refuses another signer and another user', async () => {
    const client = await SignalingClient.connect(node.wsUrl);
    const forger = await keyPair('RS256', 'k1');
    client.send(joinMessage('7', 'c-1', await signToken({ id: 7 }, { alg: 'RS256', key: forger.privateKey, kid: 'k1' })));
    expect(await client.next('error')).toMatchObject({ code: 'unauthorized' });
    client.send(joinMessage('8', 'c-1', await signToken({ id: 7 }, { alg: 'RS256', key: rsa.privateKey, kid: 'k1' })));
    expect(await client.next('error')).toMatchObject({ code: 'unauthorized', message: 'the token belongs to another user' });
    client.send(joinMessage('7', 'c-1', await signToken({ id: 7 }, { alg: 'RS256', key: rsa.privateKey, kid: 'k1' })));
    await client.next('existingParticipants');
    expect(jwks.requests).toBeGreaterThanOrEqual(1);
    await client.close();
  });
});

describe('logs', () => {
  it('AUTH=none warns loudly at start-up', async () => {
    const logs = new LogCapture();
    const node = await startSecureNode({}, logs);
    await node.stop();
    const warning = logs.lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => /AUTH=none/.test(l.msg));
    expect(warning?.level).toBe(40);
  });

  it('never contain tokens or SDPs at info level, even for refused tokens and relayed offers', async () => {
    const logs = new LogCapture();
    const node = await startSecureNode({ AUTH: 'jwt', AUTH_JWT_SECRET: HS_SECRET, AUTH_JWT_AUDIENCE: AUDIENCE, LOG_LEVEL: 'info' }, logs);
    const secretSdp = `v=0\r\no=- 4611731400430051336 2 IN IP4 203.0.113.77\r\na=ice-pwd:SECRETICEPASSWORD${'x'.repeat(40)}\r\n`;
    const aliceToken = await signToken({ sub: 'alice' });
    const bobToken = await signToken({ sub: 'bob' });
    const expired = await signToken({ sub: 'eve' }, { expiresIn: -60 });
    const alice = await SignalingClient.connect(node.wsUrl);
    const bob = await SignalingClient.connect(node.wsUrl);
    const eve = await SignalingClient.connect(node.wsUrl);
    try {
      alice.send(joinMessage('alice', 'c-logs', aliceToken));
      await alice.next('existingParticipants');
      bob.send(joinMessage('bob', 'c-logs', bobToken));
      await bob.next('existingParticipants');
      eve.send(joinMessage('eve', 'c-logs', expired));
      await eve.next('error');
      eve.send(joinMessage('alice', 'c-logs', bobToken));
      await eve.next('error');
      bob.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: secretSdp, requestId: 'o1' });
      await alice.next('peerOffer');
      alice.send({ id: 'peerAnswer', userId: 'bob', sdpAnswer: secretSdp, requestId: 'a1' });
      await bob.next('receiveVideoAnswer');
      // A malformed message that carries a token and an SDP gets an error; its content stays out of the logs too.
      alice.send({ id: 'joinRoom', token: aliceToken, sdpOffer: secretSdp, roomId: 'bad room' });
      await alice.next('error');
    } finally {
      await Promise.all([alice.close(), bob.close(), eve.close()]);
      await node.stop();
    }
    expect(logs.lines.length).toBeGreaterThan(3);
    expect(logs.text).toContain('participant joined');
    for (const token of [aliceToken, bobToken, expired]) {
      expect(logs.text).not.toContain(token);
      expect(logs.text).not.toContain(token.split('.')[2]);
    }
    expect(logs.text).not.toContain('SECRETICEPASSWORD');
    expect(logs.text).not.toContain('203.0.113.77');
  });
});
