import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { StallWatch } from './stall-watch';

interface Watched {
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
 */
export class WebSocketLiveness {
  private readonly watched = new Map<WebSocket, Watched>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  /** `raw` is the TCP socket under `socket`; its 'drain' events tell the stall watch the backlog emptied. */
  watch(socket: WebSocket, raw: Duplex, onStalled: () => void): void {
    const watched: Watched = { payload: undefined, answered: true, stall: new StallWatch(), onStalled };
    this.watched.set(socket, watched);
    socket.on('pong', (data: Buffer) => {
      if (watched.payload !== undefined && data.equals(watched.payload)) watched.answered = true;
    });
    const drained = (): void => watched.stall.drained();
    raw.on('drain', drained);
    socket.once('close', () => {
      raw.off('drain', drained);
      this.watched.delete(socket);
    });
  }

  get size(): number {
    return this.watched.size;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    for (const [socket, watched] of this.watched) {
      if (!watched.answered) {
        this.watched.delete(socket);
        socket.terminate();
        continue;
      }
      if (watched.stall.tick(socket.bufferedAmount)) {
        this.watched.delete(socket);
        watched.onStalled();
        continue;
      }
      watched.answered = false;
      watched.payload = randomBytes(8);
      socket.ping(watched.payload);
    }
  }
}
