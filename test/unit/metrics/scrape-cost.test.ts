import { CONNECTION_SIZED_DEFAULTS, SignalingMetrics } from '../../../src/adapters/metrics/signaling-metrics';

const live = { connections: () => 0, rooms: () => 0, participants: () => 0, presenceOutboxDepth: () => 0 };

describe('/metrics scrape cost (issue 20)', () => {
  it('leaves out the default metrics that walk every handle and file descriptor, keeps the rest', async () => {
    const metrics = new SignalingMetrics(live);
    const text = await metrics.registry.metrics();
    for (const name of CONNECTION_SIZED_DEFAULTS) expect(text).not.toMatch(new RegExp(`^${name}[ {]`, 'm'));
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_max_seconds', 'nodejs_heap_size_used_bytes', 'rtc_connections']) {
      expect(text).toMatch(new RegExp(`^${name}[ {]`, 'm'));
    }
  });
});
