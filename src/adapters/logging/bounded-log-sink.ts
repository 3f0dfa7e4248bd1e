import type { Writable } from 'node:stream';

/** 1 MiB: thousands of lines, far more than a healthy reader ever lets pile up. */
export const DEFAULT_LOG_BUFFER_BYTES = 1024 * 1024;

/**
 * Where the node's log lines go: a stream written asynchronously (stdout: a pipe or socket in production,
 * written by Node's event loop, never by a blocking `write(2)`), with a bounded buffer. pino's default
 * destination (sonic-boom) keeps every line while the reader stalls, without bound, and flushes them
 * synchronously when the process exits, retrying EAGAIN forever with the main thread asleep: a stuck log
 * collector grew the node's memory and then kept it from exiting on SIGTERM. Here a line that would push
 * the buffer past its bound is dropped and counted instead; when the reader catches up, one line says how
 * many were lost; and stopping waits for the reader only until a deadline. A stream that fails (the reader
 * closed it) drops everything after.
 */
export class BoundedLogSink {
  private droppedTotal = 0;
  /** Dropped since the reader last caught up; reported once it does. */
  private droppedUnreported = 0;
  private broken = false;
  /** Told how many lines were lost once the reader catches up; set by whoever owns the logger. */
  onRecovered: ((dropped: number) => void) | undefined;

  constructor(
    private readonly stream: Writable,
    readonly maxBufferBytes: number = DEFAULT_LOG_BUFFER_BYTES,
  ) {
    stream.on('error', () => {
      this.broken = true;
    });
    stream.on('drain', () => this.caughtUp());
  }

  /** pino's destination interface. */
  write(line: string): boolean {
    if (this.broken || this.stream.writableLength + line.length > this.maxBufferBytes) {
      this.droppedTotal += 1;
      this.droppedUnreported += 1;
      return false;
    }
    return this.stream.write(line);
  }

  get droppedLines(): number {
    return this.droppedTotal;
  }

  /** Bytes written and not yet taken by the reader. */
  get bufferedBytes(): number {
    return this.stream.writableLength;
  }

  /**
   * Resolves once everything buffered reached the reader, or when `deadlineMs` passes: a node that stops
   * waits for its last lines only that long, however stuck the reader is.
   */
  flush(deadlineMs: number): Promise<boolean> {
    if (this.broken || this.stream.writableLength === 0) return Promise.resolve(this.stream.writableLength === 0);
    return new Promise((resolve) => {
      const done = (flushed: boolean): void => {
        clearTimeout(timer);
        this.stream.off('drain', onDrain);
        resolve(flushed);
      };
      const onDrain = (): void => done(true);
      const timer = setTimeout(() => done(false), deadlineMs);
      this.stream.on('drain', onDrain);
    });
  }

  private caughtUp(): void {
    if (this.droppedUnreported === 0) return;
    const dropped = this.droppedUnreported;
    this.droppedUnreported = 0;
    this.onRecovered?.(dropped);
  }
}
