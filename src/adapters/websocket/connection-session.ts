import { isSignalingError, SignalingError } from '../../domain';
import type { LeaveRoom, Logger, RequestId } from '../../application';
import type { ClientConnection } from './client-connection';
import type { ConnectionHub } from './connection-hub';
import { IceCandidateBudget } from './ice-candidate-budget';
import { NEVER_OVERLOADED, type LoopLoad } from './loop-load-gauge';
import type { MessageDispatcher } from './message-dispatcher';
import { parseInbound } from './message-parser';
import { DEFAULT_SESSION_LIMITS, type SessionLimits } from './session-limits';
import { TokenBucket } from '../shared/token-bucket';

export type { SessionLimits } from './session-limits';

/** A ping is `{"id":"ping","requestId":...}`: anything longer goes the usual way, in turn. */
const MAX_PING_CHARS = 256;
/** Messages one drain loop handles past which its emptied inbox is replaced (see drain()). */
const BURST_WORTH_A_NEW_INBOX = 16;

/** Opens the session of a new connection; both transports take one, so both behave the same. */
export type OpenSession = (connection: ClientConnection) => ConnectionSession;

/**
 * One client connection's conversation. Messages are handled one at a time in arrival order, so that a
 * `joinRoom` is done before the offer sent right after it is looked at.
 */
export class ConnectionSession {
  /** Messages received and not yet handled; `draining` while a loop works through them. */
  private inbox: string[] = [];
  /** Characters in `inbox`. */
  private queuedChars = 0;
  private draining = false;
  /** Settles when the current drain loop has handled everything: what a closing connection waits for. */
  private drained: Promise<void> = Promise.resolve();
  private closed = false;
  private released: Promise<void> | undefined;
  /** Set once the session gave up on the client (flooding); what it still sends is ignored. */
  private refusing = false;
  private readonly messages: TokenBucket;
  private readonly strikes: TokenBucket;
  private readonly joins: TokenBucket;
  private readonly iceBudget: IceCandidateBudget;

  constructor(
    private readonly connection: ClientConnection,
    private readonly hub: ConnectionHub,
    private readonly dispatcher: MessageDispatcher,
    private readonly leaveRoom: LeaveRoom,
    private readonly logger: Logger,
    private readonly limits: SessionLimits,
    private readonly loopLoad: LoopLoad = NEVER_OVERLOADED,
  ) {
    const rate = limits.messagesPerSecond ?? DEFAULT_SESSION_LIMITS.messagesPerSecond;
    this.messages = new TokenBucket(rate, limits.messageBurst ?? Math.max(DEFAULT_SESSION_LIMITS.messageBurst, rate));
    this.strikes = new TokenBucket(1, limits.maxRateLimitStrikes ?? DEFAULT_SESSION_LIMITS.maxRateLimitStrikes);
    const joins = limits.joinsPerMinute ?? DEFAULT_SESSION_LIMITS.joinsPerMinute;
    this.joins = new TokenBucket(joins / 60, joins);
    this.iceBudget = new IceCandidateBudget(limits.iceCandidatesPerLink ?? DEFAULT_SESSION_LIMITS.iceCandidatesPerLink, limits.roomCapacity);
    hub.add(connection);
  }

  receive(text: string): void {
    if (this.closed || this.refusing) return;
    if (!this.messages.take()) {
      this.rateLimited();
      return;
    }
    // A heartbeat says whether the connection lives, so it is answered at once, ahead of requests still
    // waiting here: behind a publish that waits on a slow media server it would read as a dead server.
    if (this.inbox.length > 0 && this.answeredPing(text)) return;
    if (this.inbox.length >= this.limits.maxQueuedMessages) {
      this.giveUp(`more than ${this.limits.maxQueuedMessages} messages waiting`);
      return;
    }
    const maxQueuedBytes = this.limits.maxQueuedBytes ?? DEFAULT_SESSION_LIMITS.maxQueuedBytes;
    if (this.inbox.length > 0 && this.queuedChars + text.length > maxQueuedBytes) {
      this.giveUp(`more than ${maxQueuedBytes} bytes of messages waiting`);
      return;
    }
    this.queuedChars += text.length;
    this.inbox.push(text);
    if (!this.draining) this.drained = this.drain();
  }

  /**
   * One loop per burst rather than a promise chain link per message: a relayed candidate is the most
   * frequent message, and three promises per message showed in the relay profile. The first message of a
   * burst is handled at once, the rest in arrival order as each finishes.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    let handled = 0;
    try {
      for (let text = this.inbox.shift(); text !== undefined; text = this.inbox.shift()) {
        handled += 1;
        this.queuedChars -= text.length;
        try {
          await this.handle(text);
        } catch (error) {
          // handle() answers every failure itself; this is a bug, logged, and the next message still runs.
          this.logger.error({ err: error, connectionId: this.connection.id }, 'answering a request failed');
        }
      }
    } finally {
      this.draining = false;
      // An array emptied by shift() can keep the capacity its burst grew it to: a joiner in a full-mesh room
      // of 10 queues its whole negotiation, and the empty inbox then held ~700 bytes per participant for
      // good (heap snapshot, issue 20). Past a burst a fresh one costs less than what the old one keeps.
      if (handled > BURST_WORTH_A_NEW_INBOX && this.inbox.length === 0) this.inbox = [];
    }
  }

  /** Over the message rate: this message is dropped with an error; too many drops close the connection. */
  private rateLimited(): void {
    if (!this.strikes.take()) {
      this.giveUp('kept sending above the message rate limit');
      return;
    }
    const limit = this.limits.messagesPerSecond ?? DEFAULT_SESSION_LIMITS.messagesPerSecond;
    this.hub.send(this.connection.id, {
      type: 'error',
      code: 'rateLimited',
      message: `more than ${limit} messages per second; this message was dropped`,
      details: { limit },
    });
  }

  private giveUp(reason: string): void {
    this.refusing = true;
    this.logger.warn({ connectionId: this.connection.id, remote: this.connection.remoteAddress, reason }, 'client floods; disconnecting');
    this.hub.disconnect(this.connection.id, 'rateLimited', reason);
  }

  /** The member was told `userId` left: its links to that peer are gone, and their ICE counts with them. */
  peerLeft(userId: string): void {
    this.iceBudget.forget(userId);
  }

  /**
   * The transport closed, or gave up on the client; whatever the client held is freed after its queued
   * messages. Called again (the socket closing after a cut-off), it returns the same promise.
   */
  closedByTransport(): Promise<void> {
    if (this.released) return this.released;
    this.closed = true;
    const mayHoldSeat = this.hub.mayHoldSeat(this.connection.id, this.connection.remoteAddress);
    this.hub.remove(this.connection.id);
    this.inbox.length = 0;
    this.queuedChars = 0;
    this.released = this.drained.then(() =>
      this.leaveRoom
        .connectionLost(this.connection.id, { mayHoldSeat })
        .then((held) => {
          if (held) this.hub.seatHeld(this.connection.remoteAddress);
        })
        .catch((error: unknown) => this.logger.error({ err: error, connectionId: this.connection.id }, 'freeing a dropped connection failed')),
    );
    return this.released;
  }

  /** The transport found the client's backlog stuck (not drained for two ping intervals). */
  stalled(): void {
    this.hub.cutOff(this.connection.id, 'its backlog did not drain for two ping intervals');
  }

  private answeredPing(text: string): boolean {
    if (text.length > MAX_PING_CHARS || !text.includes('"ping"')) return false;
    const parsed = parseInbound(text, this.limits.maxMessageBytes);
    if (!parsed.ok || parsed.message.id !== 'ping') return false;
    this.hub.received('ping');
    const { requestId } = parsed.message;
    if (requestId !== undefined) this.hub.send(this.connection.id, { type: 'ack', requestId });
    return true;
  }

  private async handle(text: string): Promise<void> {
    if (this.closed || this.refusing) return;
    let requestId: RequestId | undefined;
    let joining: string | undefined;
    try {
      const parsed = parseInbound(text, this.limits.maxMessageBytes);
      if (!parsed.ok) {
        this.reject(parsed.error, parsed.requestId);
        return;
      }
      const message = parsed.message;
      requestId = message.requestId;
      if (message.id === 'joinRoom') joining = message.roomId;
      this.hub.received(message.id);
      // Before the join allowance: a join the node sheds must not use up the client's joins per minute.
      // Resumes are let in: they are members coming back, and refusing them would empty rooms.
      const overloadedBy = message.id === 'joinRoom' ? this.loopLoad.overloadedBy : 0;
      if (overloadedBy > 0) {
        this.loopLoad.shed(overloadedBy);
        const windowMs = this.loopLoad.windowMs;
        // Spread, so that the clients refused together do not all come back together.
        const retryAfterMs = windowMs + Math.floor(Math.random() * windowMs * 2);
        this.reject(
          new SignalingError('nodeFull', `this node is overloaded (its event loop stalled ${overloadedBy} ms); try again in ${retryAfterMs} ms`, {
            reason: 'overloaded',
            retryAfterMs,
          }),
          requestId,
        );
        return;
      }
      // A resume costs what a join costs (a store read, perhaps a room taken over): the same budget.
      const entering = message.id === 'joinRoom' || message.id === 'resumeSession';
      if (entering && !this.joins.take()) {
        const limit = this.limits.joinsPerMinute ?? DEFAULT_SESSION_LIMITS.joinsPerMinute;
        this.reject(new SignalingError('rateLimited', `more than ${limit} joinRoom${message.id === 'resumeSession' ? ' or resumeSession' : ''} per minute`, { limit }), requestId);
        return;
      }
      if (entering || message.id === 'leaveRoom') this.iceBudget.renewAll();
      await this.dispatcher.dispatch(this.connection.id, message, this.iceBudget);
    } catch (error) {
      if (isSignalingError(error)) {
        // The seed's clients know a full room by `limitJoinAnswer`; the typed error follows it.
        if (error.code === 'roomFull' && joining !== undefined) {
          this.hub.send(this.connection.id, { type: 'roomFull', roomId: joining, ...(requestId !== undefined ? { requestId } : {}) });
        }
        this.reject(error, requestId);
      } else {
        this.logger.error({ err: error, connectionId: this.connection.id }, 'request failed');
        this.hub.send(this.connection.id, {
          type: 'error',
          code: 'internalError',
          message: 'the server failed to handle this request',
          ...(requestId !== undefined ? { requestId } : {}),
        });
      }
    }
  }

  private reject(error: SignalingError, requestId: RequestId | undefined): void {
    this.logger.debug({ connectionId: this.connection.id, code: error.code, reason: error.message }, 'request rejected');
    this.hub.send(this.connection.id, {
      type: 'error',
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
      ...(requestId !== undefined ? { requestId } : {}),
    });
  }
}

