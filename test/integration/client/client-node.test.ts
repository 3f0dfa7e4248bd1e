import WebSocket from 'ws';
import { SignalingError } from '../../../packages/client/src/errors';
import { RoomClient, type ConnectionState, type ReconnectingInfo, type RoomClientOptions } from '../../../packages/client/src/room-client';
import { startNodeProcess, type NodeProcess } from '../../support/node-process';
import { freePort } from '../../support/redis/free-port';
import { until } from '../../support/wait-until';

jest.setTimeout(60_000);


/** The client library against one real node process (in-memory state). */
describe('client library against a node process', () => {
  let port: number;
  let node: NodeProcess;
  const clients: RoomClient[] = [];
  const env = (): Record<string, string> => ({
    PORT: String(port),
    ROOM_CAPACITY: '2',
    RESUME_GRACE_MS: '5000',
    MAX_CONNECTIONS_PER_IP: '10000',
    JOINS_PER_MINUTE: '10000',
    DRAIN_DEADLINE_MS: '3000',
  });
  const client = (options: Partial<RoomClientOptions>): RoomClient => {
    const c = new RoomClient({ url: node.wsUrl, roomId: 'r1', userId: 'u', WebSocket, reconnect: { baseMs: 100, maxMs: 500, maxAttempts: 60 }, ...options });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    port = await freePort();
    node = await startNodeProcess(env());
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.leave()));
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('two members see each other (display names included), their media states, and a departure', async () => {
    const alice = client({ userId: 'alice', displayName: 'Alice Smith' });
    await alice.join();
    const bob = client({ userId: 'u-42', displayName: 'José', video: false });
    const joined = await bob.join();
    expect(joined.members).toEqual([{ userId: 'alice', displayName: 'Alice Smith', audio: true, video: true }]);
    expect(joined.media).toEqual({ backend: 'mesh', publish: false, clientOfferedSubscribe: true, serverOfferedSubscribe: true, peerToPeer: true });
    await until('alice to see bob', () => alice.members.some((m) => m.userId === 'u-42'));
    expect(alice.members).toEqual([{ userId: 'u-42', displayName: 'José', audio: true, video: false }]);

    await alice.setMediaState('audio', false);
    await until('bob to see alice muted', () => bob.members[0]?.audio === false);
    await bob.leave();
    await until('alice to see bob leave', () => alice.members.length === 0);
  });

  it('a refused join rejects with the typed error and the client is left', async () => {
    const a = client({ userId: 'a', roomId: 'full' });
    const b = client({ userId: 'b', roomId: 'full' });
    await a.join();
    await b.join();
    const c = client({ userId: 'c', roomId: 'full' });
    const error = await c.join().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignalingError);
    expect((error as SignalingError).code).toBe('roomFull');
    expect(c.state).toBe('left');
    const tooLong = client({ userId: 'x'.repeat(129), roomId: 'other' });
    await expect(tooLong.join()).rejects.toMatchObject({ code: 'invalidMessage' });
  });

  it('a dropped connection resumes the seat: the other member hears participantReconnected, never participantLeft', async () => {
    const alice = client({ userId: 'alice', roomId: 'resume' });
    const bob = client({ userId: 'bob', roomId: 'resume' });
    await alice.join();
    await bob.join();
    const heard: string[] = [];
    bob.on('message', (m) => heard.push(m.id));
    const seen: ConnectionState[] = [];
    alice.on('state', (s) => seen.push(s));
    alice.dropConnection();
    await until('alice resumed', () => alice.state === 'resumed');
    expect(seen).toEqual(['reconnecting', 'resumed']);
    await until('bob heard participantReconnected', () => heard.includes('participantReconnected'));
    expect(heard).not.toContain('participantLeft');
    expect(bob.members).toEqual([{ userId: 'alice', audio: true, video: true }]);
  });

  it('a frozen node (SIGSTOP): the heartbeat gives the silent socket up, and the seat is resumed once the node is back (SIGCONT)', async () => {
    // The kernel keeps acknowledging a stopped process's TCP: without a heartbeat the socket stays "open".
    const alice = client({ userId: 'alice', roomId: 'frozen', heartbeatMs: 200, heartbeatTimeoutMs: 500, requestTimeoutMs: 3_000 });
    await alice.join();
    const causes: string[] = [];
    alice.on('reconnecting', (info) => causes.push(info.cause));
    node.child.kill('SIGSTOP');
    const frozenAt = Date.now();
    try {
      await until('alice gives the frozen connection up', () => alice.state === 'reconnecting', 5_000);
      const noticedMs = Date.now() - frozenAt;
      // At most one interval to the next ping, then its timeout (slack for a loaded machine).
      expect(noticedMs).toBeGreaterThanOrEqual(500);
      expect(noticedMs).toBeLessThan(200 + 500 + 1_500);
      expect(causes[0]).toBe('heartbeatTimeout');
    } finally {
      node.child.kill('SIGCONT');
    }
    await until('alice resumed', () => alice.state === 'resumed', 20_000);
    expect(alice.session?.resumed).toBe(true);
  });

  it('serverShuttingDown: the client waits for the hint, reconnects to the restarted node and joins afresh (the seat was on the old process)', async () => {
    const alice = client({ userId: 'alice', roomId: 'drain' });
    await alice.join();
    await alice.setMediaState('video', false);
    const reconnecting: ReconnectingInfo[] = [];
    alice.on('reconnecting', (info) => reconnecting.push(info));
    const rejoined: boolean[] = [];
    alice.on('joined', (_j, how) => rejoined.push(how.rejoined));
    await node.stop('SIGTERM');
    await until('reconnecting', () => reconnecting.length > 0);
    expect(reconnecting[0]).toMatchObject({ attempt: 1, cause: 'serverShuttingDown' });
    expect(reconnecting[0]!.delayMs).toBeLessThanOrEqual(5_000);
    node = await startNodeProcess(env());
    await until('joined again', () => rejoined.length > 0, 30_000);
    expect(rejoined).toEqual([true]);
    expect(alice.state).toBe('joined');
    // The camera state it had is the one it joined with.
    const bob = client({ userId: 'bob', roomId: 'drain' });
    const joined = await bob.join();
    expect(joined.members).toEqual([{ userId: 'alice', audio: true, video: false }]);
  });
});
