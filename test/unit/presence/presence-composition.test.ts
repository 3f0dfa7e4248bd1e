import { DisabledPresenceNotifier } from '../../../src/adapters/presence/disabled-presence-notifier';
import { TcpPresenceNotifier } from '../../../src/adapters/presence/tcp-presence-notifier';
import { createPresence } from '../../../src/composition/presence';
import { ConfigError, loadConfig } from '../../../src/config';
import { RecordingLogger } from '../../support/fakes/recording-logger';

describe('createPresence (composition)', () => {
  it('is off without PRESENCE_TCP: a no-op notifier, a lifecycle that does nothing, depth 0', async () => {
    const backend = createPresence(loadConfig({}), new RecordingLogger());
    expect(backend.notifier).toBeInstanceOf(DisabledPresenceNotifier);
    expect(backend.outboxDepth?.()).toBe(0);
    expect(backend.readiness).toMatchObject({ name: 'presence', required: false });
    expect(backend.readiness.isReady()).toBe(true);
    expect(backend.readiness.detail()).toMatchObject({ enabled: false, outbox: 'off', outboxDepth: 0 });
    for (const part of backend.lifecycle) await part.start();
    for (const part of backend.lifecycle) await part.stop();
  });

  it('uses TCP with PRESENCE_TCP and starts only when the lifecycle starts', async () => {
    const logger = new RecordingLogger();
    const backend = createPresence(loadConfig({ PRESENCE_TCP: '127.0.0.1:9', PRESENCE_OUTBOX_MAX: '5' }), logger);
    expect(backend.notifier).toBeInstanceOf(TcpPresenceNotifier);
    for (let i = 0; i < 7; i += 1) backend.notifier.notify({ type: 'participantJoined', roomId: 'c-1', communityId: '1', userId: `u${i}`, at: i });
    expect(backend.outboxDepth?.()).toBe(5);
    expect(backend.stats?.()).toMatchObject({ depth: 5, dropped: 2, connected: false });
    // Waiting with no connection: reported as not flowing, yet `required: false` keeps the node in rotation.
    expect(backend.readiness.isReady()).toBe(false);
    expect(backend.readiness.detail()).toEqual({ enabled: true, connected: false, outbox: 'memory', outboxDepth: 5, outboxMax: 5, dropped: 2 });
    expect(logger.matching('info', 'presence notifications over TCP')[0]?.fields).toMatchObject({ outbox: 'memory', outboxMax: 5 });
    // Stopping before any start returns at once, and says what was left undelivered.
    await backend.notifier.shutdown(100);
    expect(logger.matching('warn', 'stopped with notifications undelivered')).toHaveLength(1);
  });

  it('turns a bad tuning value into a ConfigError that names it', () => {
    expect(() => createPresence(loadConfig({ PRESENCE_TCP: '127.0.0.1:9', PRESENCE_REPLY_TIMEOUT_MS: 'soon' }), new RecordingLogger())).toThrow(ConfigError);
    expect(() => createPresence(loadConfig({ PRESENCE_BACKOFF_BASE_MS: '900', PRESENCE_BACKOFF_MAX_MS: '10' }), new RecordingLogger())).toThrow(/PRESENCE_BACKOFF_MAX_MS/);
  });
});
