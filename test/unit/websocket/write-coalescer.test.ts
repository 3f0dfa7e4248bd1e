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

const send = (writes: WriteCoalescer, socket: RecordingSocket, frame: string): void => {
  writes.beforeWrite(socket);
  socket.write(frame);
};

describe('WriteCoalescer', () => {
  it('lets a lone frame go out as soon as its turn is done', async () => {
    const socket = new RecordingSocket();
    send(new WriteCoalescer(), socket, 'alone');
    expect(socket.syscalls).toEqual([]);
    await Promise.resolve().then(() => new Promise((resolve) => process.nextTick(resolve)));
    expect(socket.syscalls).toEqual([['alone']]);
  });

  it('sends a burst to one socket together, in order, in one system call', async () => {
    const socket = new RecordingSocket();
    const writes = new WriteCoalescer();
    for (const frame of ['a', 'b', 'c', 'd']) send(writes, socket, frame);
    expect(socket.syscalls).toEqual([]);
    await nextTurn();
    expect(socket.syscalls).toEqual([['a', 'b', 'c', 'd']]);
  });

  it('treats each socket on its own and starts afresh in the next turn', async () => {
    const one = new RecordingSocket();
    const two = new RecordingSocket();
    const writes = new WriteCoalescer();
    send(writes, one, '1a');
    send(writes, two, '2a');
    send(writes, one, '1b');
    send(writes, one, '1c');
    await nextTurn();
    send(writes, one, '1d');
    await nextTurn();
    expect(one.syscalls).toEqual([['1a', '1b', '1c'], ['1d']]);
    expect(two.syscalls).toEqual([['2a']]);
  });

  it('frames sent from promise callbacks in the same turn still leave together', async () => {
    const socket = new RecordingSocket();
    const writes = new WriteCoalescer();
    await Promise.all(
      ['x', 'y', 'z'].map(async (frame) => {
        await Promise.resolve();
        send(writes, socket, frame);
      }),
    );
    await nextTurn();
    expect(socket.syscalls).toEqual([['x', 'y', 'z']]);
  });

  it('a burst written partly before a chain of awaits and partly inside it still leaves together', async () => {
    // How a connection's queue runs: the first message is handled in the I/O callback, the rest in promise
    // jobs after it. A tick queued at the first write would run between the two.
    const socket = new RecordingSocket();
    const writes = new WriteCoalescer();
    await new Promise<void>((done) =>
      setImmediate(() => {
        void (async () => {
          send(writes, socket, 'first');
          for (const frame of ['second', 'third']) {
            await Promise.resolve();
            await Promise.resolve();
            send(writes, socket, frame);
          }
          done();
        })();
      }),
    );
    await nextTurn();
    expect(socket.syscalls).toEqual([['first', 'second', 'third']]);
  });

  it('a socket whose writer corked it too stays corked until both let go', async () => {
    const socket = new RecordingSocket();
    const writes = new WriteCoalescer();
    socket.cork();
    send(writes, socket, 'held');
    await nextTurn();
    expect(socket.syscalls).toEqual([]);
    socket.uncork();
    expect(socket.syscalls).toEqual([['held']]);
  });

  it('ending a corked socket still delivers what was written before', async () => {
    const socket = new RecordingSocket();
    const writes = new WriteCoalescer();
    send(writes, socket, 'one');
    send(writes, socket, 'last words');
    socket.end();
    await nextTurn();
    expect(socket.syscalls.flat()).toEqual(['one', 'last words']);
  });
});
