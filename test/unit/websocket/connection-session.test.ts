import type { LeaveRoom } from '../../../src/application';
import type { ClientConnection } from '../../../src/adapters/websocket/client-connection';
import { ConnectionHub } from '../../../src/adapters/websocket/connection-hub';
import { ConnectionSession } from '../../../src/adapters/websocket/connection-session';
import type { IceCandidateBudget } from '../../../src/adapters/websocket/ice-candidate-budget';
import type { InboundMessage } from '../../../src/adapters/websocket/inbound-messages';
import type { MessageDispatcher } from '../../../src/adapters/websocket/message-dispatcher';
import type { LoopLoad } from '../../../src/adapters/websocket/loop-load-gauge';
import type { SessionLimits } from '../../../src/adapters/websocket/session-limits';
import { RecordingLogger } from '../../support/fakes';

type Wire = Record<string, unknown>;

/** A session over a fake connection; the dispatcher records what reached it. Time is frozen (fake timers). */
const setup = (limits: Partial<SessionLimits>, options: { dispatch?: (message: InboundMessage) => Promise<void>; loopLoad?: LoopLoad } = {}) => {
  const sent: Wire[] = [];
  const closes: [number, string][] = [];
  const connection: ClientConnection = {
    id: 'conn-1',
    transport: 'websocket',
    remoteAddress: '127.0.0.1',
    backlogBytes: 0,
    send: (text) => sent.push(JSON.parse(text) as Wire),
    close: (code, reason) => closes.push([code, reason]),
    abandon: (lastWords, code, reason) => {
      sent.push(JSON.parse(lastWords) as Wire);
      closes.push([code, reason]);
    },
  };
  const dispatched: InboundMessage[] = [];
  const dispatcher = {
    dispatch: async (_c: string, message: InboundMessage, _ice?: IceCandidateBudget) => {
      dispatched.push(message);
      await options.dispatch?.(message);
    },
  } as unknown as MessageDispatcher;
  const leaveRoom = { connectionLost: async () => undefined } as unknown as LeaveRoom;
  const session = new ConnectionSession(connection, new ConnectionHub(), dispatcher, leaveRoom, new RecordingLogger(), {
    maxMessageBytes: 65_536,
    maxQueuedMessages: 10_000,
    ...limits,
  }, options.loopLoad);
  return { session, sent, closes, dispatched };
};

const settle = async (): Promise<void> => {
  // Each queued message takes a few microtask turns; time is frozen, so this is not a wait on the clock.
  for (let i = 0; i < 2_000; i += 1) await Promise.resolve();
};

const leave = JSON.stringify({ id: 'leaveRoom' });
const join = JSON.stringify({ id: 'joinRoom', userId: 'a', roomId: 'r', communityId: '1', video: true, audio: true });

describe('ConnectionSession limits', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('answers each message above the burst with rateLimited and drops it', async () => {
    const { session, sent, dispatched } = setup({ messagesPerSecond: 5, messageBurst: 5, maxRateLimitStrikes: 100 });
    for (let i = 0; i < 8; i += 1) session.receive(leave);
    await settle();
    expect(dispatched).toHaveLength(5);
    expect(sent.filter((m) => m.code === 'rateLimited')).toHaveLength(3);
    expect(sent[0]).toMatchObject({ id: 'error', code: 'rateLimited', details: { limit: 5 } });
  });

  it('refills at the configured rate', async () => {
    const { session, dispatched } = setup({ messagesPerSecond: 5, messageBurst: 5, maxRateLimitStrikes: 100 });
    for (let i = 0; i < 10; i += 1) session.receive(leave);
    jest.setSystemTime(1_000_000 + 1_000);
    for (let i = 0; i < 10; i += 1) session.receive(leave);
    await settle();
    expect(dispatched).toHaveLength(10);
  });

  it('closes a connection that keeps flooding (1008, error rateLimited) and handles nothing more from it', async () => {
    const { session, sent, closes, dispatched } = setup({ messagesPerSecond: 1, messageBurst: 1, maxRateLimitStrikes: 3 });
    for (let i = 0; i < 20; i += 1) session.receive(leave);
    await settle();
    // The one message sent within the limit was handled on arrival; nothing after it was.
    expect(dispatched).toHaveLength(1);
    expect(closes).toEqual([[1008, 'rateLimited']]);
    expect(sent.filter((m) => m.code === 'rateLimited')).toHaveLength(4); // three strikes, then the farewell
  });

  it('limits joinRoom per minute with a typed error', async () => {
    const { session, sent, dispatched } = setup({ joinsPerMinute: 2 });
    for (let i = 0; i < 3; i += 1) session.receive(join);
    await settle();
    expect(dispatched.map((m) => m.id)).toEqual(['joinRoom', 'joinRoom']);
    expect(sent).toEqual([expect.objectContaining({ id: 'error', code: 'rateLimited', message: 'more than 2 joinRoom per minute' })]);
    jest.setSystemTime(1_000_000 + 30_000);
    session.receive(join);
    await settle();
    expect(dispatched).toHaveLength(3);
  });

  it('disconnects a client whose queue of waiting messages is over the limit', async () => {
    const { session, closes } = setup({ maxQueuedMessages: 3, messagesPerSecond: 1000, messageBurst: 1000 });
    for (let i = 0; i < 5; i += 1) session.receive(leave);
    await settle();
    expect(closes).toEqual([[1008, 'rateLimited']]);
  });

  it('disconnects a client whose waiting messages weigh more than maxQueuedBytes, whatever their count', async () => {
    const { session, closes, dispatched } = setup({ maxQueuedBytes: 1_000, messagesPerSecond: 1000, messageBurst: 1000 });
    const heavy = JSON.stringify({ id: 'leaveRoom', pad: 'x'.repeat(400) });
    // The first message is handled at once; the next two wait (800 bytes); a third would pass 1,000.
    for (let i = 0; i < 3; i += 1) session.receive(heavy);
    expect(closes).toEqual([]);
    session.receive(heavy);
    await settle();
    expect(closes).toEqual([[1008, 'rateLimited']]);
    // Cut off: what still waited is dropped, as for too many messages.
    expect(dispatched).toHaveLength(1);
  });

  it('a single message heavier than maxQueuedBytes still gets its turn, and handled messages free their bytes', async () => {
    const { session, closes, dispatched } = setup({ maxQueuedBytes: 1_000, messagesPerSecond: 1000, messageBurst: 1000 });
    session.receive(JSON.stringify({ id: 'leaveRoom', pad: 'x'.repeat(5_000) }));
    await settle();
    for (let round = 0; round < 5; round += 1) {
      for (let i = 0; i < 2; i += 1) session.receive(JSON.stringify({ id: 'leaveRoom', pad: 'x'.repeat(400) }));
      await settle();
    }
    expect(closes).toEqual([]);
    expect(dispatched).toHaveLength(11);
  });
});

describe('ConnectionSession heartbeat and load shedding', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('answers a ping at once, ahead of a request still waiting on a slow media server', async () => {
    let release: () => void = () => undefined;
    const { session, sent, dispatched } = setup({}, { dispatch: (m) => (m.id === 'publish' ? new Promise<void>((r) => (release = r)) : Promise.resolve()) });
    session.receive(JSON.stringify({ id: 'publish', sdpOffer: 'v=0', requestId: 'pub' }));
    session.receive(JSON.stringify({ id: 'leaveRoom', requestId: 'queued' }));
    session.receive(JSON.stringify({ id: 'ping', requestId: 7 }));
    await settle();
    expect(sent).toEqual([{ id: 'ack', requestId: 7 }]);
    // The ping did not jump the queue for anything else: leaveRoom still waits behind publish.
    expect(dispatched.map((m) => m.id)).toEqual(['publish']);
    release();
    await settle();
    expect(dispatched.map((m) => m.id)).toEqual(['publish', 'leaveRoom']);
  });

  it('a join shed for overload does not use up the joins per minute, and its retry hint is spread', async () => {
    const shedFor: number[] = [];
    const load = { overloadedBy: 2_500, windowMs: 1_000, shed: (stallMs: number) => void shedFor.push(stallMs) };
    const { session, sent, dispatched } = setup({ joinsPerMinute: 2, messagesPerSecond: 100, messageBurst: 100 }, { loopLoad: load });
    for (let i = 0; i < 5; i += 1) session.receive(join);
    await settle();
    const refusals = sent.filter((m) => m.code === 'nodeFull');
    expect(refusals).toHaveLength(5);
    // Spread: clients refused together do not all come back together.
    expect(new Set(refusals.map((r) => (r.details as { retryAfterMs: number }).retryAfterMs)).size).toBeGreaterThan(1);
    for (const r of refusals) {
      const details = r.details as { reason: string; retryAfterMs: number };
      expect(details.reason).toBe('overloaded');
      expect(details.retryAfterMs).toBeGreaterThanOrEqual(1_000);
      expect(details.retryAfterMs).toBeLessThan(3_000);
    }
    expect(dispatched).toHaveLength(0);
    // Each refusal is told to the gauge (its metric and log), with the stall it was refused for.
    expect(shedFor).toEqual([2_500, 2_500, 2_500, 2_500, 2_500]);
    // Load gone: both joins of the minute are still there.
    load.overloadedBy = 0;
    session.receive(join);
    session.receive(join);
    session.receive(join);
    await settle();
    expect(dispatched).toHaveLength(2);
    expect(sent.filter((m) => m.code === 'rateLimited')).toHaveLength(1);
  });
});
