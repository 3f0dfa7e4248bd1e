import type { RunningNode } from '../../../src/start-node';
import { KurentoEmulator, sampleOffer } from '../../support/kurento-emulator';
import { SignalingClient, type WireMessage } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';
import { FAST_KMS_ENV } from '../kurento/kurento-test-kit';

jest.setTimeout(120_000);

/**
 * The default limits must admit what clients legitimately do (issue 20): a room filled to ROOM_CAPACITY
 * (25) at once, every member negotiating with every other, each link trickling a dozen candidates, sent
 * as fast as the client can (no pacing at all: harder than a browser, which waits for its own ICE
 * gathering). Not one `rateLimited` (or any other error), and everything arrives. The node runs with
 * its default limits; only the media backend is chosen.
 */
const CAPACITY = 25;
const CANDIDATES_PER_LINK = 12;

const candidate = (from: string, to: string, n: number) => ({
  candidate: `candidate:${n} 1 udp 2122260223 192.0.2.${n + 1} ${50000 + n} typ host generation 0 ufrag ${from}-${to}`,
  sdpMid: '0',
  sdpMLineIndex: 0,
});

interface Member {
  readonly userId: string;
  readonly client: SignalingClient;
  readonly errors: WireMessage[];
  /** receiveVideoAnswer (or mesh: the peer's answer) per user whose media this member receives. */
  readonly answers: Set<string>;
  candidatesIn: number;
  sent: number;
}

/**
 * A client as the seed's is written: on joining, and for every newcomer, it asks for that member's media
 * (`receiveVideoFrom` + its candidates); on Kurento it also publishes its own; on mesh it answers each
 * peer's offer for its media (`peerAnswer` + its candidates).
 */
const negotiatingMember = (userId: string, client: SignalingClient, backend: 'mesh' | 'kurento'): Member => {
  const member: Member = { userId, client, errors: [], answers: new Set(), candidatesIn: 0, sent: 0 };
  const send = (message: Record<string, unknown>): void => {
    member.sent += 1;
    client.send(message);
  };
  const receiveFrom = (publisher: string): void => {
    send({ id: 'receiveVideoFrom', userId: publisher, sdpOffer: sampleOffer(publisher === userId ? 'sendonly' : 'recvonly') });
    for (let n = 0; n < CANDIDATES_PER_LINK; n += 1) send({ id: 'onIceCandidate', userId: publisher, candidate: candidate(userId, publisher, n) });
  };
  client.socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as WireMessage;
    switch (message.id) {
      case 'existingParticipants':
        if (backend === 'kurento') receiveFrom(userId);
        for (const other of message.members as { userId: string }[]) receiveFrom(other.userId);
        break;
      case 'newParticipantArrived':
        receiveFrom((message.member as { userId: string }).userId);
        break;
      case 'peerOffer': {
        const subscriber = String(message.userId);
        send({ id: 'peerAnswer', userId: subscriber, sdpAnswer: sampleOffer('sendonly') });
        for (let n = 0; n < CANDIDATES_PER_LINK; n += 1) send({ id: 'peerIceCandidate', userId: subscriber, candidate: candidate(userId, subscriber, n) });
        break;
      }
      case 'receiveVideoAnswer':
        member.answers.add(String(message.userId));
        break;
      case 'iceCandidate':
      case 'peerIceCandidate':
        member.candidatesIn += 1;
        break;
      case 'error':
      case 'limitJoinAnswer':
        member.errors.push(message);
        break;
    }
  });
  return member;
};

const fillRoom = async (node: RunningNode, backend: 'mesh' | 'kurento'): Promise<Member[]> => {
  const clients = await Promise.all(Array.from({ length: CAPACITY }, () => SignalingClient.connect(node.wsUrl)));
  const members = clients.map((client, i) => negotiatingMember(`user-${i}`, client, backend));
  // Everyone joins at once: the joins land close together in one room.
  for (const m of members) m.client.send({ id: 'joinRoom', userId: m.userId, roomId: 'c-full', communityId: '1', audio: true, video: true });
  return members;
};

const waitFor = async (check: () => boolean, timeoutMs: number): Promise<void> => {
  const until = Date.now() + timeoutMs;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
};

const everyoneDone = (members: readonly Member[], expected: { answers: number; candidates: number }) => () =>
  members.every((m) => m.answers.size >= expected.answers && m.candidatesIn >= expected.candidates) || members.some((m) => m.errors.length > 0);

describe(`default limits: ${CAPACITY} participants join one room at once and negotiate with every member`, () => {
  it('mesh: every link negotiated, every candidate relayed, no error', async () => {
    const node = await startTestServer({ MEDIA_BACKEND: 'mesh' });
    const members = await fillRoom(node, 'mesh');
    try {
      // Each member receives from 24 others; it gets candidates on its 24 subscriptions and its 24 upstreams.
      const expected = { answers: CAPACITY - 1, candidates: 2 * (CAPACITY - 1) * CANDIDATES_PER_LINK };
      await waitFor(everyoneDone(members, expected), 60_000);
      expect(members.flatMap((m) => m.errors)).toEqual([]);
      for (const m of members) {
        expect({ user: m.userId, answers: m.answers.size, candidates: m.candidatesIn }).toEqual({ user: m.userId, ...expected });
        expect(m.client.closeCode).toBeUndefined();
      }
      // What one member sent besides its join: far above the old burst of 200.
      expect(Math.min(...members.map((m) => m.sent))).toBe(2 * (CAPACITY - 1) * (1 + CANDIDATES_PER_LINK));
    } finally {
      await Promise.all(members.map((m) => m.client.close()));
      await node.stop();
    }
  });

  it('kurento (KMS emulator): every member publishes and receives all others, no error', async () => {
    const kms = new KurentoEmulator();
    await kms.start();
    const node = await startTestServer({ MEDIA_BACKEND: 'kurento', KURENTO_URL: kms.url, ...FAST_KMS_ENV });
    const members = await fillRoom(node, 'kurento');
    try {
      // Kurento answers the publish too (the member's own id).
      const expected = { answers: CAPACITY, candidates: 0 };
      await waitFor(everyoneDone(members, expected), 90_000);
      expect(members.flatMap((m) => m.errors)).toEqual([]);
      for (const m of members) {
        expect({ user: m.userId, answers: m.answers.size }).toEqual({ user: m.userId, answers: CAPACITY });
        expect(m.client.closeCode).toBeUndefined();
      }
      expect(Math.min(...members.map((m) => m.sent))).toBe(CAPACITY * (1 + CANDIDATES_PER_LINK));
      // Every candidate reached its endpoint in KMS. The last ones a member sent after its last answer may
      // still be on their way (nothing confirms a candidate): wait for them, then count exactly.
      const delivered = (): number => kms.endpoints().reduce((sum, e) => sum + e.remoteCandidates.length, 0);
      await waitFor(() => delivered() >= CAPACITY * CAPACITY * CANDIDATES_PER_LINK, 10_000);
      expect(delivered()).toBe(CAPACITY * CAPACITY * CANDIDATES_PER_LINK);
    } finally {
      await Promise.all(members.map((m) => m.client.close()));
      await node.stop();
      await kms.stop();
    }
  });

  it('the same defaults still cut a flood off: rateLimited past the burst, then closed with 1008', async () => {
    const node = await startTestServer({ MEDIA_BACKEND: 'mesh' });
    const client = await SignalingClient.connect(node.wsUrl);
    try {
      await client.join({ userId: 'flooder', roomId: 'c-flood' });
      for (let i = 0; i < 3_000; i += 1) client.send({ id: 'audioStateFrom', userId: 'flooder', audio: i % 2 === 0 });
      expect(await client.waitClosed(20_000)).toBe(1008);
      const errors = client.drain().filter((m) => m.id === 'error');
      expect(errors.filter((m) => m.code === 'rateLimited').length).toBeGreaterThanOrEqual(50);
    } finally {
      await client.close();
      await node.stop();
    }
  });
});
