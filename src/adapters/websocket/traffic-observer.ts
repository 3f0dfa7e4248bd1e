import type { ClientMessage } from '../../application';

/** Sees every message in and out of this node's client connections, e.g. to count them. Must not throw. */
export interface TrafficObserver {
  /** A well-formed request arrived; `id` is its message id. */
  received(id: string): void;
  /** A message left for a client (replies, broadcasts, relayed signals and errors alike). */
  sent(message: ClientMessage): void;
}

export const ignoreTraffic: TrafficObserver = { received: () => undefined, sent: () => undefined };
