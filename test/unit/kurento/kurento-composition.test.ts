import pino from 'pino';
import { createKurentoMedia } from '../../../src/composition/kurento-media';
import { ConfigError, loadConfig } from '../../../src/config';
import { resolveKurentoSettings } from '../../../src/adapters/kurento/kurento-settings';

const logger = pino({ level: 'silent' });

describe('Kurento configuration', () => {
  it('rejects bad KURENTO_* tuning with a ConfigError naming the variable', () => {
    const config = loadConfig({ MEDIA_BACKEND: 'kurento', KURENTO_URL: 'ws://127.0.0.1:1/kurento', KURENTO_HEALTH_FAILURES: 'zero' });
    expect(() => createKurentoMedia(config, logger)).toThrow(ConfigError);
    expect(() => createKurentoMedia(config, logger)).toThrow(/KURENTO_HEALTH_FAILURES/);
    const window = loadConfig({ MEDIA_BACKEND: 'kurento', KURENTO_URL: 'ws://127.0.0.1:1/kurento', KURENTO_RESUME_WINDOW_MS: '-1' });
    expect(() => createKurentoMedia(window, logger)).toThrow(/KURENTO_RESUME_WINDOW_MS/);
  });

  it('builds a gateway with the kurento capabilities from valid settings', async () => {
    const config = loadConfig({
      MEDIA_BACKEND: 'kurento',
      KURENTO_URL: 'ws://127.0.0.1:1/kurento,ws://127.0.0.1:2/kurento',
      KURENTO_RECONNECT_MIN_MS: '50',
      KURENTO_JOIN_WAIT_MS: '0',
    });
    const gateway = createKurentoMedia(config, logger);
    try {
      expect(gateway.capabilities()).toEqual({ backend: 'kurento', publish: true, clientOfferedSubscribe: true, serverOfferedSubscribe: true, peerToPeer: false });
      expect(gateway.isAvailable()).toBe(false);
      await expect(gateway.openSession('c-1', { capacity: 25 })).rejects.toMatchObject({ code: 'mediaServerUnavailable' });
    } finally {
      await gateway.shutdown();
    }
  });

  it('has defaults for everything but the URLs', () => {
    const s = resolveKurentoSettings({ urls: ['ws://k/kurento'] });
    expect(s.requestTimeoutMs).toBe(10_000);
    expect(s.resumeWindowMs).toBe(10_000);
    // A request sent again after a resume is answered from KMS's 20 s cache only if it is younger than that.
    expect(s.requestTimeoutMs).toBeLessThan(20_000);
    expect(s.healthIntervalMs * s.healthFailures).toBeLessThanOrEqual(10_000);
    expect(() => resolveKurentoSettings({ urls: [] })).toThrow(RangeError);
  });
});
