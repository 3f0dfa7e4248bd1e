import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

/**
 * Clients written against the bare TCP socket, for the hostile cases a library client cannot play: a
 * client that stops reading (its socket paused: the kernel buffers fill and the node's writes back up),
 * one that sends unsolicited pongs, one that never completes anything.
 */

/** `allowHalfOpen`: the client does not end its side when the node ends its own (it never closes on its own). */
export const tcpConnect = async (port: number, options: { allowHalfOpen?: boolean } = {}): Promise<Socket> => {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: options.allowHalfOpen ?? false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  return socket;
};

/** A masked client frame (RFC 6455 §5.2): text is opcode 1, pong 10. */
export const clientFrame = (opcode: number, payload: Buffer | string): Buffer => {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const mask = randomBytes(4);
  const length = data.length;
  const head = length < 126 ? Buffer.from([0x80 | opcode, 0x80 | length]) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (length >= 126 && length < 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 126;
    head.writeUInt16BE(length, 2);
  } else if (length >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) masked[i] = data[i]! ^ mask[i % 4]!;
  return Buffer.concat([head, mask, masked]);
};

export interface ServerFrame {
  readonly opcode: number;
  readonly payload: Buffer;
}

/** Reads the server's (unmasked) frames off a socket, from the bytes after the handshake. */
export class FrameReader {
  private pending = Buffer.alloc(0);
  readonly frames: ServerFrame[] = [];
  private waiters: (() => void)[] = [];

  constructor(socket: Socket, rest: Buffer) {
    this.push(rest);
    socket.on('data', (chunk: Buffer) => this.push(chunk));
  }

  /** Resolves with the first text frame matching `match` (frames before it stay in `frames`). */
  async text(match: (text: string) => boolean, timeoutMs = 5_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find((f) => f.opcode === 1 && match(f.payload.toString('utf8')));
      if (found) return found.payload.toString('utf8');
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${this.frames.map((f) => f.payload.toString('utf8').slice(0, 100)).join(' | ')}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** The close frame's status code, once it arrived. */
  closeCode(): number | undefined {
    const close = this.frames.find((f) => f.opcode === 8);
    return close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : undefined;
  }

  private push(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.pending.length < 2) break;
      let length = this.pending[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.pending.length < 4) break;
        length = this.pending.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.pending.length < 10) break;
        length = Number(this.pending.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.pending.length < offset + length) break;
      this.frames.push({ opcode: this.pending[0]! & 0x0f, payload: this.pending.subarray(offset, offset + length) });
      this.pending = this.pending.subarray(offset + length);
    }
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/** A WebSocket handshake by hand; resolves with the socket and a reader of the frames after it. */
export const rawWebSocket = async (
  port: number,
  path: string,
  options: { allowHalfOpen?: boolean } = {},
): Promise<{ socket: Socket; reader: FrameReader }> => {
  const socket = await tcpConnect(port, options);
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const head = await new Promise<Buffer>((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      if (!buffered.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) reject(new Error(buffered.toString('latin1')));
      resolve(buffered.subarray(end + 4));
    };
    socket.on('data', onData);
  });
  return { socket, reader: new FrameReader(socket, head) };
};

/**
 * A raw HTTP request whose response is read as it streams (or not at all: pause the socket). `text` is
 * everything received so far, headers included.
 */
export class RawHttp {
  text = '';
  bytes = 0;
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.bytes += chunk.length;
      this.text += chunk.toString('utf8');
    });
    socket.on('close', () => (this.closed = true));
  }

  static async open(port: number, method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<RawHttp> {
    const socket = await tcpConnect(port);
    const length = 'transfer-encoding' in headers ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const lines = Object.entries({ host: '127.0.0.1', ...length, ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
    socket.write(`${method} ${path} HTTP/1.1\r\n${lines.join('')}\r\n${body}`);
    return new RawHttp(socket);
  }

  async waitFor(match: RegExp | string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(typeof match === 'string' ? this.text.includes(match) : match.test(this.text))) {
      if (Date.now() > deadline) throw new Error(`raw http: no ${String(match)} in ${this.text.slice(0, 3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Resident memory of a process, from /proc (Linux). */
export const rssBytes = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb[1]) * 1024;
};

/** Samples a process's RSS every `everyMs` until stopped; the peak is what a bound is checked against. */
export const watchRss = (pid: number, everyMs = 100): { readonly peak: () => number; stop(): void } => {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // The process exited; the peak so far stands.
    }
  }, everyMs);
  return { peak: () => peak, stop: () => clearInterval(timer) };
};
