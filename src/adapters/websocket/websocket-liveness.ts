import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { PeriodicSweep } from './periodic-sweep';
import { StallWatch } from './stall-watch';

/**
 * Pings go out every 10 ms, a few sockets at a time: each ping is a write that wakes its client, and at
 * 18,000 connections the 60 pings of a 100 ms slice made the longest event-loop stalls of the capacity
 * benchmark (rooms of 5: loop lag 150–235 ms with pings, 24–47 ms in most scrapes without).
 */
const PING_SLICE_MS = 10;
/** Ping payloads are cut from one random block per this many pings instead of a call per ping. */
const PAYLOADS_PER_BLOCK = 128;

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
  /** The random block ping payloads are cut from, and how much of it is used. */
  private block: Buffer = Buffer.alloc(0);
  private blockOffset = 0;

  constructor(intervalMs: number) {
    this.sweep = new PeriodicSweep(intervalMs, (watched) => this.check(watched), PING_SLICE_MS);
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
    watched.payload = this.nextPayload();
    socket.ping(watched.payload);
  }

  /** 8 unpredictable bytes; each block is a fresh buffer, so an earlier payload (a view of it) never changes. */
  private nextPayload(): Buffer {
    if (this.blockOffset + 8 > this.block.length) {
      this.block = randomBytes(8 * PAYLOADS_PER_BLOCK);
      this.blockOffset = 0;
    }
    const payload = this.block.subarray(this.blockOffset, this.blockOffset + 8);
    this.blockOffset += 8;
    return payload;
  }
}
