import type { Duplex } from 'node:stream';

/**
 * Frames written to one socket during one turn of the event loop leave together: the socket is corked at
 * its first frame and uncorked once the turn's queued work (the handler, the promise jobs it starts and
 * the ticks those queue) is done, so a burst (a peer's trickled candidates, a join's fan-out) costs one
 * system call per recipient instead of one per message. On the loopback relay benchmark the write system
 * call was half of the relay's time. A lone frame waits only for the rest of its turn, microseconds: an
 * A/B of corking every frame against letting the first of a turn go out at once found no latency cost at
 * a fixed moderate rate (docs/benchmarks.md).
 */
export class WriteCoalescer {
  /** Sockets corked in this turn, uncorked when it ends. */
  private readonly corked = new Set<Duplex>();
  private turnEndQueued = false;

  /** Call before each write to `socket`. */
  beforeWrite(socket: Duplex): void {
    if (this.corked.has(socket)) return;
    socket.cork();
    this.corked.add(socket);
    if (!this.turnEndQueued) {
      this.turnEndQueued = true;
      // A tick queued from a promise job runs only once the whole promise job queue is empty: messages
      // handled in a chain of awaits (a connection's queue) all write before the uncork. A tick queued
      // straight from here would run between the first message's write and the rest of the chain.
      queueMicrotask(this.queueTurnEnd);
    }
  }

  private readonly queueTurnEnd = (): void => {
    process.nextTick(this.endTurn);
  };

  private readonly endTurn = (): void => {
    this.turnEndQueued = false;
    for (const socket of this.corked) socket.uncork();
    this.corked.clear();
  };
}
