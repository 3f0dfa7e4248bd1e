import { loadConfig, ConfigError } from '../../../src/config';
import { janusSettings } from '../../../src/composition/janus-media';
import { assertFlowSupported } from '../../../src/application/use-cases/negotiate-media';
import { PUBLISH, SignalingError, subscribeTo } from '../../../src/domain';
import { trickleCandidate } from '../../../src/adapters/janus/handle-events';

const config = (env: Record<string, string>) => loadConfig({ MEDIA_BACKEND: 'janus', JANUS_URL: 'ws://127.0.0.1:8188', ...env });

describe('Janus settings from the environment', () => {
  it('takes JANUS_URL and MEDIA_TIMEOUT_MS, with defaults for the tuning knobs', () => {
    expect(janusSettings(config({ MEDIA_TIMEOUT_MS: '4000' }))).toEqual({
      url: 'ws://127.0.0.1:8188',
      requestTimeoutMs: 4000,
      keepaliveSecs: 20,
      reconnectMinMs: 250,
      reconnectMaxMs: 10_000,
      connectWaitMs: 4000,
      publisherBitrate: 0,
      clientLogLevel: 'none',
    });
  });

  it('reads the JANUS_* tuning variables', () => {
    const s = janusSettings(
      config({
        JANUS_API_SECRET: 'pssst',
        JANUS_KEEPALIVE_SECS: '15',
        JANUS_RECONNECT_MIN_MS: '100',
        JANUS_RECONNECT_MAX_MS: '2000',
        JANUS_CONNECT_WAIT_MS: '700',
        JANUS_PUBLISHER_BITRATE: '512000',
        JANUS_CLIENT_LOG: 'warning',
      }),
    );
    expect(s).toMatchObject({ apiSecret: 'pssst', keepaliveSecs: 15, reconnectMinMs: 100, reconnectMaxMs: 2000, connectWaitMs: 700, publisherBitrate: 512000, clientLogLevel: 'warning' });
  });

  it('refuses bad values with a ConfigError naming the variable', () => {
    expect(() => janusSettings(config({ JANUS_KEEPALIVE_SECS: '0' }))).toThrow(ConfigError);
    expect(() => janusSettings(config({ JANUS_KEEPALIVE_SECS: 'soon' }))).toThrow(/JANUS_KEEPALIVE_SECS/);
    expect(() => janusSettings(config({ JANUS_CLIENT_LOG: 'debug' }))).toThrow(/JANUS_CLIENT_LOG/);
    expect(() => janusSettings(config({ JANUS_RECONNECT_MIN_MS: '5000', JANUS_RECONNECT_MAX_MS: '1000' }))).toThrow(/must not exceed/);
  });
});

describe('the core refuses flows Janus cannot do, naming the flow to use', () => {
  const janus = { backend: 'janus', publish: true, clientOfferedSubscribe: false, serverOfferedSubscribe: true, peerToPeer: false };

  it('refuses a client offer to subscribe (the seed\'s receiveVideoFrom with another\'s id)', () => {
    let error: unknown;
    try {
      assertFlowSupported(janus, 'offer', subscribeTo('alice'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SignalingError);
    expect(error).toMatchObject({ code: 'unsupportedFlow', details: { backend: 'janus' } });
    expect((error as SignalingError).message).toMatch(/send subscribe \{userId\}/);
  });

  it('allows publishing by offer and subscribing by the server\'s offer', () => {
    expect(() => assertFlowSupported(janus, 'offer', PUBLISH)).not.toThrow();
    expect(() => assertFlowSupported(janus, 'requestOffer', subscribeTo('alice'))).not.toThrow();
    expect(() => assertFlowSupported(janus, 'answer', subscribeTo('alice'))).not.toThrow();
  });
});

describe('trickleCandidate', () => {
  it('narrows janode\'s trickle event and skips end-of-candidates', () => {
    expect(trickleCandidate({ candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host', sdpMid: '0', sdpMLineIndex: 0 })).toEqual({
      candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    });
    expect(trickleCandidate({ completed: true })).toBeUndefined();
    expect(trickleCandidate('nonsense')).toBeUndefined();
  });
});
