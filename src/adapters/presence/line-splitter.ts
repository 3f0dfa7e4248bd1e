/**
 * Cuts a byte stream into lines ending in CRLF. A bare LF also ends a line (the CR is dropped) so a
 * sloppy replier still works. Refuses to buffer more than `maxLineBytes` without a line end: a peer
 * that never terminates its reply is broken, and buffering forever would leak memory.
 */
export class LineSplitter {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly maxLineBytes: number) {}

  /** Returns the complete lines in `chunk` (without their line end), or `overflow` when the limit was passed. */
  push(chunk: Buffer): { lines: Buffer[]; overflow: boolean } {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const lines: Buffer[] = [];
    let start = 0;
    for (let end = this.buffer.indexOf(0x0a, start); end !== -1; end = this.buffer.indexOf(0x0a, start)) {
      const stop = end > start && this.buffer[end - 1] === 0x0d ? end - 1 : end;
      lines.push(this.buffer.subarray(start, stop));
      start = end + 1;
    }
    this.buffer = this.buffer.subarray(start);
    const overflow = this.buffer.length > this.maxLineBytes;
    if (overflow) this.buffer = Buffer.alloc(0);
    return { lines, overflow };
  }

  reset(): void {
    this.buffer = Buffer.alloc(0);
  }
}
