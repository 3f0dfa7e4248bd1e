/**
 * Tells a client that has stopped reading from one that is merely busy. Ticked once per ping interval
 * with the connection's backlog: a backlog that was not empty at three ticks in a row and never drained in
 * between has not drained for two whole intervals, and the connection is dead whatever else it sends
 * (pongs and requests included). A reading client empties its socket buffer within moments of a burst.
 */
export class StallWatch {
  private drainedSinceTick = false;
  private stalledTicks = 0;

  /** The socket's buffer emptied (its 'drain' event). */
  drained(): void {
    this.drainedSinceTick = true;
  }

  /** True when the backlog has not drained for two intervals. */
  tick(backlogBytes: number): boolean {
    this.stalledTicks = backlogBytes === 0 || this.drainedSinceTick ? 0 : this.stalledTicks + 1;
    this.drainedSinceTick = false;
    return this.stalledTicks >= 3;
  }
}
