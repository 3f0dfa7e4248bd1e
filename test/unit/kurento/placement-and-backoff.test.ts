import { byLoad } from '../../../src/adapters/kurento/least-loaded';
import { reconnectDelay } from '../../../src/adapters/shared/backoff';
import { decodeSessionRef, encodeSessionRef } from '../../../src/adapters/kurento/session-ref';

describe('least-loaded KMS order', () => {
  it('prefers fewest endpoints, then fewest pipelines, then configuration order', () => {
    expect(byLoad([
      { target: 'a', endpoints: 5, pipelines: 1 },
      { target: 'b', endpoints: 2, pipelines: 3 },
      { target: 'c', endpoints: 2, pipelines: 1 },
      { target: 'd', endpoints: 2, pipelines: 1 },
    ])).toEqual(['c', 'd', 'b', 'a']);
    expect(byLoad([])).toEqual([]);
  });
});

describe('reconnect backoff', () => {
  it('doubles from the minimum up to the cap, with ±20 % jitter', () => {
    const mid = () => 0.5; // no jitter
    expect([0, 1, 2, 3, 10].map((a) => reconnectDelay(a, 100, 1000, mid))).toEqual([100, 200, 400, 800, 1000]);
    expect(reconnectDelay(0, 100, 1000, () => 0)).toBe(80);
    expect(reconnectDelay(1, 100, 1000, () => 0.999)).toBeLessThanOrEqual(240);
    expect(reconnectDelay(50, 100, 1000, () => 0.999)).toBe(1000);
  });
});

describe('session refs', () => {
  it('round-trip the pipeline id and the KMS URL', () => {
    const pipelineId = '6ba9067f-cdcf-4ea6-a6ee-d74519585acd_kurento.MediaPipeline';
    const ref = encodeSessionRef('ws://10.0.0.5:8888/kurento', pipelineId);
    expect(decodeSessionRef(ref)).toEqual({ pipelineId, kmsUrl: 'ws://10.0.0.5:8888/kurento' });
    expect(decodeSessionRef('no-at-sign')).toBeUndefined();
    expect(decodeSessionRef('@ws://x')).toBeUndefined();
  });
});
