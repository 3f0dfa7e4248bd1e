import { startJanus, type JanusFixture } from '../../support/janus-fixture';
import { startGateway, type GatewayHarness } from '../../support/janus/gateway-harness';

jest.setTimeout(60_000);

/** Janus drops a silent session after this long (checked every 2 s), so 4 s idle is enough to lose one. */
const SESSION_TIMEOUT_SECS = 3;
const IDLE_MS = 8_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Janus session keepalives', () => {
  let janus: JanusFixture;
  const harnesses: GatewayHarness[] = [];

  beforeAll(async () => {
    janus = await startJanus({ sessionTimeoutSecs: SESSION_TIMEOUT_SECS });
  });
  afterAll(async () => {
    await Promise.all(harnesses.map((h) => h.gateway.shutdown()));
    await janus?.stop();
  });

  it('keeps an idle session alive when keepalives come faster than Janus\'s session timeout', async () => {
    const h = startGateway(janus.url, { keepaliveSecs: 1 });
    harnesses.push(h);
    const session = await h.gateway.openSession('c-idle', { capacity: 3 });
    await sleep(IDLE_MS);
    expect(h.connection.current()?.generation).toBe(1);
    expect(h.events.filter((e) => e.type === 'sessionLost')).toEqual([]);
    // The same session still works: a participant can be added to the room created before the idle time.
    await expect(h.gateway.addParticipant(session, 'alice')).resolves.toBeUndefined();
    await h.gateway.closeSession(session);
  });

  it('notices when Janus times a session out (keepalives too slow), reports the loss, and reconnects', async () => {
    const h = startGateway(janus.url, { keepaliveSecs: 60 });
    harnesses.push(h);
    const session = await h.gateway.openSession('c-starved', { capacity: 3 });
    const lost = await h.nextEvent((e): e is Extract<typeof e, { type: 'sessionLost' }> => e.type === 'sessionLost', IDLE_MS + 5_000);
    expect(lost).toMatchObject({ roomId: 'c-starved', ref: session.ref });
    const deadline = Date.now() + 5_000;
    while ((h.connection.current()?.generation ?? 0) < 2 && Date.now() < deadline) await sleep(100);
    expect(h.connection.current()?.generation).toBe(2);
    // Rooms opened after the reconnect work.
    const again = await h.gateway.openSession('c-starved', { capacity: 3 });
    await h.gateway.addParticipant(again, 'alice');
    await h.gateway.closeSession(again);
  });
});
