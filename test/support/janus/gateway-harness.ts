import type { MediaBackendEvent } from '../../../src/application';
import { JanusConnection } from '../../../src/adapters/janus/janus-connection';
import { JanusMediaGateway } from '../../../src/adapters/janus/janus-media-gateway';
import type { JanusSettings } from '../../../src/adapters/janus/janus-settings';
import { RecordingLogger } from '../fakes/recording-logger';

export interface GatewayHarness {
  readonly gateway: JanusMediaGateway;
  readonly connection: JanusConnection;
  readonly logger: RecordingLogger;
  readonly events: MediaBackendEvent[];
  /** The next event matching `match` (already received or arriving within `timeoutMs`). */
  nextEvent<E extends MediaBackendEvent>(match: (e: MediaBackendEvent) => e is E, timeoutMs?: number): Promise<E>;
}

/** A Janus gateway wired to a recording logger and an event log, connected to `url`. */
export const startGateway = (url: string, overrides: Partial<JanusSettings> = {}): GatewayHarness => {
  const settings: JanusSettings = {
    url,
    requestTimeoutMs: 5_000,
    keepaliveSecs: 20,
    reconnectMinMs: 100,
    reconnectMaxMs: 1_000,
    connectWaitMs: 5_000,
    publisherBitrate: 0,
    clientLogLevel: 'none',
    ...overrides,
  };
  const logger = new RecordingLogger();
  const connection = new JanusConnection(settings, logger);
  const gateway = new JanusMediaGateway(connection, settings, logger);
  const events: MediaBackendEvent[] = [];
  const waiters: { match: (e: MediaBackendEvent) => boolean; resolve: (e: MediaBackendEvent) => void }[] = [];
  gateway.onEvent((event) => {
    const index = waiters.findIndex((w) => w.match(event));
    if (index >= 0) waiters.splice(index, 1)[0]!.resolve(event);
    else events.push(event);
  });
  gateway.start();
  return {
    gateway,
    connection,
    logger,
    events,
    nextEvent: <E extends MediaBackendEvent>(match: (e: MediaBackendEvent) => e is E, timeoutMs = 5_000) => {
      const index = events.findIndex(match);
      if (index >= 0) return Promise.resolve(events.splice(index, 1)[0] as E);
      return new Promise<E>((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`no matching media event within ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => e.type))}`));
        }, timeoutMs);
        const waiter = {
          match,
          resolve: (e: MediaBackendEvent) => {
            clearTimeout(timer);
            resolve(e as E);
          },
        };
        waiters.push(waiter);
      });
    },
  };
};
