import { Duplex } from 'node:stream';
import { WriteCoalescer } from '../../../src/adapters/websocket/write-coalescer';

/** A socket stand-in that records how its data reaches the "kernel": one entry per system call. */
class RecordingSocket extends Duplex {
  readonly syscalls: string[][] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.syscalls.push([chunk.toString()]);
    done();
  }
  override _writev(chunks: { chunk: Buffer }[], done: () => void): void {
    this.syscalls.push(chunks.map((c) => c.chunk.toString()));
    done();
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('WriteCoalescer', () => {
  it('sends the frames written to a socket in one turn together, in order, once the turn is done', async () => {
    const socket = new RecordingSocket();
    const writes = new WriteCoalescer();
    for (const frame of ['a', 'b', 'c']) {
      writes.hold(socket);
      socket.write(frame);
    }
    expect(socket.syscalls).toEqual([]);
    await nextTurn();
    expect(socket.syscalls).toEqual([['a', 'b', 'c']]);
  });

  it('holds each socket separately and starts afresh in the next turn', async () => {
    const one = new RecordingSocket();
    const two = new RecordingSocket();
    const writes = new WriteCoalescer();
    writes.hold(one);
    one.write('1a');
    writes.hold(two);
    two.write('2a');
    writes.hold(one);
    one.write('1b');
    await nextTurn();
    writes.hold(one);
    one.write('1c');
    await nextTurn();
    expect(one.syscalls).toEqual([['1a', '1b'], ['1c']]);
    expect(two.syscalls).toEqual([['2a']]);
  });

  it('writes made from promise callbacks in the same turn still leave together', async () => {
    const socket = new RecordingSocket();
    const writes = new WriteCoalescer();
    await Promise.all(
      ['x', 'y'].map(async (frame) => {
        await Promise.resolve();
        writes.hold(socket);
        socket.write(frame);
      }),
    );
    await nextTurn();
    expect(socket.syscalls).toEqual([['x', 'y']]);
  });

  it('ending a held socket still delivers what was written before', async () => {
    const socket = new RecordingSocket();
    const writes = new WriteCoalescer();
    writes.hold(socket);
    socket.write('last words');
    socket.end();
    await nextTurn();
    expect(socket.syscalls.flat()).toEqual(['last words']);
  });
});
