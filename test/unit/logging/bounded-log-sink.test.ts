import { Writable } from 'node:stream';
import { BoundedLogSink } from '../../../src/adapters/logging/bounded-log-sink';

/** A stream whose reader takes nothing until `release()`: a stalled log collector. */
class StalledReader extends Writable {
  readonly taken: string[] = [];
  private held: (() => void)[] = [];
  private stalled = true;

  constructor() {
    super({ highWaterMark: 64, decodeStrings: false });
  }

  override _write(chunk: string, _encoding: BufferEncoding, done: () => void): void {
    this.taken.push(chunk);
    if (this.stalled) this.held.push(done);
    else done();
  }

  release(): void {
    this.stalled = false;
    for (const done of this.held.splice(0)) done();
  }
}

describe('BoundedLogSink', () => {
  it('drops and counts lines past its buffer while the reader stalls, never blocking, and says so once when the reader recovers', async () => {
    const reader = new StalledReader();
    const sink = new BoundedLogSink(reader, 1_000);
    const recovered: number[] = [];
    sink.onRecovered = (dropped) => recovered.push(dropped);
    const line = `${'x'.repeat(99)}\n`;
    for (let i = 0; i < 50; i += 1) sink.write(line);
    expect(sink.bufferedBytes).toBeLessThanOrEqual(1_000);
    expect(sink.droppedLines).toBe(40);
    expect(recovered).toEqual([]);
    reader.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(recovered).toEqual([40]);
    expect(reader.taken).toHaveLength(10);
    // Caught up: lines go through again, and a later recovery reports only what was dropped since.
    sink.write(line);
    expect(sink.droppedLines).toBe(40);
  });

  it('flush waits for the reader, but only until its deadline', async () => {
    const reader = new StalledReader();
    const sink = new BoundedLogSink(reader, 10_000);
    sink.write('line\n');
    sink.write('x'.repeat(200));
    const started = Date.now();
    expect(await sink.flush(100)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
    const flushed = sink.flush(5_000);
    reader.release();
    expect(await flushed).toBe(true);
  });

  it('a stream that fails (the reader closed it) drops everything after, without throwing', () => {
    const reader = new StalledReader();
    const sink = new BoundedLogSink(reader);
    reader.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(() => sink.write('line\n')).not.toThrow();
    expect(sink.droppedLines).toBe(1);
  });
});
