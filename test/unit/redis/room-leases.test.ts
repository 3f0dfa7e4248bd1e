import { RoomLeases } from '../../../src/adapters/redis/room-leases';

/**
 * Lease 1500 ms (trusted for 1350 ms), heartbeat 250 ms: the test suite's multi-node timing. Fake timers:
 * `advance` is time passing with the event loop running (the pulse timer fires), `stall` is the clock
 * jumping with no timer run, as after SIGSTOP/SIGCONT.
 */
const setUp = () => {
  const leases = new RoomLeases({ leaseMs: 1_500, heartbeatMs: 250, now: () => Date.now() });
  leases.start();
  stopAfter.push(leases);
  return {
    leases,
    advance: (ms: number) => jest.advanceTimersByTime(ms),
    stall: (ms: number) => jest.setSystemTime(Date.now() + ms),
    at: () => Date.now(),
  };
};

const stopAfter: RoomLeases[] = [];
beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => {
  for (const leases of stopAfter.splice(0)) leases.stop();
  jest.useRealTimers();
});

describe('RoomLeases: when a node may serve a room without asking Redis', () => {
  it('a room without a lease here needs no confirmation', () => {
    const { leases } = setUp();
    expect(leases.isConfirmed('elsewhere')).toBe(true);
  });

  it('a renewed lease is confirmed; it stays so past its time while the process runs on (Redis unreachable for everyone)', () => {
    const { leases, advance, at } = setUp();
    leases.aliveRenewed(at());
    leases.grant('r1', '100', at());
    expect(leases.isConfirmed('r1')).toBe(true);
    advance(5_000);
    expect(leases.isConfirmed('r1')).toBe(true);
  });

  it('a stall (SIGSTOP, a long GC) after the last renewal that outlasts the lease leaves it unconfirmed until a renewal sent after it', () => {
    const { leases, at, stall } = setUp();
    leases.aliveRenewed(at());
    leases.grant('r1', '100', at());
    stall(3_000);
    expect(leases.isConfirmed('r1')).toBe(false);
    // A reply to a renewal sent before the stall proves nothing about now.
    leases.renewed('r1', at() - 3_000);
    expect(leases.isConfirmed('r1')).toBe(false);
    const sentAt = at();
    leases.aliveRenewed(sentAt);
    leases.renewed('r1', sentAt);
    expect(leases.isConfirmed('r1')).toBe(true);
  });

  it('a renewal sent after the last pulse but before the stall proves nothing about the time after it', () => {
    const { leases, advance, at, stall } = setUp();
    advance(100);
    // The pulse ran; then a heartbeat renews, and the process is stopped right after.
    jest.setSystemTime(at() + 30);
    leases.aliveRenewed(at());
    leases.grant('r1', '100', at());
    stall(3_000);
    expect(leases.isConfirmed('r1')).toBe(false);
  });

  it('a stall the lease outlives changes nothing: Redis cannot have given the room away yet', () => {
    const { leases, at, stall } = setUp();
    leases.aliveRenewed(at());
    leases.grant('r1', '100', at());
    stall(1_000);
    expect(leases.isConfirmed('r1')).toBe(true);
  });

  it('the node’s own liveness counts: a room renewed but a heartbeat that lapsed is as good as lapsed', () => {
    const { leases, at, stall } = setUp();
    leases.aliveRenewed(at());
    stall(1_000);
    leases.grant('r1', '100', at());
    stall(1_000);
    // 2,000 ms since the node's liveness was renewed, with a stall in between: the room may be reaped.
    expect(leases.isConfirmed('r1')).toBe(false);
  });

  it('a stall noticed only when a request asks (sockets are read before overdue timers after a resume)', () => {
    const { leases, at, stall } = setUp();
    leases.aliveRenewed(at());
    leases.grant('r1', '100', at());
    stall(2_000);
    // No pulse ran: the first question after the resume notices the gap itself.
    expect(leases.isConfirmed('r1')).toBe(false);
  });

  it('a lost room stays unconfirmed and is reported once; forgetting it ends that', () => {
    const { leases, at } = setUp();
    const lost: string[] = [];
    leases.onLost((roomId) => lost.push(roomId));
    leases.aliveRenewed(at());
    leases.grant('r1', '100', at());
    leases.markLost('r1');
    leases.markLost('r1');
    expect(lost).toEqual(['r1']);
    expect(leases.isConfirmed('r1')).toBe(false);
    expect(leases.heldRoomIds()).toEqual([]);
    leases.forget('r1');
    expect(leases.isConfirmed('r1')).toBe(true);
    expect(leases.epochOf('r1')).toBeUndefined();
  });

  it('an epoch learnt from another node’s lookup claim is usable for writes but vouches for nothing until renewed here', () => {
    const { leases, at } = setUp();
    leases.aliveRenewed(at());
    leases.know('r1', '77');
    expect(leases.epochOf('r1')).toBe('77');
    leases.grant('r1', '77', at());
    expect(leases.isConfirmed('r1')).toBe(true);
  });
});
