import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { PeriodicSweep } from './periodic-sweep';
import { StallWatch } from './stall-watch';

interface Watched {
  readonly socket: WebSocket;
  /** The payload of the latest ping; only a pong that echoes it counts. */
  payload: Buffer | undefined;
  answered: boolean;
  readonly stall: StallWatch;
  readonly onStalled: () => void;
}

/**
 * Pings every watched WebSocket once per interval and ends the dead ones. ws counts any pong, and a
 * client that never reads can still send unsolicited pongs forever; so each ping carries fresh random
 * bytes and only a pong echoing them (RFC 6455 §5.5.3, what browsers and ws clients do) counts. A peer
 * that has not answered the previous ping is terminated: dead within two intervals. A peer whose backlog
 * has not drained for two intervals is handed to `onStalled` (the slow-consumer cut-off), pongs or not.
 * The pings of one interval are spread over it (PeriodicSweep): each socket is still pinged once per
 * interval, but never all of them in one turn of the event loop.
 */
export class WebSocketLiveness {
  private readonly watched = new Map<WebSocket, Watched>();
  private readonly sweep: PeriodicSweep<Watched>;

  constructor(intervalMs: number) {
    this.sweep = new PeriodicSweep(intervalMs, (watched) => this.check(watched));
  }

  /** `raw` is the TCP socket under `socket`; its 'drain' events tell the stall watch the backlog emptied. */
  watch(socket: WebSocket, raw: Duplex, onStalled: () => void): void {
    const watched: Watched = { socket, payload: undefined, answered: true, stall: new StallWatch(), onStalled };
    this.watched.set(socket, watched);
    this.sweep.add(watched);
    socket.on('pong', (data: Buffer) => {
      if (watched.payload !== undefined && data.equals(watched.payload)) watched.answered = true;
    });
    const drained = (): void => watched.stall.drained();
    raw.on('drain', drained);
    socket.once('close', () => {
      raw.off('drain', drained);
      this.forget(watched);
    });
  }

  get size(): number {
    return this.watched.size;
  }

  stop(): void {
    this.sweep.stop();
  }

  private forget(watched: Watched): void {
    this.watched.delete(watched.socket);
    this.sweep.delete(watched);
  }

  private check(watched: Watched): void {
    const { socket } = watched;
    if (!watched.answered) {
      this.forget(watched);
      socket.terminate();
      return;
    }
    if (watched.stall.tick(socket.bufferedAmount)) {
      this.forget(watched);
      watched.onStalled();
      return;
    }
    watched.answered = false;
    watched.payload = randomBytes(8);
    socket.ping(watched.payload);
  }
}
