import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { startNodeProcess, type NodeProcess } from '../../support/node-process';
import { SignalingClient } from '../../support/signaling-client';
import { clientFrame, RawHttp, rawWebSocket, rssBytes, watchRss } from './raw-clients';
import { startSecureNode } from './security-kit';

jest.setTimeout(120_000);

/**
 * The node's resident memory may grow at most this much while a member that stopped reading is sent
 * large offers (docs/security.md states the bound). Unbounded, 8 senders grew it by over 1 GB in 60 s.
 */
const RSS_GROWTH_BOUND = 64 * 1024 * 1024;
/** The slow reader must be cut off this soon after the first offer (2 MiB backlog at ~19 MB/s, plus slack). */
const CUT_OFF_BOUND_MS = 10_000;
const SENDERS = 8;
const ROOM = 'c-slow';
/** An offer near the protocol's 60,000-character SDP limit. */
const OFFER = `v=0\r\n${'a=x-padding:'.padEnd(59_900, 'x')}\r\n`;

const join = (userId: string) => JSON.stringify({ id: 'joinRoom', userId, roomId: ROOM, communityId: '1', audio: true, video: true });

interface SlowReader {
  /** From now on the client reads nothing; its socket stays open. */
  stopReading(): void;
  /** The TCP socket(s) the client holds, destroyed after the test. */
  readonly sockets: Socket[];
  readonly timers: NodeJS.Timeout[];
}

const sessionPath = (transport: string, suffix = ''): string => `/rtc/000/${randomBytes(6).toString('hex')}/${transport}${suffix}`;

const xhrSend = async (node: NodeProcess, base: string, messages: string[]): Promise<void> => {
  const res = await fetch(`${node.httpUrl}${base}/xhr_send`, { method: 'POST', body: JSON.stringify(messages) });
  if (res.status !== 204) throw new Error(`xhr_send answered ${res.status}: ${await res.text()}`);
};

/** Joins `slow` to the room over one transport and returns it still reading. */
const joiners: Record<string, (node: NodeProcess) => Promise<SlowReader>> = {
  websocket: async (node) => {
    const { socket, reader } = await rawWebSocket(node.port, '/rtc/websocket');
    socket.write(clientFrame(1, join('slow')));
    await reader.text((t) => t.includes('existingParticipants'));
    return { stopReading: () => socket.pause(), sockets: [socket], timers: [] };
  },
  'websocket with unsolicited pongs': async (node) => {
    const slow = await joiners.websocket!(node);
    const socket = slow.sockets[0]!;
    // ws counts any pong as a sign of life; these answer no ping (the client reads none).
    const pongs = setInterval(() => socket.write(clientFrame(10, randomBytes(8))), 250);
    return { ...slow, timers: [pongs] };
  },
  'sockjs websocket': async (node) => {
    const { socket, reader } = await rawWebSocket(node.port, sessionPath('websocket'));
    await reader.text((t) => t === 'o');
    socket.write(clientFrame(1, JSON.stringify([join('slow')])));
    await reader.text((t) => t.includes('existingParticipants'));
    return { stopReading: () => socket.pause(), sockets: [socket], timers: [] };
  },
  ...Object.fromEntries(
    (
      [
        ['sockjs xhr-streaming', 'POST', 'xhr_streaming', ''],
        ['sockjs eventsource', 'GET', 'eventsource', ''],
        ['sockjs htmlfile', 'GET', 'htmlfile', '?c=callback'],
      ] as const
    ).map(([name, method, transport, query]) => [
      name,
      async (node: NodeProcess): Promise<SlowReader> => {
        const path = sessionPath(transport, query);
        const base = path.slice(0, path.lastIndexOf('/'));
        const stream = await RawHttp.open(node.port, method, path);
        await stream.waitFor(/(^|\n|data: |p\(")o/m);
        await xhrSend(node, base, [join('slow')]);
        await stream.waitFor('existingParticipants');
        return { stopReading: () => stream.socket.pause(), sockets: [stream.socket], timers: [] };
      },
    ]),
  ),
  'sockjs xhr-polling (stops polling)': async (node) => {
    const path = sessionPath('xhr');
    const base = path.slice(0, path.lastIndexOf('/'));
    const poll = async (): Promise<string> => (await fetch(`${node.httpUrl}${path}`, { method: 'POST' })).text();
    expect(await poll()).toBe('o\n');
    await xhrSend(node, base, [join('slow')]);
    expect(await poll()).toContain('existingParticipants');
    // Stopping is simply never polling again: what the room sends it waits in the session's queue.
    return { stopReading: () => undefined, sockets: [], timers: [] };
  },
};

describe('a member that stops reading is cut off and the node holds no more for it', () => {
  const figures: string[] = [];
  afterAll(() => process.stdout.write(`${figures.join('\n')}\n`));

  it.each(Object.keys(joiners))('%s', async (transport) => {
    const node = await startNodeProcess({ LOG_LEVEL: 'info' });
    const senders = await Promise.all(Array.from({ length: SENDERS }, () => SignalingClient.connect(node.wsUrl)));
    let slow: SlowReader | undefined;
    let attack: NodeJS.Timeout | undefined;
    let rss: ReturnType<typeof watchRss> | undefined;
    try {
      for (const [i, sender] of senders.entries()) await sender.join({ userId: `sender-${i}`, roomId: ROOM });
      slow = await joiners[transport]!(node);
      for (const sender of senders) await sender.next('newParticipantArrived', (m) => (m.member as { userId: string }).userId === 'slow');
      slow.stopReading();

      const rssBefore = rssBytes(node.child.pid!);
      rss = watchRss(node.child.pid!);
      const started = Date.now();
      // Each sender offers just under its message rate (50/s): 8 × 40 offers of 60 kB a second.
      const offer = JSON.stringify({ id: 'receiveVideoFrom', userId: 'slow', sdpOffer: OFFER });
      attack = setInterval(() => {
        for (const sender of senders) for (let n = 0; n < 4; n += 1) sender.sendRaw(offer);
      }, 100);
      await Promise.all(senders.map((s) => s.next('participantLeft', (m) => m.userId === 'slow', CUT_OFF_BOUND_MS)));
      const cutOffMs = Date.now() - started;
      // The room goes on sending for a while: nothing more is held for the member that is gone.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      clearInterval(attack);
      attack = undefined;
      rss.stop();
      const growth = rss.peak() - rssBefore;
      const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);
      figures.push(`slow reader, ${transport}: cut off after ${cutOffMs} ms; RSS ${mb(rssBefore)} MB before, peak ${mb(rss.peak())} MB (+${mb(growth)} MB)`);
      expect(cutOffMs).toBeLessThan(CUT_OFF_BOUND_MS);
      expect(growth).toBeLessThan(RSS_GROWTH_BOUND);
      expect(node.child.exitCode).toBeNull();
      // The room still works for those who read.
      senders[0]!.send({ id: 'receiveVideoFrom', userId: 'sender-1', sdpOffer: 'v=0 still relayed' });
      expect(await senders[1]!.next('peerOffer', (m) => m.sdpOffer === 'v=0 still relayed')).toMatchObject({ userId: 'sender-0' });
    } finally {
      if (attack) clearInterval(attack);
      rss?.stop();
      for (const timer of slow?.timers ?? []) clearInterval(timer);
      for (const socket of slow?.sockets ?? []) socket.destroy();
      await Promise.all(senders.map((s) => s.close()));
      await node.stop();
    }
  });
});

describe('slow consumers, the rest of the rule', () => {
  /** Offers from `senders` to `target` until stopped: what keeps a slow member's backlog growing. */
  const offerLoop = (senders: SignalingClient[], target: string, perTick: number): NodeJS.Timeout => {
    const offer = JSON.stringify({ id: 'receiveVideoFrom', userId: target, sdpOffer: OFFER });
    return setInterval(() => {
      for (const sender of senders) for (let n = 0; n < perTick; n += 1) sender.sendRaw(offer);
    }, 100);
  };

  it('a client that was only slow gets error slowConsumer, then close 4008, once it reads again', async () => {
    // The senders' SDP budget towards one member is raised: three senders must outrun the kernel's buffers.
    const node = await startSecureNode({ MAX_SEND_BACKLOG_BYTES: String(256 * 1024), MESH_SDP_BURST_BYTES: String(64 * 1024 * 1024) });
    const senders = await Promise.all([1, 2, 3].map(() => SignalingClient.connect(node.wsUrl)));
    const slow = await SignalingClient.connect(node.wsUrl);
    try {
      await slow.join({ userId: 'slow', roomId: ROOM });
      for (const [i, sender] of senders.entries()) await sender.join({ userId: `sender-${i}`, roomId: ROOM });
      slow.socket.pause();
      const attack = offerLoop(senders, 'slow', 4);
      await Promise.all(senders.map((s) => s.next('participantLeft', (m) => m.userId === 'slow', CUT_OFF_BOUND_MS)));
      clearInterval(attack);
      // Within the close grace (2 s) the node still holds the last words for it, behind its backlog.
      slow.socket.resume();
      expect(await slow.waitClosed(5_000)).toBe(4008);
      const errors = slow.drain().filter((m) => m.id === 'error');
      expect(errors).toEqual([
        {
          id: 'error',
          code: 'slowConsumer',
          message: expect.stringMatching(/did not read what it was sent/) as unknown as string,
          details: { limit: 256 * 1024 },
        },
      ]);
    } finally {
      await Promise.all([...senders, slow].map((c) => c.close()));
      await node.stop();
    }
  });

  it('a SockJS polling client that stops polling gets error slowConsumer and then c[4008] when it polls again', async () => {
    const node = await startSecureNode({ MAX_SEND_BACKLOG_BYTES: String(256 * 1024) });
    const senders = await Promise.all([1, 2].map(() => SignalingClient.connect(node.wsUrl)));
    try {
      for (const [i, sender] of senders.entries()) await sender.join({ userId: `sender-${i}`, roomId: ROOM });
      const path = sessionPath('xhr');
      const base = path.slice(0, path.lastIndexOf('/'));
      const poll = async (): Promise<string> => (await fetch(`${node.httpUrl}${path}`, { method: 'POST' })).text();
      expect(await poll()).toBe('o\n');
      await xhrSend(node as unknown as NodeProcess, base, [join('slow')]);
      expect(await poll()).toContain('existingParticipants');
      const attack = offerLoop(senders, 'slow', 2);
      await Promise.all(senders.map((s) => s.next('participantLeft', (m) => m.userId === 'slow', CUT_OFF_BOUND_MS)));
      clearInterval(attack);
      const lastWords = await poll();
      expect(lastWords.startsWith('a[')).toBe(true);
      const messages = (JSON.parse(lastWords.slice(1)) as string[]).map((m) => JSON.parse(m) as Record<string, unknown>);
      expect(messages).toEqual([expect.objectContaining({ id: 'error', code: 'slowConsumer' })]);
      expect(await poll()).toBe('c[4008,"slowConsumer"]\n');
    } finally {
      await Promise.all(senders.map((c) => c.close()));
      await node.stop();
    }
  });

  it('unsolicited pongs do not keep alive a peer that never answers our pings (PING_INTERVAL_MS)', async () => {
    const node = await startSecureNode({ PING_INTERVAL_MS: '1000' });
    const live = await SignalingClient.connect(node.wsUrl);
    // Reads everything, answers no ping, and sends pongs with payloads of its own choosing.
    const { socket } = await rawWebSocket(node.port, '/rtc/websocket');
    const pongs = setInterval(() => socket.write(clientFrame(10, randomBytes(8))), 200);
    try {
      const started = Date.now();
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      expect(Date.now() - started).toBeLessThan(2 * 1000 + 1500);
      expect(live.socket.readyState).toBe(live.socket.OPEN);
    } finally {
      clearInterval(pongs);
      socket.destroy();
      await live.close();
      await node.stop();
    }
  });
});
