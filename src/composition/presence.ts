import type { Redis, Cluster } from 'ioredis';
import type { Logger, PresenceNotifier } from '../application';
import type { Config } from '../config';
import type { LifecyclePart } from './node-lifecycle';

export interface PresenceBackend {
  readonly notifier: PresenceNotifier;
  readonly lifecycle: readonly LifecyclePart[];
  /** Events waiting for the presence server, for the metrics. */
  readonly outboxDepth?: () => number;
}

/** Presence notifications: off unless PRESENCE_TCP is set. */
export const createPresence = (config: Config, logger: Logger, redis?: Redis | Cluster): PresenceBackend => {
  void config;
  void logger;
  void redis;
  return { notifier: { notify: () => undefined, shutdown: async () => undefined }, lifecycle: [] };
};
