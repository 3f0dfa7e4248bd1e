import type { RunningNode } from '../../../src/start-node';
import { startTestServer } from '../../support/start-server';
import { SignalingClient } from '../../support/signaling-client';

jest.setTimeout(20_000);

/** Reads one sample of the Prometheus text format, e.g. `rtc_participants` or `rtc_errors_total{code="forbidden"}`. */
const sample = (text: string, name: string, labels: Record<string, string> = {}): number | undefined => {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) return Number(match[4]);
  }
  return undefined;
};

describe('GET /metrics', () => {
  let node: RunningNode;
  const clients: SignalingClient[] = [];
  beforeAll(async () => {
    node = await startTestServer({ NODE_ID: 'metrics-node' });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await node.stop();
  });
  const scrape = async (): Promise<string> => {
    const res = await fetch(`${node.httpUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  };

  it('moves with joins, leaves and errors', async () => {
    const before = await scrape();
    expect(sample(before, 'rtc_participants', { node: 'metrics-node' })).toBe(0);
    expect(sample(before, 'rtc_join_seconds_count', { outcome: 'ok' })).toBeUndefined();
    expect(sample(before, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);

    const alice = await SignalingClient.connect(node.wsUrl);
    const bob = await SignalingClient.connect(node.wsUrl);
    clients.push(alice, bob);
    await alice.join({ userId: 'alice', roomId: 'm-1' });
    await bob.join({ userId: 'bob', roomId: 'm-1' });
    bob.send({ id: 'videoStateFrom', userId: 'alice', video: false });
    await bob.next('error');

    const during = await scrape();
    expect(sample(during, 'rtc_connections')).toBe(2);
    expect(sample(during, 'rtc_rooms')).toBe(1);
    expect(sample(during, 'rtc_participants')).toBe(2);
    expect(sample(during, 'rtc_join_seconds_count', { outcome: 'ok' })).toBe(2);
    expect(sample(during, 'rtc_messages_in_total', { id: 'joinRoom' })).toBe(2);
    expect(sample(during, 'rtc_messages_out_total', { id: 'joined' })).toBe(2);
    expect(sample(during, 'rtc_messages_out_total', { id: 'participantJoined' })).toBe(1);
    expect(sample(during, 'rtc_errors_total', { code: 'forbidden' })).toBe(1);
    expect(sample(during, 'rtc_state_store_seconds_count', { operation: 'recordJoin', outcome: 'ok' })).toBe(2);
    expect(sample(during, 'rtc_media_call_seconds_count', { operation: 'openSession', outcome: 'ok' })).toBe(1);

    alice.send({ id: 'leaveRoom' });
    await bob.next('participantLeft');
    const after = await scrape();
    expect(sample(after, 'rtc_participants')).toBe(1);
    expect(sample(after, 'rtc_messages_out_total', { id: 'participantLeft' })).toBe(1);
  });
});
