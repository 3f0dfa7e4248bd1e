import WebSocket from 'ws';
import { backoffDelay } from '../../../packages/client/src/backoff';
import { ConnectionLostError, SignalingError } from '../../../packages/client/src/errors';
import {
  MAX_EVENTS_BEFORE_JOIN_REPLY,
  RoomClient,
  TOO_MANY_EARLY_EVENTS_CLOSE_CODE,
  type ConnectionState,
  type RoomClientOptions,
} from '../../../packages/client/src/room-client';
import { FakeServer, type Wire } from './fake-server';
import { until } from '../../support/wait-until';

jest.setTimeout(15_000);

const servers: FakeServer[] = [];
const clients: RoomClient[] = [];
const start = async (): Promise<FakeServer> => {
  const server = await FakeServer.start();
  servers.push(server);
  return server;
};
const client = (options: Partial<RoomClientOptions> & { url?: string }): RoomClient => {
  const c = new RoomClient({ roomId: 'r1', userId: 'me', WebSocket, reconnect: { baseMs: 20, maxMs: 100, maxAttempts: 5 }, ...options });
  clients.push(c);
  return c;
};
const states = (c: RoomClient): ConnectionState[] => {
  const seen: ConnectionState[] = [];
  c.on('state', (s) => seen.push(s));
  return seen;
};
const send = (socket: { send(data: string): void }, message: Wire): void => socket.send(JSON.stringify(message));

afterEach(async () => {
  for (const c of clients.splice(0)) await c.leave().catch(() => undefined);
  for (const s of servers.splice(0)) await s.close();
});

describe('RoomClient', () => {
  it('joins with its media state and resumable, and resolves with the typed join reply', async () => {
    const server = await start();
    const c = client({ url: server.url, video: false, displayName: 'Alice Smith' });
    const seen = states(c);
    const joined = await c.join();
    expect(joined.id).toBe('existingParticipants');
    expect(c.state).toBe('joined');
    expect(seen).toEqual(['connecting', 'joined']);
    expect(server.received[0]).toMatchObject({ id: 'joinRoom', userId: 'me', roomId: 'r1', video: false, audio: true, resumable: true, displayName: 'Alice Smith' });
    expect(typeof server.received[0]!.requestId).toBe('string');
  });

  it('a refused join rejects with the typed error (not at the limitJoinAnswer that precedes it) and leaves the client left', async () => {
    const server = await start();
    server.reply = (m, s) => {
      send(s, { id: 'limitJoinAnswer', roomId: 'r1', requestId: m.requestId });
      send(s, { id: 'error', code: 'roomFull', message: 'room r1 is full', details: { capacity: 2 }, requestId: m.requestId });
    };
    const c = client({ url: server.url });
    const left: string[] = [];
    c.on('left', (info) => left.push(info.reason));
    const error = await c.join().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignalingError);
    expect(error).toMatchObject({ code: 'roomFull', details: { capacity: 2 } });
    expect(c.state).toBe('left');
    expect(left).toEqual(['roomFull']);
    // No reconnect after a refusal.
    await new Promise((r) => setTimeout(r, 100));
    expect(server.sockets).toHaveLength(1);
  });

  it('a server that is down rejects the join with ConnectionLostError', async () => {
    const server = await start();
    const url = server.url;
    await server.close();
    servers.splice(0);
    const c = client({ url });
    await expect(c.join()).rejects.toBeInstanceOf(ConnectionLostError);
    expect(c.state).toBe('left');
  });

  it('follows wrongNode to the node that hosts the room', async () => {
    const host = await start();
    const other = await start();
    other.reply = (m, s) => send(s, { id: 'error', code: 'wrongNode', message: 'elsewhere', details: { nodeId: 'n2', nodeUrl: host.url }, requestId: m.requestId });
    const c = client({ url: other.url });
    await c.join();
    expect(other.ids()).toEqual(['joinRoom']);
    expect(host.ids()).toEqual(['joinRoom']);
    expect(c.state).toBe('joined');
  });

  it('looks the room up over HTTP when given lookupUrl', async () => {
    const server = await start();
    const asked: string[] = [];
    const fetchStub = (async (input: string | URL) => {
      asked.push(String(input));
      return new Response(JSON.stringify({ roomId: 'r 1', nodeId: 'n1', url: server.url }), { status: 200 });
    }) as typeof fetch;
    const c = client({ lookupUrl: 'http://cluster.example', roomId: 'r 1', fetch: fetchStub });
    await c.join();
    expect(asked).toEqual(['http://cluster.example/v1/rooms/r%201/node']);
    expect(server.ids()).toEqual(['joinRoom']);
  });

  it('after a drop: reconnecting, then resumeSession with the token it was given, then resumed', async () => {
    const server = await start();
    const c = client({ url: server.url });
    const seen = states(c);
    const first = await c.join();
    const how: unknown[] = [];
    c.on('joined', (_j, h) => how.push(h));
    server.last.terminate();
    await until('resumed', () => c.state === 'resumed');
    expect(seen).toEqual(['connecting', 'joined', 'reconnecting', 'resumed']);
    const resume = server.received.find((m) => m.id === 'resumeSession');
    expect(resume?.resumeToken).toBe(first.session?.resumeToken);
    expect(how).toEqual([{ resumed: true, rejoined: false }]);
  });

  it("resumes with its display name, and takes a member's name from participantReconnected", async () => {
    const server = await start();
    server.reply = (m, s) => {
      if (m.id !== 'joinRoom') return FakeServer.admit(m, s);
      send(s, FakeServer.joined(m, { members: [{ userId: 'bob', audio: true, video: true, reconnecting: true }] }));
      send(s, { id: 'participantReconnected', userId: 'bob', displayName: 'Bob Jones' });
    };
    const c = client({ url: server.url, displayName: 'Me Myself' });
    await c.join();
    await until('bob named', () => c.members.some((m) => m.displayName === 'Bob Jones'));
    expect(c.members).toEqual([{ userId: 'bob', displayName: 'Bob Jones', audio: true, video: true }]);
    server.last.terminate();
    await until('resumed', () => c.state === 'resumed');
    expect(server.received.find((m) => m.id === 'resumeSession')?.displayName).toBe('Me Myself');
  });

  it('a resume refused as rateLimited keeps its token: the next attempt resumes the seat instead of joining afresh', async () => {
    const server = await start();
    const c = client({ url: server.url });
    const first = await c.join();
    let refusals = 0;
    server.reply = (m, s) => {
      if (m.id === 'resumeSession' && refusals++ === 0) send(s, { id: 'error', code: 'rateLimited', message: 'too many failed resumeSession', details: { retryAfterMs: 10 }, requestId: m.requestId });
      else FakeServer.admit(m, s);
    };
    server.last.terminate();
    await until('resumed', () => c.state === 'resumed');
    const resumes = server.received.filter((m) => m.id === 'resumeSession');
    expect(resumes.map((m) => m.resumeToken)).toEqual([first.session?.resumeToken, first.session?.resumeToken]);
    expect(server.ids().filter((id) => id === 'joinRoom')).toHaveLength(1);
  });

  it('applies room events that arrive in the same read as the join reply after its member list, not before it', async () => {
    const server = await start();
    server.reply = (m, s) => {
      if (m.id !== 'joinRoom') return FakeServer.admit(m, s);
      // One TCP write: ws hands the client all three frames in one go, before the join's promise continues.
      const tcp = (s as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
      tcp.cork();
      send(s, FakeServer.joined(m, { members: [{ userId: 'bob', audio: true, video: true, reconnecting: true }] }));
      send(s, { id: 'participantReconnected', userId: 'bob' });
      send(s, { id: 'newParticipantArrived', member: { userId: 'carol', audio: true, video: false } });
      process.nextTick(() => tcp.uncork());
    };
    const c = client({ url: server.url });
    await c.join();
    await until('carol listed', () => c.members.some((m) => m.userId === 'carol'));
    expect(c.members).toEqual([
      { userId: 'bob', audio: true, video: true },
      { userId: 'carol', audio: true, video: false },
    ]);
  });

  it('closes a connection whose server floods room events before the join reply, instead of holding them all', async () => {
    const server = await start();
    const closes: number[] = [];
    server.reply = (m, s) => {
      if (m.id !== 'joinRoom') return FakeServer.admit(m, s);
      // A broken or hostile server: events without end, and no reply until the client's 15 s timeout.
      (s as unknown as WebSocket).on('close', (code: number) => closes.push(code));
      for (let i = 0; i <= MAX_EVENTS_BEFORE_JOIN_REPLY; i += 1) send(s, { id: 'participantLeft', userId: `ghost-${i}` });
    };
    const c = client({ url: server.url });
    const started = Date.now();
    await expect(c.join()).rejects.toMatchObject({ name: 'ConnectionLostError', closeCode: TOO_MANY_EARLY_EVENTS_CLOSE_CODE });
    expect(Date.now() - started).toBeLessThan(10_000);
    await until('the server saw the close', () => closes.length > 0);
    expect(closes).toEqual([TOO_MANY_EARLY_EVENTS_CLOSE_CODE]);
  });

  it("a rejoin refused with a retryAfterMs hint (an overloaded node's nodeFull) is not tried again before the hint", async () => {
    const server = await start();
    const joinsAt: number[] = [];
    server.reply = (m, s) => {
      if (m.id !== 'joinRoom') return FakeServer.admit(m, s);
      joinsAt.push(Date.now());
      // No session (a seed-style join): the client comes back with joinRoom, which the node sheds once.
      if (joinsAt.length === 2) {
        send(s, { id: 'error', code: 'nodeFull', message: 'overloaded', details: { reason: 'overloaded', retryAfterMs: 600 }, requestId: m.requestId });
      } else send(s, FakeServer.joined(m, { session: undefined }));
    };
    const c = client({ url: server.url });
    await c.join();
    server.last.terminate();
    await until('joined again', () => joinsAt.length === 3 && c.state === 'joined');
    // The back-off alone (20–100 ms here) would have come back at once.
    expect(joinsAt[2]! - joinsAt[1]!).toBeGreaterThanOrEqual(600);
  });

  it('a resume answered roomMoved (the node lost the room) follows it to the new host and resumes there with the same token', async () => {
    const first = await start();
    const next = await start();
    const c = client({ url: first.url });
    const joined = await c.join();
    first.reply = (m, s) => {
      if (m.id === 'resumeSession') send(s, { id: 'error', code: 'roomMoved', message: 'moved', details: { nodeId: 'n2', nodeUrl: next.url }, requestId: m.requestId });
      else FakeServer.admit(m, s);
    };
    first.last.terminate();
    await until('resumed', () => c.state === 'resumed');
    expect(next.received.map((m) => [m.id, m.resumeToken])).toEqual([['resumeSession', joined.session?.resumeToken]]);
    expect(c.url).toBe(next.url);
  });

  it('a rejoin answered roomMoved without a url looks the room up again, and a 429 lookup is not repeated before its retryAfterMs', async () => {
    const server = await start();
    const askedAt: number[] = [];
    const fetchStub = (async () => {
      askedAt.push(Date.now());
      if (askedAt.length === 2) return new Response(JSON.stringify({ code: 'rateLimited', message: 'slow down', retryAfterMs: 500 }), { status: 429 });
      return new Response(JSON.stringify({ roomId: 'r1', nodeId: 'n1', url: server.url }), { status: 200 });
    }) as typeof fetch;
    let joins = 0;
    server.reply = (m, s) => {
      if (m.id !== 'joinRoom') return FakeServer.admit(m, s);
      joins += 1;
      // No session (a seed-style join), so the client comes back with joinRoom; the second is refused by
      // a node that lost the room and does not know where it went.
      if (joins === 2) send(s, { id: 'error', code: 'roomMoved', message: 'moved', requestId: m.requestId });
      else send(s, FakeServer.joined(m, { session: undefined }));
    };
    const c = client({ lookupUrl: 'http://cluster.example', fetch: fetchStub });
    await c.join();
    server.last.terminate();
    await until('joined again', () => joins === 3 && c.state === 'joined');
    expect(askedAt).toHaveLength(3);
    // The back-off alone (20–100 ms here) would have asked again at once.
    expect(askedAt[2]! - askedAt[1]!).toBeGreaterThanOrEqual(500);
  });

  it('after resumeFailed joins afresh on the same connection, announcing the camera and microphone as they are now', async () => {
    const server = await start();
    const c = client({ url: server.url });
    await c.join();
    await c.setMediaState('video', false);
    expect(server.received.find((m) => m.id === 'videoStateFrom')).toMatchObject({ userId: 'me', video: false });
    server.reply = (m, s) => {
      if (m.id === 'resumeSession') send(s, { id: 'error', code: 'resumeFailed', message: 'gone', requestId: m.requestId });
      else FakeServer.admit(m, s);
    };
    const how: unknown[] = [];
    c.on('joined', (_j, h) => how.push(h));
    server.last.terminate();
    await until('joined again', () => how.length === 1);
    expect(c.state).toBe('joined');
    expect(how).toEqual([{ resumed: false, rejoined: true }]);
    expect(server.ids().slice(-2)).toEqual(['resumeSession', 'joinRoom']);
    expect(server.received.at(-1)).toMatchObject({ id: 'joinRoom', video: false, audio: true });
    expect(server.sockets).toHaveLength(2);
  });

  it('serverShuttingDown: reconnects no earlier than its retryAfterMs hint, and rejoins', async () => {
    const server = await start();
    const c = client({ url: server.url });
    await c.join();
    const reconnecting: number[] = [];
    c.on('reconnecting', (info) => reconnecting.push(info.delayMs));
    const closedAt = Date.now();
    send(server.last, { id: 'error', code: 'serverShuttingDown', message: 'restarting', details: { reconnect: true, retryAfterMs: 300 } });
    server.last.close(1001);
    await until('resumed', () => c.state === 'resumed');
    const resumeAt = Date.now();
    expect(reconnecting[0]).toBe(300);
    expect(resumeAt - closedAt).toBeGreaterThanOrEqual(290);
  });

  it('roomMoved: reconnects to the node named in the error', async () => {
    const first = await start();
    const second = await start();
    const c = client({ url: first.url });
    await c.join();
    send(first.last, { id: 'error', code: 'roomMoved', message: 'moved', details: { roomId: 'r1', nodeId: 'n2', nodeUrl: second.url } });
    first.last.close(4409);
    await until('resumed on the second node', () => c.state === 'resumed');
    expect(second.ids()).toEqual(['resumeSession']);
  });

  it('mediaServerUnavailable (the server took it out, connection open): joins again, retrying while the media server is still away', async () => {
    const server = await start();
    const c = client({ url: server.url });
    await c.join();
    let refusals = 1;
    server.reply = (m, s) => {
      if (m.id === 'joinRoom' && refusals-- > 0) send(s, { id: 'error', code: 'mediaServerUnavailable', message: 'janus is down', requestId: m.requestId });
      else FakeServer.admit(m, s);
    };
    const causes: string[] = [];
    c.on('reconnecting', (info) => causes.push(info.cause));
    send(server.last, { id: 'error', code: 'mediaServerUnavailable', message: "the media server lost this room's media", details: { roomId: 'r1' } });
    await until('joined again', () => c.state === 'joined' && server.ids().filter((id) => id === 'joinRoom').length === 3);
    expect(causes).toEqual(['mediaServerUnavailable', 'mediaServerUnavailable']);
    expect(server.ids()).not.toContain('resumeSession');
  });

  it('sessionReplaced and kicked end the session: left, no reconnect', async () => {
    for (const code of ['sessionReplaced', 'kicked'] as const) {
      const server = await start();
      const c = client({ url: server.url });
      await c.join();
      const left: string[] = [];
      c.on('left', (info) => left.push(info.reason));
      send(server.last, { id: 'error', code, message: 'bye' });
      server.last.close(code === 'kicked' ? 4003 : 4001);
      await until('left', () => c.state === 'left');
      expect(left).toEqual([code]);
      await new Promise((r) => setTimeout(r, 100));
      expect(server.sockets).toHaveLength(1);
    }
  });

  it('gives up after maxAttempts with a jittered, capped back-off between them', async () => {
    const server = await start();
    const c = client({ url: server.url, reconnect: { baseMs: 10, maxMs: 40, maxAttempts: 4 }, random: () => 1 });
    await c.join();
    const delays: number[] = [];
    c.on('reconnecting', (info) => delays.push(info.delayMs));
    await server.close();
    servers.splice(0);
    await until('left', () => c.state === 'left', 5_000);
    expect(delays).toEqual([0, 20, 40, 40]);
  });

  it('leave sends leaveRoom and never reconnects', async () => {
    const server = await start();
    const c = client({ url: server.url });
    await c.join();
    await c.leave();
    expect(server.ids()).toEqual(['joinRoom', 'leaveRoom']);
    expect(c.state).toBe('left');
    await new Promise((r) => setTimeout(r, 100));
    expect(server.sockets).toHaveLength(1);
  });

  it('keeps the member list from the join reply and the room events', async () => {
    const server = await start();
    server.reply = (m, s) => {
      if (m.id === 'joinRoom') send(s, FakeServer.joined(m, { members: [{ userId: 'bob', audio: true, video: true, displayName: 'Bob' }] }));
      else FakeServer.admit(m, s);
    };
    const c = client({ url: server.url });
    await c.join();
    send(server.last, { id: 'newParticipantArrived', member: { userId: 'carol', audio: false, video: true } });
    send(server.last, { id: 'videoStateAnswer', userId: 'bob', video: false });
    send(server.last, { id: 'participantReconnecting', userId: 'carol' });
    await until('three updates', () => c.members.length === 2 && c.members[1]!.reconnecting === true);
    expect(c.members).toEqual([
      { userId: 'bob', audio: true, video: false, displayName: 'Bob' },
      { userId: 'carol', audio: false, video: true, reconnecting: true },
    ]);
    send(server.last, { id: 'participantLeft', userId: 'bob' });
    await until('bob gone', () => c.members.length === 1);
  });
});

describe('RoomClient heartbeat', () => {
  /** The fake server stops answering anything on the sockets in `silent` (a frozen host keeps its sockets open). */
  const freezable = (server: FakeServer): Set<unknown> => {
    const silent = new Set<unknown>();
    server.reply = (m, socket) => {
      if (!silent.has(socket)) FakeServer.admit(m, socket);
    };
    return silent;
  };

  it('pings while in the room; a server gone silent is given up within interval + timeout, and the seat is resumed', async () => {
    const server = await start();
    const silent = freezable(server);
    const c = client({ url: server.url, heartbeatMs: 50, heartbeatTimeoutMs: 150, random: () => 0.25 });
    const causes: string[] = [];
    const delays: number[] = [];
    c.on('reconnecting', (info) => {
      causes.push(info.cause);
      delays.push(info.delayMs);
    });
    await c.join();
    await server.waitFor(() => server.received.filter((m) => m.id === 'ping').length >= 2, 'two pings');
    expect(c.state).toBe('joined');
    const frozen = server.last;
    // An error the server sent long before it went silent is not why the connection ends.
    send(frozen, { id: 'error', code: 'rateLimited', message: 'an old refusal', details: { limit: 1 } });
    silent.add(frozen);
    const frozenAt = Date.now();
    await until('reconnecting', () => c.state === 'reconnecting' || c.state === 'resumed');
    // One interval to the next ping at most, then its timeout; generous slack for a loaded machine.
    expect(Date.now() - frozenAt).toBeLessThan(50 + 150 + 1_000);
    expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(150);
    expect(causes[0]).toBe('heartbeatTimeout');
    // A node that froze times out all its clients at once: the first attempt is spread over a second.
    expect(delays[0]).toBe(250);
    await until('resumed', () => c.state === 'resumed');
    expect(server.received.some((m) => m.id === 'resumeSession')).toBe(true);
    expect(server.last).not.toBe(frozen);
  });

  it('keeps a server that is busy: any frame after a ping answers it, not only the ack', async () => {
    const server = await start();
    const silent = freezable(server);
    const c = client({ url: server.url, heartbeatMs: 30, heartbeatTimeoutMs: 80 });
    await c.join();
    const busy = server.last;
    silent.add(busy);
    // Pings go unanswered, but the room keeps talking.
    const chatter = setInterval(() => send(busy, { id: 'videoStateAnswer', userId: 'someone', video: true }), 20);
    try {
      const pingsBefore = server.received.filter((m) => m.id === 'ping').length;
      await new Promise((r) => setTimeout(r, 500));
      expect(server.received.filter((m) => m.id === 'ping').length).toBeGreaterThan(pingsBefore + 2);
      expect(c.state).toBe('joined');
      expect(server.sockets).toHaveLength(1);
    } finally {
      clearInterval(chatter);
    }
  });

  it('keeps a server that refuses ping (an older server: error unknownMessage)', async () => {
    const server = await start();
    server.reply = (m, socket) => {
      if (m.id === 'ping') send(socket, { id: 'error', code: 'unknownMessage', message: 'unknown message id "ping"', requestId: m.requestId });
      else FakeServer.admit(m, socket);
    };
    const c = client({ url: server.url, heartbeatMs: 30, heartbeatTimeoutMs: 80 });
    await c.join();
    await new Promise((r) => setTimeout(r, 400));
    expect(server.received.filter((m) => m.id === 'ping').length).toBeGreaterThan(3);
    expect(c.state).toBe('joined');
    expect(server.sockets).toHaveLength(1);
  });

  it('an ack that arrived while the client itself was stalled counts, though the ping timed out meanwhile', async () => {
    const server = await start();
    // Acks 80 ms late: within the 100 ms timeout, but its timer falls due during the stall below.
    server.reply = (m, socket) => {
      if (m.id === 'ping') setTimeout(() => send(socket, { id: 'ack', requestId: m.requestId }), 80);
      else FakeServer.admit(m, socket);
    };
    const c = client({ url: server.url, heartbeatMs: 50, heartbeatTimeoutMs: 100 });
    await c.join();
    await server.waitFor(() => server.received.some((m) => m.id === 'ping'), 'a ping');
    // The loop (this process's: client and server) is blocked past the ping's timeout. After the stall the
    // timers run first: the server's ack goes out, then the client's timeout fires, before the ack is read.
    const until = Date.now() + 300;
    while (Date.now() < until) {
      // busy
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(c.state).toBe('joined');
    expect(server.sockets).toHaveLength(1);
  });

  it('heartbeatMs: 0 sends no ping, nor does heartbeatTimeoutMs: 0 (it would close every connection at its first beat)', async () => {
    const server = await start();
    const c = client({ url: server.url, heartbeatMs: 0, heartbeatTimeoutMs: 50 });
    await c.join();
    const d = client({ url: server.url, userId: 'other', heartbeatMs: 20, heartbeatTimeoutMs: 0 });
    await d.join();
    await new Promise((r) => setTimeout(r, 200));
    expect(server.ids()).toEqual(['joinRoom', 'joinRoom']);
    expect(d.state).toBe('joined');
  });
});

describe('backoffDelay', () => {
  it('grows exponentially from the base, is capped, and is jittered over [0, ceiling)', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, { baseMs: 100, maxMs: 1_000 }, () => 0.999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(5, { baseMs: 100, maxMs: 1_000 }, () => 0)).toBe(0);
    const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(3, { baseMs: 100, maxMs: 10_000 })));
    expect(spread.size).toBeGreaterThan(10);
  });
});
