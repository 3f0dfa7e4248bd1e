import { isSignalingError, SignalingError } from '../../domain';
import type { LeaveRoom, Logger, RequestId } from '../../application';
import type { ClientConnection } from './client-connection';
import type { ConnectionHub } from './connection-hub';
import { IceCandidateBudget } from './ice-candidate-budget';
import { NEVER_OVERLOADED, type LoopLoad } from './loop-load-gauge';
import type { MessageDispatcher } from './message-dispatcher';
import { parseInbound } from './message-parser';
import { DEFAULT_SESSION_LIMITS, type SessionLimits } from './session-limits';
import { TokenRate } from '../shared/token-bucket';

export type { SessionLimits } from './session-limits';

/** A ping is `{"id":"ping","requestId":...}`: anything longer goes the usual way, in turn. */
const MAX_PING_CHARS = 256;

/** What every session of a node checks a client against; made once per limits, not per session. */
class SessionRates {
  readonly messages: TokenRate;
  readonly strikes: TokenRate;
  readonly joins: TokenRate;

  constructor(limits: SessionLimits) {
    const rate = limits.messagesPerSecond ?? DEFAULT_SESSION_LIMITS.messagesPerSecond;
    this.messages = new TokenRate(rate, limits.messageBurst ?? Math.max(DEFAULT_SESSION_LIMITS.messageBurst, rate));
    this.strikes = new TokenRate(1, limits.maxRateLimitStrikes ?? DEFAULT_SESSION_LIMITS.maxRateLimitStrikes);
    // Its burst is the joins per minute, which its refusals name.
    const joins = limits.joinsPerMinute ?? DEFAULT_SESSION_LIMITS.joinsPerMinute;
    this.joins = new TokenRate(joins / 60, joins);
  }
}

const ratesByLimits = new WeakMap<SessionLimits, SessionRates>();
const ratesFor = (limits: SessionLimits): SessionRates => {
  let rates = ratesByLimits.get(limits);
  if (!rates) {
    rates = new SessionRates(limits);
    ratesByLimits.set(limits, rates);
  }
  return rates;
};

/** A settled promise every idle session shares as its `drained`: one per session cost 48 bytes each. */
const SETTLED: Promise<void> = Promise.resolve();

/** Opens the session of a new connection; both transports take one, so both behave the same. */
export type OpenSession = (connection: ClientConnection) => ConnectionSession;

/**
 * One client connection's conversation. Messages are handled one at a time in arrival order, so that a
 * `joinRoom` is done before the offer sent right after it is looked at.
 */
export class ConnectionSession {
  /**
   * Messages received while a drain loop works and not yet handled. Made for a burst and dropped after
   * it: kept, an array emptied by shift() holds the capacity its burst grew it to, and a joiner in a
   * full-mesh room of 10 queues its whole negotiation (about 700 bytes per participant, heap snapshot,
   * issue 20); a message arriving alone never waits and needs none.
   */
  private inbox: string[] | undefined;
  /** Characters in `inbox`. */
  private queuedChars = 0;
  private draining = false;
  /** Settles when the current drain loop has handled everything: what a closing connection waits for. */
  private drained: Promise<void> = SETTLED;
  private closed = false;
  private released: Promise<void> | undefined;
  /** Set once the session gave up on the client (flooding); what it still sends is ignored. */
  private refusing = false;
  private readonly rates: SessionRates;
  /** The three token buckets' states (see TokenRate). */
  private messages = TokenRate.FULL;
  private strikes = TokenRate.FULL;
  private joins = TokenRate.FULL;
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
    this.rates = ratesFor(limits);
    this.iceBudget = new IceCandidateBudget(limits.iceCandidatesPerLink ?? DEFAULT_SESSION_LIMITS.iceCandidatesPerLink, limits.roomCapacity);
    hub.add(connection);
  }

  receive(text: string): void {
    if (this.closed || this.refusing) return;
    const messages = this.rates.messages.take(this.messages);
    if (Number.isNaN(messages)) {
      this.rateLimited();
      return;
    }
    this.messages = messages;
    if (!this.draining) {
      this.drained = this.drain(text);
      return;
    }
    // A heartbeat says whether the connection lives, so it is answered at once, ahead of requests still
    // waiting here: behind a publish that waits on a slow media server it would read as a dead server.
    if (this.inbox !== undefined && this.inbox.length > 0 && this.answeredPing(text)) return;
    const inbox = (this.inbox ??= []);
    if (inbox.length >= this.limits.maxQueuedMessages) {
      this.giveUp(`more than ${this.limits.maxQueuedMessages} messages waiting`);
      return;
    }
    const maxQueuedBytes = this.limits.maxQueuedBytes ?? DEFAULT_SESSION_LIMITS.maxQueuedBytes;
    if (inbox.length > 0 && this.queuedChars + text.length > maxQueuedBytes) {
      this.giveUp(`more than ${maxQueuedBytes} bytes of messages waiting`);
      return;
    }
    this.queuedChars += text.length;
    inbox.push(text);
  }

  /**
   * One loop per burst rather than a promise chain link per message: a relayed candidate is the most
   * frequent message, and three promises per message showed in the relay profile. The first message of a
   * burst is handled at once, the rest in arrival order as each finishes.
   */
  private async drain(first: string): Promise<void> {
    this.draining = true;
    try {
      let text: string | undefined = first;
      while (text !== undefined) {
        try {
          await this.handle(text);
        } catch (error) {
          // handle() answers every failure itself; this is a bug, logged, and the next message still runs.
          this.logger.error({ err: error, connectionId: this.connection.id }, 'answering a request failed');
        }
        text = this.inbox?.shift();
        if (text !== undefined) this.queuedChars -= text.length;
      }
    } finally {
      this.draining = false;
      this.inbox = undefined;
      // Runs after the caller stored this loop's promise (handle() always awaits first): the settled
      // promise every idle session shares takes its place.
      this.drained = SETTLED;
    }
  }

  /** Over the message rate: this message is dropped with an error; too many drops close the connection. */
  private rateLimited(): void {
    const strikes = this.rates.strikes.take(this.strikes);
    if (Number.isNaN(strikes)) {
      this.giveUp('kept sending above the message rate limit');
      return;
    }
    this.strikes = strikes;
    const limit = this.rates.messages.ratePerSecond;
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
    if (this.inbox) this.inbox.length = 0;
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
      const joins = entering ? this.rates.joins.take(this.joins) : this.joins;
      if (Number.isNaN(joins)) {
        const limit = this.rates.joins.burst;
        this.reject(new SignalingError('rateLimited', `more than ${limit} joinRoom${message.id === 'resumeSession' ? ' or resumeSession' : ''} per minute`, { limit }), requestId);
        return;
      }
      this.joins = joins;
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

