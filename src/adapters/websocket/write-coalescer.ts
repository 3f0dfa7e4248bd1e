import type { Duplex } from 'node:stream';

/**
 * Frames written to one socket during one turn of the event loop leave together: the first goes out at
 * once, and from the second on the socket is corked until the turn's queued work is done, so a burst
 * (a room's trickled candidates, a join's fan-out) costs two system calls per recipient instead of one
 * per message, while a lone message is not delayed at all. On the loopback relay benchmark the write
 * system call was half of the relay's time.
 */
export class WriteCoalescer {
  /** Sockets written to in this turn; the corked ones among them are uncorked when it ends. */
  private readonly written = new Map<Duplex, boolean>();
  private turnEndQueued = false;

  /** Call before each write to `socket`. */
  beforeWrite(socket: Duplex): void {
    const corked = this.written.get(socket);
    if (corked === undefined) {
      this.written.set(socket, false);
      if (!this.turnEndQueued) {
        this.turnEndQueued = true;
        process.nextTick(this.endTurn);
      }
      return;
    }
    if (!corked) {
      socket.cork();
      this.written.set(socket, true);
    }
  }

  private readonly endTurn = (): void => {
    this.turnEndQueued = false;
    for (const [socket, corked] of this.written) if (corked) socket.uncork();
    this.written.clear();
  };
}
