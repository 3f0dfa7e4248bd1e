import type { RoomDeparture } from './room-departure';
import type { ClientNotifier, Logger } from '../ports';
import type { KeyedMutex } from '../keyed-mutex';
import type { RoomRegistry } from '../room-registry';
import type { RoomId } from '../../domain';

const RECONNECT_SPREAD_MS = 5_000;


/**
 * Empties this node before it stops: every client is told to reconnect, and every participant departs
 * through the normal path so media sessions, shared records and presence are all cleaned up.
 */
export class DrainNode {
  constructor(
    private readonly registry: RoomRegistry,
    private readonly locks: KeyedMutex<RoomId>,
    private readonly clients: ClientNotifier,
    private readonly logger: Logger,
    private readonly departure: RoomDeparture,
  ) {}

  async execute(): Promise<number> {
    const { registry, locks, clients, logger } = this;
    let departed = 0;
    await Promise.all(
      registry.allRooms().map((snapshot) =>
        locks.run(snapshot.id, async () => {
          const room = registry.room(snapshot.id);
          if (!room) return;
          for (const p of room.participants()) {
            // Spread reconnects over a few seconds so a restart is not followed by a thundering herd.
            clients.disconnect(p.connectionId, 'serverShuttingDown', 'this server is restarting; reconnect and join again', {
              reconnect: true,
              retryAfterMs: Math.floor(Math.random() * RECONNECT_SPREAD_MS),
            });
            if (await this.departure.depart(room, p.userId, p.connectionId, 'shutdown')) departed += 1;
          }
        }),
      ),
    );
    logger.info({ departed }, 'node drained');
    return departed;
  }
}
