import { loadConfig } from '../../../src/config';
import { createPresence, type PresenceBackend } from '../../../src/composition/presence';
import type { RunningNode } from '../../../src/start-node';
import { TestPresenceServer } from '../../support/presence-server';
import { readMetric } from '../../support/presence/presence-expectations';
import { RecordingLogger } from '../../support/fakes/recording-logger';
import { SignalingClient } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';

/** What presence reports for `/readyz`, against a real TCP presence server that goes down and comes back. */
jest.setTimeout(60_000);

const FAST = { PRESENCE_BACKOFF_BASE_MS: '50', PRESENCE_BACKOFF_MAX_MS: '200' };

let presence: TestPresenceServer;
let backend: PresenceBackend | undefined;
let node: RunningNode | undefined;
const clients: SignalingClient[] = [];

beforeEach(async () => {
  presence = await TestPresenceServer.start();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await node?.stop(500);
  node = undefined;
  for (const part of backend?.lifecycle ?? []) await part.stop();
  backend = undefined;
  await presence.stop();
});

const joined = (userId: string) => ({ type: 'participantJoined' as const, roomId: 'c-1', communityId: '1', userId, at: Date.now() });

describe('presence readiness', () => {
  it('is not flowing while events wait without a connection, and flowing again once delivered', async () => {
    backend = createPresence(loadConfig({ PRESENCE_TCP: `127.0.0.1:${presence.port}`, ...FAST }), new RecordingLogger());
    for (const part of backend.lifecycle) await part.start();
    // Idle with nothing to send: nothing is late.
    expect(backend.readiness.isReady()).toBe(true);

    await presence.stop();
    backend.notifier.notify(joined('a'));
    backend.notifier.notify(joined('b'));
    await waitUntil(() => backend?.readiness.isReady() === false, 5_000);
    expect(backend.readiness.detail()).toMatchObject({ enabled: true, connected: false, outbox: 'memory', outboxDepth: 2, dropped: 0 });

    await presence.restart();
    await presence.waitFor(() => presence.uniqueEventIds().size === 2, 10_000, 'both events');
    await waitUntil(() => backend?.readiness.detail().outboxDepth === 0, 5_000);
    expect(backend.readiness.isReady()).toBe(true);
    expect(backend.readiness.detail()).toMatchObject({ connected: true, outboxDepth: 0 });
  });

  it('a node whose presence server is down stays ready: /readyz answers 200 while events wait', async () => {
    await presence.stop();
    node = await startTestServer({ PRESENCE_TCP: `127.0.0.1:${presence.port}`, ...FAST });
    const alice = await SignalingClient.connect(node.wsUrl);
    clients.push(alice);
    await alice.join({ userId: 'alice', roomId: 'c-1' });
    expect(await readMetric(node.httpUrl, 'rtc_presence_outbox_depth')).toBe(1);
    const response = await fetch(`${node.httpUrl}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ready',
      checks: { presence: false },
      details: { presence: { enabled: true, connected: false, outboxDepth: 1 } },
    });
  });
});

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
