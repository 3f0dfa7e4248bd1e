import WebSocket from 'ws';
import type { RunningNode } from '../../../src/start-node';
import { firstAbout, SignalingClient } from '../../support/signaling-client';
import { openAs, startSecureNode } from './security-kit';

jest.setTimeout(30_000);

/**
 * An IPv6 client owns a whole /64 (a site gets a /48 to /64, RFC 6177), so it may connect from 2^64
 * addresses, or have them forwarded through a trusted proxy. Counted per full address, every per-address
 * limit let it have as many places as addresses it cared to use; each is now counted per /64
 * (IPV6_LIMIT_PREFIX), and another /64 keeps a place of its own.
 */



describe('IPv6 clients are counted per /64 by every per-address limit (behind a trusted proxy)', () => {
  let node: RunningNode;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    // The test's own connections come from 127.0.0.1, the trusted proxy; X-Forwarded-For names the client.
    node = await startSecureNode({
      TRUST_PROXY: '127.0.0.1/32, ::1',
      MAX_CONNECTIONS_PER_IP: '2',
      RESUME_GRACE_MS: '10000',
      JOINS_PER_MINUTE: '100',
      ROOM_LOOKUPS_PER_MINUTE: '2',
      NODE_ID: 'only',
    });
  });
  afterAll(async () => {
    for (const s of sockets) s.terminate();
    await node.stop();
  });

  it('MAX_CONNECTIONS_PER_IP: a third connection from one /64 gets 429, however its addresses are written; another /64 connects', async () => {
    const outcomes: (string | number)[] = [];
    for (const address of ['2001:db8:a:1::1', '2001:DB8:A:1:0:0:0:2', '2001:db8:a:1:ffff:ffff:ffff:ffff', '2001:db8:a:2::1']) {
      const { outcome, socket } = await openAs(node, address);
      sockets.push(socket);
      outcomes.push(outcome);
    }
    expect(outcomes).toEqual(['open', 'open', 429, 'open']);
  });

  it('held seats: the third seat left held from one /64 within the grace departs; another /64 keeps its seat', async () => {
    const observer = await SignalingClient.connect(node.wsUrl, { 'x-forwarded-for': '198.51.100.9' });
    await observer.join({ userId: 'olga', roomId: 'c-v6-seats' });
    const outcomes: string[] = [];
    const members = [
      ['m1', '2001:db8:b:1::1'],
      ['m2', '2001:db8:b:1::2'],
      ['m3', '2001:db8:b:1:8000::3'],
      ['m4', '2001:db8:b:2::1'],
    ] as const;
    for (const [name, address] of members) {
      const member = await SignalingClient.connect(node.wsUrl, { 'x-forwarded-for': address });
      member.send({ id: 'joinRoom', userId: name, roomId: 'c-v6-seats', communityId: '1', resumable: true });
      await member.next('existingParticipants');
      await observer.next('newParticipantArrived', (m) => (m.member as { userId: string }).userId === name);
      member.socket.terminate();
      const told = await firstAbout(observer, name);
      outcomes.push(`${name}:${String(told.id)}`);
    }
    expect(outcomes).toEqual(['m1:participantReconnecting', 'm2:participantReconnecting', 'm3:participantLeft', 'm4:participantReconnecting']);
    await observer.close();
  });

  it('ROOM_LOOKUPS_PER_MINUTE: a second lookup from one /64 gets 429; another /64 is answered', async () => {
    const lookUp = async (room: string, address: string): Promise<number> =>
      (await fetch(`${node.httpUrl}/v1/rooms/${room}/node`, { headers: { 'x-forwarded-for': address } })).status;
    expect([await lookUp('r1', '2001:db8:c:1::1'), await lookUp('r2', '2001:db8:c:1::2'), await lookUp('r3', '2001:db8:c:2::1')]).toEqual([200, 429, 200]);
  });
});

describe('IPV6_LIMIT_PREFIX=128 counts each IPv6 address on its own, by its canonical form', () => {
  it('two addresses of one /64 each get their own places; one address written two ways shares its place', async () => {
    const node = await startSecureNode({ TRUST_PROXY: '127.0.0.1/32, ::1', MAX_CONNECTIONS_PER_IP: '1', IPV6_LIMIT_PREFIX: '128' });
    const sockets: WebSocket[] = [];
    try {
      const outcomes: (string | number)[] = [];
      for (const address of ['2001:db8:d:1::1', '2001:db8:d:1::2', '2001:0DB8:D:1:0:0:0:0001']) {
        const { outcome, socket } = await openAs(node, address);
        sockets.push(socket);
        outcomes.push(outcome);
      }
      expect(outcomes).toEqual(['open', 'open', 429]);
    } finally {
      for (const s of sockets) s.terminate();
      await node.stop();
    }
  });
});
