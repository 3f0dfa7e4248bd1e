import { connect, type Socket } from 'node:net';
import SockJS from 'sockjs-client';
import { SOCKJS_OPEN_TIMEOUT_MS } from '../../support/sockjs-open-timeout';
import WebSocket from 'ws';
import type { RunningNode } from '../../../src/start-node';
import { SignalingClient } from '../../support/signaling-client';
import { eventually, startSecureNode } from './security-kit';

jest.setTimeout(30_000);

const candidate = (n: number) => ({ candidate: `candidate:${n} 1 udp 2122260223 192.0.2.1 ${50000 + n} typ host`, sdpMid: '0', sdpMLineIndex: 0 });

/** A node per test: each limit is tried alone, with small values. */
const withNode = async (env: Record<string, string>, body: (node: RunningNode) => Promise<void>): Promise<void> => {
  const node = await startSecureNode(env);
  try {
    await body(node);
  } finally {
    await node.stop();
  }
};

/** A WebSocket handshake done by hand: the peer then reads everything and answers nothing, not even pings. */
const deadPeer = async (node: RunningNode): Promise<Socket> => {
  const socket = connect(node.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(
    'GET /rtc/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const head = await new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
  expect(head).toMatch(/^HTTP\/1\.1 101/);
  socket.on('data', () => undefined);
  return socket;
};

describe('limits, each through a running node', () => {
  it('MAX_MESSAGE_BYTES: a frame over it gets frameTooLarge; one over four times it closes the connection (1009)', async () => {
    await withNode({ MAX_MESSAGE_BYTES: '2048' }, async (node) => {
      const client = await SignalingClient.connect(node.wsUrl);
      client.sendRaw(JSON.stringify({ id: 'leaveRoom', pad: 'x'.repeat(3000) }));
      expect(await client.next('error')).toMatchObject({ code: 'frameTooLarge', details: { limit: 2048 } });
      await client.join({ userId: 'alice', roomId: 'c-1' }); // still usable
      client.sendRaw('x'.repeat(9000));
      expect(await client.waitClosed()).toBe(1009);
    });
  });

  it('MESSAGES_PER_SECOND: messages above the rate get rateLimited; a client that keeps flooding is closed (1008)', async () => {
    await withNode({ MESSAGES_PER_SECOND: '5', MESSAGE_BURST: '5', RATE_LIMIT_STRIKES: '3' }, async (node) => {
      const client = await SignalingClient.connect(node.wsUrl);
      // The burst is served...
      for (let i = 0; i < 5; i += 1) client.send({ id: 'leaveRoom', requestId: `ok${i}` });
      for (let i = 0; i < 5; i += 1) expect(await client.next('error')).toMatchObject({ code: 'notInRoom', requestId: `ok${i}` });
      // ...what comes faster than the rate is dropped with rateLimited, and a flood ends the connection.
      for (let i = 0; i < 40; i += 1) client.send({ id: 'leaveRoom' });
      expect(await client.waitClosed()).toBe(1008);
      const codes = client.drain().filter((m) => m.id === 'error').map((m) => m.code);
      expect(codes.filter((c) => c === 'rateLimited').length).toBeGreaterThanOrEqual(3);
      expect(codes.length).toBeLessThan(40);
    });
  });

  it('MAX_CONNECTIONS_PER_IP: the connection one too many is refused with 429; a freed slot can be used again', async () => {
    await withNode({ MAX_CONNECTIONS_PER_IP: '2' }, async (node) => {
      const a = await SignalingClient.connect(node.wsUrl);
      const b = await SignalingClient.connect(node.wsUrl);
      const status = await new Promise<number>((resolve) => {
        const socket = new WebSocket(node.wsUrl);
        socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.once('open', () => resolve(101));
        socket.once('error', () => undefined);
      });
      expect(status).toBe(429);
      await a.close();
      let c: SignalingClient | undefined;
      await eventually(async () => {
        c = await SignalingClient.connect(node.wsUrl).catch(() => undefined);
        return c !== undefined;
      }, 5_000, 'a freed connection slot');
      await Promise.all([b.close(), c!.close()]);
    });
  });

  it('MAX_CONNECTIONS_PER_IP counts SockJS sessions too: one too many gets error rateLimited and close 1013', async () => {
    await withNode({ MAX_CONNECTIONS_PER_IP: '1' }, async (node) => {
      const ws = await SignalingClient.connect(node.wsUrl);
      const sock = new SockJS(`${node.httpUrl}/rtc`, undefined, { transports: ['xhr-streaming'], timeout: SOCKJS_OPEN_TIMEOUT_MS }) as unknown as globalThis.WebSocket;
      const messages: string[] = [];
      sock.onmessage = (event: MessageEvent) => messages.push(String(event.data));
      const code = await new Promise<number>((resolve) => {
        sock.onclose = (event: { code: number }) => resolve(event.code);
      });
      expect(code).toBe(1013);
      expect(messages.map((m) => JSON.parse(m) as Record<string, unknown>)).toEqual([
        { id: 'error', code: 'rateLimited', message: 'too many connections from this address' },
      ]);
      await ws.close();
    });
  });

  it('ROOM_CAPACITY: a join into a full room gets roomFull', async () => {
    await withNode({ ROOM_CAPACITY: '2' }, async (node) => {
      const clients = await Promise.all([1, 2, 3].map(() => SignalingClient.connect(node.wsUrl)));
      await clients[0]!.join({ userId: 'u1', roomId: 'c-1' });
      await clients[1]!.join({ userId: 'u2', roomId: 'c-1' });
      clients[2]!.send({ id: 'joinRoom', userId: 'u3', roomId: 'c-1', communityId: '1', audio: true, video: true });
      expect(await clients[2]!.next('error')).toMatchObject({ code: 'roomFull' });
      await Promise.all(clients.map((c) => c.close()));
    });
  });

  it('MAX_ROOMS_PER_NODE: a join that would open one room too many gets nodeFull; joining an open room still works', async () => {
    await withNode({ MAX_ROOMS_PER_NODE: '1' }, async (node) => {
      const clients = await Promise.all([1, 2, 3].map(() => SignalingClient.connect(node.wsUrl)));
      await clients[0]!.join({ userId: 'u1', roomId: 'c-1' });
      clients[1]!.send({ id: 'joinRoom', userId: 'u2', roomId: 'c-2', communityId: '1', audio: true, video: true });
      expect(await clients[1]!.next('error')).toMatchObject({ code: 'nodeFull', details: { limit: 1 } });
      await clients[2]!.join({ userId: 'u3', roomId: 'c-1' });
      await Promise.all(clients.map((c) => c.close()));
    });
  });

  it('JOINS_PER_MINUTE: the join one too many in a minute gets rateLimited', async () => {
    await withNode({ JOINS_PER_MINUTE: '2' }, async (node) => {
      const client = await SignalingClient.connect(node.wsUrl);
      await client.join({ userId: 'u1', roomId: 'c-1' });
      client.send({ id: 'leaveRoom', requestId: 'l1' });
      await client.next('ack');
      await client.join({ userId: 'u1', roomId: 'c-1' });
      client.send({ id: 'leaveRoom', requestId: 'l2' });
      await client.next('ack');
      client.send({ id: 'joinRoom', userId: 'u1', roomId: 'c-1', communityId: '1', audio: true, video: true, requestId: 'j3' });
      expect(await client.next('error')).toMatchObject({ code: 'rateLimited', requestId: 'j3', details: { limit: 2 } });
      await client.close();
    });
  });

  it('ICE_CANDIDATES_PER_LINK: candidates above the budget get rateLimited until a new offer renews it', async () => {
    await withNode({ ICE_CANDIDATES_PER_LINK: '3' }, async (node) => {
      const alice = await SignalingClient.connect(node.wsUrl);
      const bob = await SignalingClient.connect(node.wsUrl);
      await alice.join({ userId: 'alice', roomId: 'c-1' });
      await bob.join({ userId: 'bob', roomId: 'c-1' });
      bob.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: 'v=0 offer' });
      await alice.next('peerOffer');
      for (let i = 1; i <= 4; i += 1) bob.send({ id: 'onIceCandidate', userId: 'alice', candidate: candidate(i), requestId: `c${i}` });
      for (let i = 1; i <= 3; i += 1) expect(await bob.next('ack')).toEqual({ id: 'ack', requestId: `c${i}` });
      expect(await bob.next('error')).toMatchObject({ code: 'rateLimited', requestId: 'c4', details: { limit: 3 } });
      for (let i = 1; i <= 3; i += 1) expect(await alice.next('peerIceCandidate')).toMatchObject({ candidate: candidate(i) });
      await alice.expectNone('peerIceCandidate', 100);
      // A candidate for another link has its own budget; a new offer renews this one.
      alice.send({ id: 'onIceCandidate', userId: 'alice', candidate: candidate(9), requestId: 'own' });
      bob.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: 'v=0 offer again' });
      await alice.next('peerOffer');
      bob.send({ id: 'onIceCandidate', userId: 'alice', candidate: candidate(5), requestId: 'c5' });
      expect(await bob.next('ack')).toEqual({ id: 'ack', requestId: 'c5' });
      await Promise.all([alice.close(), bob.close()]);
    });
  });

  it('ICE_CANDIDATES_PER_LINK: the counts for a peer go when it leaves (a member of a churning room keeps none per departed peer)', async () => {
    await withNode({ ICE_CANDIDATES_PER_LINK: '2' }, async (node) => {
      const alice = await SignalingClient.connect(node.wsUrl);
      const bob = await SignalingClient.connect(node.wsUrl);
      await alice.join({ userId: 'alice', roomId: 'c-2' });
      await bob.join({ userId: 'bob', roomId: 'c-2' });
      bob.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: 'v=0 offer' });
      await alice.next('peerOffer');
      for (let i = 1; i <= 2; i += 1) bob.send({ id: 'onIceCandidate', userId: 'alice', candidate: candidate(i), requestId: `c${i}` });
      for (let i = 1; i <= 2; i += 1) expect(await bob.next('ack')).toEqual({ id: 'ack', requestId: `c${i}` });
      // Alice leaves and comes back. Bob's link to her is a new one whatever he sends next: the count of the
      // old one went with her (before, it stayed for as long as Bob stayed, one per peer he ever had).
      await alice.close();
      expect(await bob.next('participantLeft')).toMatchObject({ userId: 'alice' });
      const back = await SignalingClient.connect(node.wsUrl);
      await back.join({ userId: 'alice', roomId: 'c-2' });
      await bob.next('newParticipantArrived');
      bob.send({ id: 'onIceCandidate', userId: 'alice', candidate: candidate(3), requestId: 'c3' });
      expect(await bob.next('ack')).toEqual({ id: 'ack', requestId: 'c3' });
      expect(await back.next('peerIceCandidate')).toMatchObject({ candidate: candidate(3) });
      await Promise.all([back.close(), bob.close()]);
    });
  });

  it('PING_INTERVAL_MS: a peer that stops answering pings is closed within two intervals; a live one stays', async () => {
    await withNode({ PING_INTERVAL_MS: '1000' }, async (node) => {
      const live = await SignalingClient.connect(node.wsUrl);
      const dead = await deadPeer(node);
      const started = Date.now();
      await new Promise<void>((resolve) => dead.once('close', () => resolve()));
      const elapsed = Date.now() - started;
      // Two intervals, plus slack for a loaded CI machine.
      expect(elapsed).toBeLessThan(2 * 1000 + 1500);
      expect(live.socket.readyState).toBe(WebSocket.OPEN);
      await live.join({ userId: 'alive', roomId: 'c-1' });
      await live.close();
    });
  });
});
