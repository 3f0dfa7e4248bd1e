import { Socket } from 'node:net';
import { LineSplitter } from './line-splitter';

export type LineOutcome =
  | { kind: 'line'; line: Buffer }
  | { kind: 'timeout' }
  | { kind: 'closed'; reason: string };

/** A reply longer than this without a line end means the peer is not speaking our framing. */
const MAX_BUFFERED_REPLY_BYTES = 64 * 1024;

/**
 * One TCP connection to the presence server, speaking CRLF-framed lines. Request/reply: the caller
 * `send`s a line, reads lines with `nextLine` until one answers it, then `settle`s. Lines that arrive
 * while no request is open (or are left over at `settle`) answer nothing we are waiting for and are
 * handed to `onUnsolicited` instead of being mistaken for the next message's reply.
 */
export class PresenceConnection {
  private readonly splitter = new LineSplitter(MAX_BUFFERED_REPLY_BYTES);
  private waiter: ((outcome: LineOutcome) => void) | undefined;
  private readonly received: Buffer[] = [];
  private requestOpen = false;
  private closedReason: string | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly onUnsolicited: (line: Buffer) => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error: Error) => this.close(`socket error: ${error.message}`));
    socket.on('close', () => this.close('closed by peer'));
  }

  /** Resolves once connected; rejects on refusal or after `timeoutMs`. */
  static open(host: string, port: number, timeoutMs: number, onUnsolicited: (line: Buffer) => void): Promise<PresenceConnection> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      const fail = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(() => fail(new Error(`connect timed out after ${timeoutMs} ms`)), timeoutMs);
      socket.once('error', fail);
      socket.connect({ host, port }, () => {
        clearTimeout(timer);
        socket.off('error', fail);
        socket.setNoDelay(true);
        // Finds a half-dead idle connection (peer host gone) before the next message has to.
        socket.setKeepAlive(true, 30_000);
        resolve(new PresenceConnection(socket, onUnsolicited));
      });
    });
  }

  get isOpen(): boolean {
    return this.closedReason === undefined;
  }

  /** Writes one framed line; a broken socket shows up in the following `nextLine`. */
  send(line: string): void {
    this.settle();
    this.requestOpen = true;
    if (this.isOpen) this.socket.write(line);
  }

  /** Ends the open request; replies still queued for it are extra and reported as unsolicited. */
  settle(): void {
    this.requestOpen = false;
    for (const line of this.received.splice(0)) this.onUnsolicited(line);
  }

  /** The next line from the peer, or why none came. Only one caller waits at a time. */
  nextLine(timeoutMs: number): Promise<LineOutcome> {
    const queued = this.received.shift();
    if (queued) return Promise.resolve({ kind: 'line', line: queued });
    if (this.closedReason !== undefined) return Promise.resolve({ kind: 'closed', reason: this.closedReason });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve({ kind: 'timeout' });
      }, timeoutMs);
      this.waiter = (outcome) => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(outcome);
      };
    });
  }

  close(reason = 'closed by us'): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.socket.destroy();
    this.splitter.reset();
    this.waiter?.({ kind: 'closed', reason });
  }

  private receive(chunk: Buffer): void {
    const { lines, overflow } = this.splitter.push(chunk);
    for (const line of lines) {
      if (!this.requestOpen) this.onUnsolicited(line);
      else if (this.waiter) this.waiter({ kind: 'line', line });
      else this.received.push(line);
    }
    if (overflow) this.close(`reply exceeded ${MAX_BUFFERED_REPLY_BYTES} bytes without a line end`);
  }
}
