import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { RunningNode } from '../../../src/start-node';
import { SignalingClient } from '../../support/signaling-client';
import { tcpConnect } from './raw-clients';
import { eventually, startSecureNode } from './security-kit';

jest.setTimeout(60_000);

/**
 * xhr polls pipelined on one keep-alive connection (HTTP/1.1 allows it; raw clients and some proxies do
 * it). A pipelined request's response has no socket until the one before it is done, and the session's
 * "previous response not read" check compares sockets: a client that reads every answer must never be
 * closed by it, and one that does not read must be.
 */

/** Offers near the protocol's SDP limit: a few of them are more than loopback takes in one write. */
const OFFER = `v=0\r\n${'a=x-padding:'.padEnd(59_900, 'x')}\r\n`;
const OFFERS = 40;
const NOT_READ = 'c[1002,"previous response not read"]';

const newBase = (): string => `/rtc/000/${randomBytes(6).toString('hex')}`;
const pollRequest = (base: string): string => `POST ${base}/xhr HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`;

/** Reads HTTP/1.1 responses (Content-Length or chunked) off a keep-alive socket, in order. */
class ResponseReader {
  private pending = Buffer.alloc(0);
  readonly bodies: string[] = [];

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      for (;;) {
        const end = this.pending.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = this.pending.subarray(0, end).toString('latin1');
        const length = /content-length: (\d+)/i.exec(head);
        if (length) {
          const size = Number(length[1]);
          if (this.pending.length < end + 4 + size) return;
          this.bodies.push(this.pending.subarray(end + 4, end + 4 + size).toString('utf8'));
          this.pending = this.pending.subarray(end + 4 + size);
          continue;
        }
        // Chunked: complete once the zero-size chunk arrived.
        const chunks: Buffer[] = [];
        let at = end + 4;
        for (;;) {
          const eol = this.pending.indexOf('\r\n', at);
          if (eol === -1) return;
          const size = parseInt(this.pending.subarray(at, eol).toString('latin1'), 16);
          if (this.pending.length < eol + 2 + size + 2) return;
          chunks.push(this.pending.subarray(eol + 2, eol + 2 + size));
          at = eol + 2 + size + 2;
          if (size === 0) break;
        }
        this.bodies.push(Buffer.concat(chunks).toString('utf8'));
        this.pending = this.pending.subarray(at);
      }
    });
  }

  async body(index: number, timeoutMs = 10_000): Promise<string> {
    await eventually(() => this.bodies.length > index, timeoutMs, `response ${index + 1}`);
    return this.bodies[index]!;
  }
}

describe('xhr polls pipelined on one keep-alive connection', () => {
  let node: RunningNode;
  const port = (): number => Number(new URL(node.httpUrl).port);

  beforeAll(async () => {
    // Budgets raised so the only thing that can close the session is the check under test.
    node = await startSecureNode({
      MAX_HTTP_REQUESTS_PER_IP: '1000',
      MAX_SEND_BACKLOG_BYTES: String(64 * 1024 * 1024),
      MESH_SDP_BURST_BYTES: String(64 * 1024 * 1024),
    });
  });
  afterAll(() => node.stop());

  /** A polling member `poller` and a WebSocket `sender` in one room; returns the poller's session path. */
  let rooms = 0;
  const pollerAndSender = async (): Promise<{ base: string; sender: SignalingClient }> => {
    rooms += 1;
    const room = `c-pipelined-polls-${rooms}`;
    const base = newBase();
    const poll = async (): Promise<string> => (await fetch(`${node.httpUrl}${base}/xhr`, { method: 'POST' })).text();
    expect(await poll()).toBe('o\n');
    const join = JSON.stringify({ id: 'joinRoom', userId: 'poller', roomId: room, communityId: '1', video: false, audio: true });
    expect((await fetch(`${node.httpUrl}${base}/xhr_send`, { method: 'POST', body: JSON.stringify([join]) })).status).toBe(204);
    expect(await poll()).toContain('existingParticipants');
    const sender = await SignalingClient.connect(node.wsUrl);
    await sender.join({ userId: 'sender', roomId: room });
    expect(await poll()).toContain('newParticipantArrived');
    return { base, sender };
  };

  /** Offers for the poller, queued in its session (no poll waits); resolved once the node relayed them all. */
  const queueOffers = async (sender: SignalingClient, count: number, sdp = OFFER): Promise<void> => {
    const offer = JSON.stringify({ id: 'receiveVideoFrom', userId: 'poller', sdpOffer: sdp });
    for (let i = 0; i < count; i += 1) {
      sender.sendRaw(offer);
      // Under the per-connection message rate (50/s).
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 250));
    }
    // One connection's messages are handled in order: once the ping is answered, every offer was relayed.
    const requestId = randomBytes(4).toString('hex');
    sender.send({ id: 'ping', requestId });
    await sender.next('ack', (m) => m.requestId === requestId);
  };

  /** A poll from another connection finds the last answer unread: the session closes and the poller leaves. */
  const expectCutOffPollingElsewhere = async (base: string, sender: SignalingClient, sockets: Socket[]): Promise<void> => {
    const { body, socket: other } = await pollElsewhere(base, sender);
    sockets.push(other);
    expect(body).toBe(`${NOT_READ}\n`);
    expect(await sender.next('participantLeft', (m) => m.userId === 'poller')).toBeDefined();
  };

  it('a client that reads every answer is never closed for "previous response not read"', async () => {
    const { base, sender } = await pollerAndSender();
    const socket = await tcpConnect(port());
    try {
      const reader = new ResponseReader(socket);
      // More than the kernel's buffers take at once, so the first answer is still in the node's socket.
      await queueOffers(sender, 3 * OFFERS);
      // Two polls in one write: the first takes the queue (MBs, more than the socket takes at once), the
      // second waits behind it on the same connection, where its answer can only follow the first one.
      socket.write(pollRequest(base) + pollRequest(base));
      const first = await reader.body(0);
      expect(first.startsWith('a[')).toBe(true);
      expect(first.split('peerOffer').length - 1).toBe(3 * OFFERS);
      // The session receives a message while the second poll waits: the second poll carries it.
      sender.send({ id: 'receiveVideoFrom', userId: 'poller', sdpOffer: 'v=0 after the pipelined pair' });
      const second = await reader.body(1);
      expect(second).not.toBe(`${NOT_READ}\n`);
      expect(second).toContain('after the pipelined pair');
      // And it polls on: the session is still open.
      socket.write(pollRequest(base));
      sender.send({ id: 'receiveVideoFrom', userId: 'poller', sdpOffer: 'v=0 still open' });
      expect(await reader.body(2)).toContain('still open');
      await sender.expectNone('participantLeft', 300);
    } finally {
      socket.destroy();
      await sender.close();
    }
  });

  /** Asks again on a fresh connection, the way a client that gave up on `socket` would; the answer's body. */
  const pollElsewhere = async (base: string, sender: SignalingClient): Promise<{ body: string; socket: Socket }> => {
    const other = await tcpConnect(port());
    const reader = new ResponseReader(other);
    other.write(pollRequest(base));
    // Something to answer with, should the poll be taken.
    await new Promise((r) => setTimeout(r, 100));
    sender.send({ id: 'receiveVideoFrom', userId: 'poller', sdpOffer: 'v=0 for the other connection' });
    return { body: await reader.body(0), socket: other };
  };

  it('a client that pipelines two polls and reads neither answer is closed when it asks again elsewhere', async () => {
    const { base, sender } = await pollerAndSender();
    const socket = await tcpConnect(port());
    const sockets = [socket];
    try {
      socket.pause();
      // More than the kernel's buffers for the connection take (loopback: up to 4 MB sent, ~128 KB received):
      // only what the node's socket still holds can tell a client that did not read.
      await queueOffers(sender, 3 * OFFERS);
      socket.write(pollRequest(base) + pollRequest(base));
      await new Promise((r) => setTimeout(r, 200));
      sender.send({ id: 'receiveVideoFrom', userId: 'poller', sdpOffer: 'v=0 for the second poll' });
      await new Promise((r) => setTimeout(r, 200));
      await expectCutOffPollingElsewhere(base, sender, sockets);
    } finally {
      for (const s of sockets) s.destroy();
      await sender.close();
    }
  });

  it('a client whose poll waits behind a stream it does not read is closed when it asks again elsewhere', async () => {
    const { base, sender } = await pollerAndSender();
    const socket = await tcpConnect(port());
    const sockets = [socket];
    try {
      socket.pause();
      await queueOffers(sender, OFFERS);
      // The poll's answer (MBs) waits in the node behind a stream that never ends: the client cannot have read it.
      socket.write(`POST ${newBase()}/xhr_streaming HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n${pollRequest(base)}`);
      await new Promise((r) => setTimeout(r, 200));
      await expectCutOffPollingElsewhere(base, sender, sockets);
    } finally {
      for (const s of sockets) s.destroy();
      await sender.close();
    }
  });
});
