import type { Logger } from '../../application';

export interface RefusalFields {
  readonly remote: string;
  readonly path: string;
}

/**
 * Logs refused requests without letting a client flood the log: the first refusal of a quiet period is
 * logged at once; the ones after it are counted, and one line per interval says how many there were (with
 * the last one's address and path). An unref'd timer writes that line, so a stopped node is not held.
 */
export class RefusalLog {
  private lastLoggedAt = Number.NEGATIVE_INFINITY;
  private suppressed = 0;
  private latest: RefusalFields | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly message: string,
    readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  refused(fields: RefusalFields): void {
    const now = this.now();
    if (this.timer === undefined && now - this.lastLoggedAt >= this.intervalMs) {
      this.lastLoggedAt = now;
      this.logger.warn({ ...fields, refused: 1 }, this.message);
      return;
    }
    this.suppressed += 1;
    this.latest = fields;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.summarize(), Math.max(0, this.lastLoggedAt + this.intervalMs - now));
      this.timer.unref();
    }
  }

  private summarize(): void {
    this.timer = undefined;
    if (this.suppressed === 0) return;
    this.lastLoggedAt = this.now();
    this.logger.warn({ ...this.latest, refused: this.suppressed, intervalMs: this.intervalMs }, this.message);
    this.suppressed = 0;
    // The next refusal in this interval starts the next summary.
    this.timer = setTimeout(() => this.summarize(), this.intervalMs);
    this.timer.unref();
  }
}
