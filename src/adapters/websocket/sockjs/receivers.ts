import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { onResponseGone } from '../../shared/connection-close';

/**
 * Where a session's frames go: the current HTTP response (polling or streaming) or the session's
 * WebSocket. A session has at most one at a time.
 */
export interface Receiver {
  /** Writes a frame; false once the receiver has ended (a poll after its one answer, a stream past its byte limit). */
  sendFrame(frame: string): boolean;
  /** Bytes written to it and not yet taken by the network. */
  readonly backlogBytes: number;
  /** Ends it after what was written; a WebSocket is closed with `code` where that is a valid close code. */
  end(code?: number): void;
  /** The socket under it: after it ends, bytes may still wait there for the client. */
  readonly socket: Duplex | null;
  /** The client went away before the receiver ended (set by the session that attached it). */
  onAbort: (() => void) | undefined;
  /** The socket's buffer emptied. */
  onDrain: (() => void) | undefined;
}

export interface HttpFraming {
  readonly contentType: string;
  /** Written before the first frame (padding some browsers need before they show a stream). */
  readonly prelude?: string;
  wrap(frame: string): string;
  /** A poll answers one frame and ends; a stream goes on until its byte limit. */
  readonly polling: boolean;
}

export const NO_CACHE = 'no-store, no-cache, must-revalidate, max-age=0';

/** A receiving HTTP request: xhr and jsonp polls, xhr_streaming, eventsource and htmlfile streams. */
export class HttpReceiver implements Receiver {
  onAbort: (() => void) | undefined;
  onDrain: (() => void) | undefined;
  private written = 0;
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly framing: HttpFraming,
    /** A stream is ended after this many bytes, so the browser can free what it received (protocol: 128 KiB). */
    private readonly responseLimitBytes: number,
  ) {
    res.writeHead(200, { 'content-type': framing.contentType, 'cache-control': NO_CACHE });
    if (framing.prelude !== undefined) res.write(framing.prelude);
    // The connection's close as well as the response's: a receiving request pipelined behind another
    // gets no 'close' on its response if the connection dies before its turn, and its session would stay
    // open with a receiver no one hears, its member seated until a stall check.
    onResponseGone(res, () => {
      if (this.ended) return;
      this.ended = true;
      this.onAbort?.();
    });
    res.on('drain', () => this.onDrain?.());
  }

  sendFrame(frame: string): boolean {
    if (this.ended) return false;
    const text = this.framing.wrap(frame);
    if (this.framing.polling) {
      this.ended = true;
      this.res.end(text);
      return false;
    }
    this.res.write(text);
    this.written += text.length;
    if (this.written < this.responseLimitBytes) return true;
    this.end();
    return false;
  }

  get backlogBytes(): number {
    // A response pipelined behind another has no socket until its turn (its writableLength is then only
    // its own bytes): what the responses ahead of it still hold on the connection reaches the client first.
    const connection = this.res.socket === null ? this.res.req.socket.writableLength : 0;
    return this.res.writableLength + connection;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.res.end();
  }

  /**
   * The connection, also for a response pipelined behind another: `res.socket` is null until its turn,
   * and a session that compared null found a healthy client's next poll on the same connection to be
   * "on another socket", and lost track of the connection a non-reading client's answers wait on.
   */
  get socket(): Duplex {
    return this.res.socket ?? this.res.req.socket;
  }
}

/** The session's WebSocket (`/<server>/<session>/websocket`): one for the session's whole life. */
export class WebSocketReceiver implements Receiver {
  onAbort: (() => void) | undefined;
  onDrain: (() => void) | undefined;
  private ended = false;

  constructor(
    private readonly ws: WebSocket,
    readonly socket: Duplex,
  ) {
    ws.once('close', () => {
      if (this.ended) return;
      this.ended = true;
      this.onAbort?.();
    });
    socket.on('drain', () => this.onDrain?.());
  }

  sendFrame(frame: string): boolean {
    if (this.ended || this.ws.readyState !== this.ws.OPEN) return false;
    this.ws.send(frame);
    return true;
  }

  get backlogBytes(): number {
    return this.ws.bufferedAmount;
  }

  end(code = 1000): void {
    if (this.ended) return;
    this.ended = true;
    // 2010 and 3000-range SockJS codes are fine in the `c` frame; the WebSocket itself needs a valid one.
    this.ws.close(validCloseCode(code) ? code : 1000);
  }
}

const validCloseCode = (code: number): boolean =>
  (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
