import { StallWatch } from '../stall-watch';
import { closeFrame, HEARTBEAT_FRAME, messageFrame, OPEN_FRAME } from './frames';
import type { Receiver } from './receivers';

export interface SessionListener {
  /** A message from the client. */
  message(text: string): void;
  /** The session ended, whoever ended it; called once. */
  closed(): void;
}

export interface SessionTiming {
  /** A session with no receiver for this long is closed; a closed one is forgotten this long after. */
  readonly disconnectDelayMs: number;
  /** How long a closing socket may take to take its last frames before it is destroyed. */
  readonly closeGraceMs: number;
}

type State = 'connecting' | 'open' | 'closed';

/**
 * One SockJS session: frames for the client wait in `queue` while no receiver is attached (between two
 * polls, or two streaming requests), and go out at once while one is. The backlog the session holds for
 * the client is that queue, plus what its receiver has not sent, plus what the previous receiver (its
 * response, its socket) still holds: all three are counted, so a client that stops reading or polling, or
 * opens a new request without reading the last answer, cannot make the node hold unbounded memory.
 */
export class SockJsSession {
  private state: State = 'connecting';
  private readonly queue: string[] = [];
  /** Characters waiting in `queue`; a queued string takes one or two bytes per character in memory. */
  private queueChars = 0;
  private receiver: Receiver | undefined;
  /**
   * The last receiver that ended, while it may still hold bytes the client did not read. The receiver, not
   * only its socket: a poll pipelined behind a stream the client does not read holds its answer in its
   * response, not in the socket, and that answer counts as unread too.
   */
  private flushing: Receiver | null = null;
  private closing: string | undefined;
  private closeCode = 1000;
  private disconnectTimer: NodeJS.Timeout | undefined;
  private listener: SessionListener | undefined;
  /** Set by refuse(): once the close frame is handed to a receiver, nothing is kept to repeat it. */
  private forgetWhenAnswered = false;
  readonly stall = new StallWatch();

  constructor(
    readonly id: string,
    readonly remoteAddress: string,
    readonly viaWebSocket: boolean,
    private readonly timing: SessionTiming,
    /** Called when the session opens (its first receiver got the open frame). */
    private readonly opened: (session: SockJsSession) => void,
    /** Called when the session can be forgotten. */
    private readonly forget: (session: SockJsSession) => void,
    /** Called once when the session closes: from then on it is kept only to repeat its close frame. */
    private readonly onClose: (session: SockJsSession) => void = () => undefined,
  ) {}

  /** A session that closed before it was listened to (its WebSocket gone while it opened) says so at once. */
  listen(listener: SessionListener): void {
    this.listener = listener;
    if (this.state === 'closed') listener.closed();
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  get backlogBytes(): number {
    let bytes = this.queueChars + (this.receiver?.backlogBytes ?? 0);
    const flushing = this.flushing;
    if (flushing !== null) {
      const held = flushing.backlogBytes;
      if (flushing.socket === null || flushing.socket.destroyed || held === 0) this.flushing = null;
      else bytes += held;
    }
    return bytes;
  }

  /** A receiving request (or the session's WebSocket) arrived. */
  attach(receiver: Receiver): void {
    if (this.receiver !== undefined) {
      receiver.sendFrame(closeFrame(2010, 'Another connection still open'));
      receiver.end();
      return;
    }
    if (this.closing !== undefined) {
      // The final messages (a refusal, a slow-consumer error) first, then the close frame, again and again.
      const answered = this.handOver(receiver);
      receiver.end(this.closeCode);
      if (answered && this.forgetWhenAnswered) this.forgetNow();
      return;
    }
    if (this.flushing !== null && this.flushing.socket !== receiver.socket && this.backlogBytes > this.queueChars) {
      // A client that reads asks again only after it read the last answer; this one did not.
      this.closeForGood(1002, 'previous response not read');
      receiver.sendFrame(this.closing!);
      receiver.end(this.closeCode);
      return;
    }
    this.flushing = null;
    this.clearDisconnectTimer();
    this.receiver = receiver;
    receiver.onAbort = () => this.receiverAborted(receiver);
    receiver.onDrain = () => this.stall.drained();
    if (this.state === 'connecting') {
      this.state = 'open';
      if (!receiver.sendFrame(OPEN_FRAME)) this.receiverEnded(receiver);
      this.opened(this);
      return;
    }
    this.flush();
  }

  /** A message for the client. */
  send(text: string): void {
    if (this.state !== 'open' || this.closing !== undefined) return;
    this.queue.push(text);
    this.queueChars += text.length;
    this.flush();
  }

  /** Messages from the client; ignored once the session is closing. */
  deliver(messages: readonly string[]): void {
    for (const text of messages) {
      if (this.state !== 'open' || this.closing !== undefined) return;
      this.listener?.message(text);
    }
  }

  /** Closes the session: what is queued and a `c` frame go to the current receiver, or to the next request. */
  close(code: number, reason: string): void {
    if (this.closing !== undefined) return;
    this.closeForGood(code, reason);
    const receiver = this.receiver;
    let answered = false;
    if (receiver !== undefined) {
      this.receiver = undefined;
      answered = this.handOver(receiver);
      receiver.end(code);
      this.flushing = receiver;
    }
    if (answered && this.forgetWhenAnswered) this.forgetNow();
    else this.startDisconnectTimer();
  }

  /**
   * Closes a session refused as it opened (the address holds too many): `lastWords` and the close frame
   * go out as with close(), and the session is forgotten as soon as the close frame is handed to a
   * receiver, not kept for the disconnect delay to repeat it. A refusal must cost the node nothing past
   * its answer: kept, each refused session held memory for 5 s, and one address made the node hold
   * 19,000 of them in 8 s. sockjs-client never asks again after a close frame; a raw client that does
   * opens a new session, refused in turn. A polling client gets the close frame only on its second poll
   * after the open one, so until then the session is kept, among the closed sessions the server bounds
   * per address.
   */
  refuse(lastWords: string, code: number, reason: string): void {
    if (this.closing !== undefined) return;
    this.forgetWhenAnswered = true;
    this.send(lastWords);
    this.close(code, reason);
  }

  /**
   * Gives up on a client that does not read: what waits in the queue is dropped for `lastWords`, the
   * session is closed, and sockets still holding bytes for the client are destroyed after the grace.
   */
  abandon(lastWords: string, code: number, reason: string): void {
    if (this.closing !== undefined) return;
    this.queue.length = 0;
    this.queue.push(lastWords);
    this.queueChars = lastWords.length;
    const sockets = [this.receiver?.socket, this.flushing?.socket];
    this.close(code, reason);
    for (const socket of sockets) {
      if (socket) setTimeout(() => socket.destroy(), this.timing.closeGraceMs).unref();
    }
  }

  /** Heartbeat: an `h` frame to the current receiver (it answers and ends a waiting poll). */
  heartbeat(): void {
    const receiver = this.receiver;
    if (receiver === undefined || this.closing !== undefined) return;
    if (!receiver.sendFrame(HEARTBEAT_FRAME)) this.receiverEnded(receiver);
  }

  /**
   * The node stops, or the session's WebSocket closed: timers go, and the session is forgotten at once.
   * One still open is closed first, so its connection hears of it: a WebSocket found closing by a send
   * (its client's close frame in, the socket not yet closed) had ended the receiver the normal way, the
   * close then found no receiver to abort, and the member stayed in its room for good.
   */
  dispose(): void {
    this.closeForGood(1002, 'Connection interrupted');
    this.clearDisconnectTimer();
    this.forget(this);
  }

  private flush(): void {
    const receiver = this.receiver;
    if (receiver === undefined || this.queue.length === 0) return;
    if (!this.sendQueue(receiver)) this.receiverEnded(receiver);
  }

  /** What is queued, then the close frame when the receiver is still there for it; true once the close frame went. */
  private handOver(receiver: Receiver): boolean {
    if (this.queue.length > 0 && !this.sendQueue(receiver)) return false;
    receiver.sendFrame(this.closing!);
    return true;
  }

  private forgetNow(): void {
    this.clearDisconnectTimer();
    this.forget(this);
  }

  /** Hands the queue to `receiver` as one frame; false when that ended the receiver. */
  private sendQueue(receiver: Receiver): boolean {
    const frame = messageFrame(this.queue);
    this.queue.length = 0;
    this.queueChars = 0;
    this.stall.drained();
    return receiver.sendFrame(frame);
  }

  /** The receiver finished normally (a poll answered, a stream at its limit): wait for the next one. */
  private receiverEnded(receiver: Receiver): void {
    // A session has one WebSocket for its whole life: one that can no longer send is closing.
    if (this.viaWebSocket) return this.receiverAborted(receiver);
    if (this.receiver !== receiver) return;
    this.receiver = undefined;
    this.flushing = receiver;
    this.startDisconnectTimer();
  }

  /** The client dropped the request (or the WebSocket) before it ended: the session is over. */
  private receiverAborted(receiver: Receiver): void {
    if (this.receiver !== receiver) return;
    this.receiver = undefined;
    this.closeForGood(1002, 'Connection interrupted');
    this.startDisconnectTimer();
  }

  private closeForGood(code: number, reason: string): void {
    if (this.closing !== undefined) return;
    this.closing = closeFrame(code, reason);
    this.closeCode = code;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    if (wasOpen) this.listener?.closed();
    this.onClose(this);
  }

  private startDisconnectTimer(): void {
    this.clearDisconnectTimer();
    this.disconnectTimer = setTimeout(() => {
      this.disconnectTimer = undefined;
      // No receiver came back in time: the client is gone. A closed session is then forgotten.
      if (this.closing === undefined) this.closeForGood(1002, 'Connection interrupted');
      this.forget(this);
    }, this.timing.disconnectDelayMs);
    this.disconnectTimer.unref();
  }

  private clearDisconnectTimer(): void {
    if (this.disconnectTimer === undefined) return;
    clearTimeout(this.disconnectTimer);
    this.disconnectTimer = undefined;
  }
}
