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

/** Whoever is told when a watched socket's backlog stopped draining (the slow-consumer cut-off). */
export interface StallListener {
  stalled(): void;
}

/**
 * One watched socket. Found from its sockets' events through `kWatched` by listeners shared by every
 * connection: a closure per listener per connection, their context and a `once` wrapper each held about
 * 0.6 KB per participant (heap snapshot, issue 20).
 */
class Watched {
  /** The latest ping's payload, as two 32-bit halves: only a pong that echoes it counts. */
  payloadLow = 0;
  payloadHigh = 0;
  answered = true;
  readonly stall = new StallWatch();

  constructor(
    readonly socket: WebSocket,
    readonly raw: Duplex,
    readonly listener: StallListener,
  ) {}
}

const kWatched = Symbol('rtc.liveness.watched');
interface Carrier {
  [kWatched]?: Watched;
}
const watchedOn = (emitter: object): Watched | undefined => (emitter as Carrier)[kWatched];

function onPong(this: WebSocket, data: Buffer): void {
  const watched = watchedOn(this);
  if (watched && data.length === 8 && data.readInt32LE(0) === watched.payloadLow && data.readInt32LE(4) === watched.payloadHigh) {
    watched.answered = true;
  }
}

function onDrain(this: Duplex): void {
  watchedOn(this)?.stall.drained();
}

/**
 * Pings every watched WebSocket once per interval and ends the dead ones. ws counts any pong, and a
 * client that never reads can still send unsolicited pongs forever; so each ping carries fresh random
 * bytes and only a pong echoing them (RFC 6455 §5.5.3, what browsers and ws clients do) counts. A peer
 * that has not answered the previous ping is terminated: dead within two intervals. A peer whose backlog
 * has not drained for two intervals is handed to its `StallListener` (the slow-consumer cut-off), pongs or
 * not. The pings of one interval are spread over it (PeriodicSweep): each socket is still pinged once per
 * interval, but never all of them in one turn of the event loop.
 */
export class WebSocketLiveness {
  private readonly sweep: PeriodicSweep<Watched>;
  /** The random block ping payloads are cut from, and how much of it is used. */
  private block: Buffer = Buffer.alloc(0);
  private blockOffset = 0;

  constructor(intervalMs: number) {
    this.sweep = new PeriodicSweep(intervalMs, (watched) => this.check(watched), PING_SLICE_MS);
  }

  /** `raw` is the TCP socket under `socket`; its 'drain' events tell the stall watch the backlog emptied. */
  watch(socket: WebSocket, raw: Duplex, listener: StallListener): void {
    const watched = new Watched(socket, raw, listener);
    (socket as Carrier)[kWatched] = watched;
    (raw as Carrier)[kWatched] = watched;
    this.sweep.add(watched);
    socket.on('pong', onPong);
    raw.on('drain', onDrain);
  }

  /**
   * The socket closed: the owner says so from its own 'close' listener. A second listener would turn the
   * socket's one listener into an array of them (about 100 bytes per participant, issue 20).
   */
  unwatch(socket: WebSocket): void {
    const watched = watchedOn(socket);
    if (watched) this.forget(watched);
  }

  get size(): number {
    return this.sweep.size;
  }

  stop(): void {
    this.sweep.stop();
  }

  private forget(watched: Watched): void {
    watched.raw.off('drain', onDrain);
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
      watched.listener.stalled();
      return;
    }
    watched.answered = false;
    const payload = this.nextPayload();
    // Kept as two numbers: a Buffer view per connection held for the interval cost ~100 bytes each.
    watched.payloadLow = payload.readInt32LE(0);
    watched.payloadHigh = payload.readInt32LE(4);
    socket.ping(payload);
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
