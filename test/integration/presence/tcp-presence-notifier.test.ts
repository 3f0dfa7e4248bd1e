import { createPresenceNotifier } from '../../../src/adapters/presence/create-presence-notifier';
import { DisabledPresenceNotifier } from '../../../src/adapters/presence/disabled-presence-notifier';
import { MemoryPresenceOutbox } from '../../../src/adapters/presence/memory-presence-outbox';
import { defaultPresenceTuning, type PresenceTuning } from '../../../src/adapters/presence/presence-config';
import { TcpPresenceNotifier } from '../../../src/adapters/presence/tcp-presence-notifier';
import type { RoomEvent } from '../../../src/domain';
import { TestPresenceServer } from '../../support/presence-server';
import { arrivalOrderByUser, burstEvents, expectedOrderByUser } from '../../support/presence/presence-events';
import { RecordingLogger } from '../../support/fakes/recording-logger';

jest.setTimeout(30_000);

const fast: PresenceTuning = { ...defaultPresenceTuning, replyTimeoutMs: 1_000, connectTimeoutMs: 1_000, backoffBaseMs: 20, backoffMaxMs: 200 };

let server: TestPresenceServer;
let logger: RecordingLogger;
const notifiers: TcpPresenceNotifier[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

function notifierFor(tuning: Partial<PresenceTuning> = {}): TcpPresenceNotifier {
  const settings = { ...fast, ...tuning };
  const notifier = new TcpPresenceNotifier({ host: '127.0.0.1', port: server.port }, settings, new MemoryPresenceOutbox(settings.outboxMax, logger), logger);
  notifiers.push(notifier);
  notifier.start();
  return notifier;
}

beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));

beforeEach(async () => {
  server = await TestPresenceServer.start();
  logger = new RecordingLogger();
  unhandled.length = 0;
});

afterEach(async () => {
  await Promise.all(notifiers.splice(0).map((n) => n.shutdown(500)));
  await server.stop();
  expect(unhandled).toEqual([]);
});

describe('TcpPresenceNotifier against a real TCP presence server', () => {
  it('sends enter, leave and signaling with the seed fields; community_id null for "0"; a takeover is a leave', async () => {
    const notifier = notifierFor();
    const events: RoomEvent[] = [
      { type: 'participantJoined', roomId: 'c-10', communityId: '3', userId: 'alice', at: 1_000 },
      { type: 'participantJoined', roomId: 'r-55', communityId: '0', userId: 'bob', at: 1_001 },
      { type: 'participantDeparted', roomId: 'r-55', communityId: '0', userId: 'bob', reason: 'replaced', at: 1_002 },
      { type: 'participantDeparted', roomId: 'c-10', communityId: '3', userId: 'alice', reason: 'left', at: 1_003 },
      { type: 'participantDeparted', roomId: 'r-55', communityId: '0', userId: 'bob', reason: 'dropped', at: 1_004 },
      { type: 'participantDeparted', roomId: 'c-10', communityId: '3', userId: 'carol', reason: 'kicked', at: 1_005 },
    ];
    for (const event of events) notifier.notify(event);
    await server.waitFor(() => server.received.length >= 6, 5_000, '6 messages');

    const messages = server.messages();
    expect(messages.map(({ event_id: _id, ...rest }) => rest)).toEqual([
      { type: 'enter', user_id: 'alice', community_id: '3', channel_id: 'c-10', timestamp: 1_000 },
      { type: 'enter', user_id: 'bob', community_id: null, channel_id: 'r-55', timestamp: 1_001 },
      { type: 'leave', user_id: 'bob', community_id: null, channel_id: 'r-55', timestamp: 1_002, reason: 'replaced' },
      { type: 'leave', user_id: 'alice', community_id: '3', channel_id: 'c-10', timestamp: 1_003, reason: 'left' },
      { type: 'signaling', user_id: 'bob', community_id: null, channel_id: 'r-55', timestamp: 1_004, reason: 'dropped' },
      { type: 'leave', user_id: 'carol', community_id: '3', channel_id: 'c-10', timestamp: 1_005, reason: 'kicked' },
    ]);
    for (const message of messages) expect(message.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(server.uniqueEventIds().size).toBe(6);
    // One persistent connection, every line CRLF-framed JSON.
    expect(new Set(server.received.map((m) => m.connection))).toEqual(new Set([1]));
    await waitUntil(() => notifier.stats().delivered === 6, 2_000);
    expect(notifier.stats()).toMatchObject({ depth: 0, delivered: 6, resent: 0, connected: true });
  });

  it('loses nothing when the presence server goes down during a burst of 1,000 events; order per user holds', async () => {
    const notifier = notifierFor();
    const events = burstEvents(1_000, 60);
    let sent = 0;
    let outage: Promise<void> | undefined;
    // Crash the server while one message is read but not yet answered, so that message must come twice.
    const stopWhenBusy = server.waitFor(() => server.received.length >= 250, 10_000, '250 messages').then(async () => {
      server.mode = 'silent';
      await server.waitFor(() => server.received.length >= 251, 5_000, 'an unanswered message');
      outage = server.stop();
    });
    // The burst goes on in slices while the server is stopped part-way through.
    while (sent < events.length) {
      for (const event of events.slice(sent, sent + 40)) notifier.notify(event);
      sent += 40;
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
    await stopWhenBusy;
    await outage;
    const receivedDuringBurst = server.received.length;
    expect(receivedDuringBurst).toBeLessThan(1_000);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(notifier.stats().depth).toBeGreaterThan(0);
    expect(notifier.stats().connected).toBe(false);

    server.mode = 'ack';
    await server.restart();
    await server.waitFor(() => server.uniqueEventIds().size >= 1_000, 20_000, 'all 1,000 events');
    await waitUntil(() => notifier.stats().depth === 0, 5_000);

    expect(arrivalOrderByUser(server.messages())).toEqual(expectedOrderByUser(events));
    const stats = notifier.stats();
    const duplicates = server.duplicateCount();
    // The unanswered message arrived again; every duplicate the server saw is a resend the notifier reports.
    expect(duplicates).toBeGreaterThanOrEqual(1);
    expect(stats.resent).toBeGreaterThanOrEqual(duplicates);
    expect(server.messages()).toHaveLength(1_000 + duplicates);
    expect(stats).toMatchObject({ delivered: 1_000, depth: 0, dropped: 0 });
    expect(stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(logger.matching('warn', 'presence').length).toBeGreaterThan(0);
  });

  it('a server that accepts but never replies does not block notify(); the reply timeout reconnects and resends', async () => {
    server.mode = 'silent';
    const notifier = notifierFor({ replyTimeoutMs: 300 });
    const events = burstEvents(200, 20);
    const started = performance.now();
    for (const event of events) notifier.notify(event);
    expect(performance.now() - started).toBeLessThan(100);

    const firstId = await waitForValue(() => server.messages()[0]?.event_id, 3_000);
    await server.waitFor(() => server.messages().filter((m) => m.event_id === firstId).length >= 2, 5_000, 'a resend');
    const copies = server.received.filter((m) => m.json?.event_id === firstId);
    expect(copies[1]?.connection).toBeGreaterThan(copies[0]?.connection ?? Infinity);
    expect(notifier.stats().replyTimeouts).toBeGreaterThanOrEqual(1);
    expect(notifier.stats().resent).toBeGreaterThanOrEqual(1);
    expect(notifier.stats().delivered).toBe(0);
    expect(logger.matching('warn', 'did not reply in time').length).toBeGreaterThanOrEqual(1);

    server.mode = 'ack';
    await server.waitFor(() => server.uniqueEventIds().size >= 200, 10_000, 'all 200 after replies resume');
    await waitUntil(() => notifier.stats().depth === 0, 3_000);
    expect(arrivalOrderByUser(server.messages())).toEqual(expectedOrderByUser(events));
    expect(server.duplicateCount()).toBeGreaterThanOrEqual(1);
    expect(notifier.stats().resent).toBeGreaterThanOrEqual(server.duplicateCount());
  });

  it('a garbage reply is logged, counts as delivered and crashes nothing', async () => {
    server.mode = 'garbage';
    const notifier = notifierFor();
    const events = burstEvents(6, 3);
    for (const event of events) notifier.notify(event);
    await waitUntil(() => notifier.stats().delivered === 6, 5_000);
    expect(server.messages()).toHaveLength(6);
    expect(server.duplicateCount()).toBe(0);
    expect(notifier.stats()).toMatchObject({ malformedReplies: 6, resent: 0, depth: 0 });
    const warnings = logger.matching('warn', 'malformed presence reply');
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(warnings[0]?.fields)).toContain('reply');

    // Still working afterwards.
    server.mode = 'ack';
    notifier.notify({ type: 'participantJoined', roomId: 'c-1', communityId: '1', userId: 'after', at: 9 });
    await server.waitFor(() => server.messages().some((m) => m.user_id === 'after'), 3_000, 'the next message');
  });

  it('an error reply is logged and not resent; an unframed flood forces a reconnect and resend', async () => {
    server.mode = 'refuse';
    const notifier = notifierFor({ replyTimeoutMs: 2_000 });
    notifier.notify({ type: 'participantJoined', roomId: 'c-1', communityId: '1', userId: 'refused', at: 1 });
    await waitUntil(() => notifier.stats().delivered === 1, 3_000);
    expect(notifier.stats().refusedReplies).toBe(1);
    expect(logger.matching('warn', 'reported an error').length).toBe(1);

    server.mode = 'flood';
    notifier.notify({ type: 'participantJoined', roomId: 'c-1', communityId: '1', userId: 'flooded', at: 2 });
    await server.waitFor(() => server.received.filter((m) => m.json?.user_id === 'flooded').length >= 1, 3_000, 'the flooded message');
    server.mode = 'plain';
    await waitUntil(() => notifier.stats().delivered === 2, 5_000);
    expect(server.received.filter((m) => m.json?.user_id === 'flooded').length).toBeGreaterThanOrEqual(2);
    expect(notifier.stats().replyTimeouts).toBe(0);
    expect(notifier.stats().resent).toBeGreaterThanOrEqual(1);
  });

  it('bounds the outbox while the server is down: drops the oldest, counts and logs it', async () => {
    await server.stop();
    const notifier = notifierFor({ outboxMax: 50 });
    const events = burstEvents(80, 8);
    for (const event of events) notifier.notify(event);
    expect(notifier.stats()).toMatchObject({ depth: 50, dropped: 30 });
    expect(logger.matching('error', 'outbox is full')).toHaveLength(1);

    await server.restart();
    await waitUntil(() => notifier.stats().depth === 0, 5_000);
    const timestamps = server.messages().map((m) => Number(m.timestamp));
    expect(new Set(timestamps)).toEqual(new Set(events.slice(30).map((e) => e.at)));
  });

  it('shutdown flushes what waits within the deadline, and returns by the deadline when it cannot', async () => {
    await server.stop();
    const notifier = notifierFor();
    const events = burstEvents(30, 5);
    for (const event of events) notifier.notify(event);
    await server.restart();
    await notifier.shutdown(5_000);
    expect(server.uniqueEventIds().size).toBe(30);
    expect(notifier.stats().depth).toBe(0);

    await server.stop();
    const stuck = notifierFor();
    for (const event of events) stuck.notify(event);
    const started = performance.now();
    await stuck.shutdown(400);
    expect(performance.now() - started).toBeLessThan(900);
    expect(stuck.stats().depth).toBe(30);
    expect(logger.matching('warn', 'stopped with notifications undelivered')).toHaveLength(1);
    // After shutdown notify is a logged no-op, never a throw.
    expect(() => stuck.notify(events[0] as RoomEvent)).not.toThrow();
  });

  it('works with a lenient server that replies plain text', async () => {
    server.mode = 'plain';
    const notifier = notifierFor();
    for (const event of burstEvents(20, 4)) notifier.notify(event);
    await waitUntil(() => notifier.stats().delivered === 20, 5_000);
    expect(server.duplicateCount()).toBe(0);
  });

  it('createPresenceNotifier is off without PRESENCE_TCP and on with it', async () => {
    const off = createPresenceNotifier({ ...defaultPresenceTuning }, { logger, nodeId: 'n1' });
    expect(off).toBeInstanceOf(DisabledPresenceNotifier);
    off.notify({ type: 'participantJoined', roomId: 'c-1', communityId: '1', userId: 'u', at: 1 });
    await off.shutdown(10);
    await expect(off.flushDeadNodeOutbox('other')).resolves.toBe(0);

    const on = createPresenceNotifier({ ...fast, endpoint: { host: '127.0.0.1', port: server.port } }, { logger, nodeId: 'n1' });
    expect(on).toBeInstanceOf(TcpPresenceNotifier);
    on.start();
    on.notify({ type: 'participantJoined', roomId: 'c-1', communityId: '1', userId: 'u', at: 1 });
    await server.waitFor(() => server.messages().length === 1, 3_000, 'one message');
    await expect(on.flushDeadNodeOutbox('other')).resolves.toBe(0);
    await on.shutdown(1_000);
  });
});

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function waitForValue<T>(read: () => T | undefined, timeoutMs: number): Promise<T> {
  let value: T | undefined;
  await waitUntil(() => (value = read()) !== undefined, timeoutMs);
  return value as T;
}
