import type { Container } from 'inversify';
import { DrainNode, RelayMediaEvents, ReportLostRoom, RoomHolds } from '../application';
import { SockJsTransport } from '../adapters/websocket/sockjs-transport';
import { WebSocketTransport } from '../adapters/websocket/websocket-transport';
import type { LifecyclePart } from './node-lifecycle';
import { Ids } from './service-ids';

/**
 * The one place that says in which order a node starts and stops. The parts come from the modules the
 * configuration loaded (state store, then presence), in the order they were loaded.
 */
const partsOf = (container: Container): readonly LifecyclePart[] => container.getAll(Ids.LifecycleParts).flat();

/** Before the node listens: the backends' parts, then the core's listeners on them. */
export const startNodeParts = async (container: Container): Promise<void> => {
  const logger = container.get(Ids.Logger);
  // Before anything starts: the first heartbeat may already reap a dead node's rooms.
  const reportLostRoom = container.get(ReportLostRoom);
  container.get(Ids.StateBackend).onLostRoom?.((room) => reportLostRoom.execute(room));
  for (const part of partsOf(container)) {
    await part.start();
    logger.debug({ part: part.name }, 'started');
  }
  container.get(RelayMediaEvents).start();
  container.get(RoomHolds).start();
};

/**
 * Drains and stops: new rooms go elsewhere, everyone here is told and leaves, the inputs close, the
 * media and presence backends shut down (presence within `deadlineMs`), then the parts in reverse.
 */
export const stopNodeParts = async (container: Container, deadlineMs: number): Promise<void> => {
  const logger = container.get(Ids.Logger);
  container.get(Ids.Draining).value = true;
  await container
    .get(Ids.StateBackend)
    .beginDrain?.()
    .catch((error: unknown) => logger.warn({ err: error }, 'could not withdraw from placement; draining anyway'));
  await container.get(DrainNode).execute();
  await Promise.all([container.get(WebSocketTransport).close(), container.get(SockJsTransport).close()]);
  await container.get(Ids.HttpFront).close();
  if (container.isBound(Ids.MetricsFront)) await container.get(Ids.MetricsFront).close();
  await Promise.allSettled([container.get(Ids.MediaGateway).shutdown(), container.get(Ids.PresenceNotifier).shutdown(deadlineMs)]);
  for (const part of [...partsOf(container)].reverse()) {
    await part.stop().catch((error: unknown) => logger.warn({ err: error, part: part.name }, 'stop failed'));
  }
  await container.get(Ids.RoomStateStore).shutdown();
};
