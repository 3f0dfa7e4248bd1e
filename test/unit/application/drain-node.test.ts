import { CoreHarness, NO_TRACES } from '../../support/fakes';

describe('DrainNode', () => {
  afterEach(() => jest.restoreAllMocks());

  it('tells every client to reconnect and frees every room through the normal departure', async () => {
    const core = new CoreHarness();
    await core.join('alice', 'room-1');
    await core.join('bob', 'room-1');
    await core.join('carol', 'room-2');
    core.clients.clear();

    const departed = await core.drain.execute();

    expect(departed).toBe(3);
    expect(core.clients.disconnects.map((d) => d.connectionId).sort()).toEqual(['conn-alice', 'conn-bob', 'conn-carol']);
    for (const d of core.clients.disconnects) {
      expect(d.code).toBe('serverShuttingDown');
      expect(d.details?.reconnect).toBe(true);
      expect(typeof d.details?.retryAfterMs).toBe('number');
      expect(d.details?.retryAfterMs).toBeGreaterThanOrEqual(0);
      expect(d.details?.retryAfterMs).toBeLessThan(5_000);
    }
    expect(await core.traces('room-1')).toEqual(NO_TRACES);
    expect(await core.traces('room-2')).toEqual(NO_TRACES);
    expect(core.registry.roomCount).toBe(0);
    expect(core.registry.participantCount).toBe(0);
    expect(core.media.sessions.size).toBe(0);
    expect(core.media.callsOf('closeSession')).toHaveLength(2);
    expect(core.placement.releases.sort()).toEqual(['room-1', 'room-2']);
    expect(core.presence.departures().map((d) => [d.userId, d.reason]).sort()).toEqual([
      ['alice', 'shutdown'],
      ['bob', 'shutdown'],
      ['carol', 'shutdown'],
    ]);
    expect(core.logger.at('info')).toContainEqual({ level: 'info', fields: { departed: 3 }, message: 'node drained' });
  });

  it('spreads the reconnect hints over five seconds', async () => {
    const core = new CoreHarness();
    await core.join('alice');
    await core.join('bob');
    jest.spyOn(Math, 'random').mockReturnValueOnce(0).mockReturnValueOnce(0.9999);
    await core.drain.execute();
    expect(core.clients.disconnects.map((d) => d.details?.retryAfterMs)).toEqual([0, 4_999]);
  });

  it('returns 0 on an empty node', async () => {
    const core = new CoreHarness();
    await expect(core.drain.execute()).resolves.toBe(0);
    expect(core.clients.disconnects).toEqual([]);
  });

  it('waits for work in progress on a room, then drains what it left', async () => {
    const core = new CoreHarness();
    await core.join('alice');
    const gate = core.media.hold('addParticipant');
    const joining = core.join('bob');
    for (let i = 0; i < 20; i += 1) await Promise.resolve();
    const draining = core.drain.execute();
    gate.resolve();
    await joining;
    await expect(draining).resolves.toBe(2);
    expect(core.registry.roomCount).toBe(0);
    expect(core.clients.disconnectsOf('conn-bob')).toHaveLength(1);
  });
});
