import { randomUUID } from 'node:crypto';
import type { Logger } from '../../application';
import type { RoomEvent } from '../../domain';
import { Backoff } from '../shared/backoff';
import { LogThrottle } from './log-throttle';
import type { ManagedPresenceNotifier, PresenceStats } from './managed-presence-notifier';
import type { PresenceTuning } from './presence-config';
import { PresenceConnection } from './presence-connection';
import { encodePresenceLine, toPresenceMessage } from './presence-message';
import type { OutboxEntry, PresenceOutbox } from './presence-outbox';
import { classifyReply } from './reply-classifier';
import { sleep, untilAborted } from '../shared/deadline';

export interface PresenceEndpoint {
  readonly host: string;
  readonly port: number;
}

type Counters = { -readonly [K in Exclude<keyof PresenceStats, 'depth' | 'dropped' | 'connected'>]: number };

/** Share of the shutdown deadline spent delivering; the rest lets a durable outbox persist what is left. */
const DELIVERY_SHARE_OF_SHUTDOWN = 0.8;

/**
 * Sends presence notifications to the presence server over one persistent TCP connection, one message
 * at a time: a message is done only when a reply line arrived for it. That gives at-least-once delivery
 * in the order `notify` was called (so in order per user): after a reply timeout or a broken connection
 * the same message (same `event_id`) is sent again on a new connection, after a capped, jittered
 * backoff. Messages wait in the outbox meanwhile; `notify` only appends, so it never blocks or throws.
 */
export class TcpPresenceNotifier implements ManagedPresenceNotifier {
  private readonly backoff: Backoff;
  private readonly throttle = new LogThrottle(10_000);
  private readonly stopping = new AbortController();
  private readonly counters: Counters = {
    delivered: 0,
    resent: 0,
    replyTimeouts: 0,
    malformedReplies: 0,
    refusedReplies: 0,
    unsolicitedReplies: 0,
    reconnects: 0,
  };
  private connection: PresenceConnection | undefined;
  private everConnected = false;
  private retryPending = false;
  private wakeUp: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private shuttingDown: Promise<void> | undefined;

  constructor(
    private readonly endpoint: PresenceEndpoint,
    private readonly tuning: PresenceTuning,
    private readonly outbox: PresenceOutbox,
    private readonly logger: Logger,
    private readonly newEventId: () => string = randomUUID,
  ) {
    this.backoff = new Backoff(tuning.backoffBaseMs, tuning.backoffMaxMs);
    outbox.onArrival?.(() => this.wakeUp?.());
  }

  /** Opens the outbox and starts sending in the background; returns at once. Notifications queue until then. */
  start(): void {
    if (this.running || this.stopping.signal.aborted) return;
    this.running = this.run().catch((error: unknown) => {
      this.logger.error({ err: error }, 'presence sender stopped unexpectedly; notifications now only queue');
    });
  }

  notify(event: RoomEvent): void {
    try {
      if (this.stopping.signal.aborted) {
        this.warn('afterShutdown', { event }, 'presence notification after shutdown is not sent');
        return;
      }
      this.outbox.append(toPresenceMessage(event, this.newEventId()));
      this.wakeUp?.();
    } catch (error) {
      this.logger.error({ err: error, event }, 'presence notification could not be queued');
    }
  }

  stats(): PresenceStats {
    return { ...this.counters, depth: this.outbox.depth, dropped: this.outbox.dropped, connected: this.connection?.isOpen ?? false };
  }

  async flushDeadNodeOutbox(deadNodeId: string): Promise<number> {
    if (!this.outbox.adopt) return 0;
    return this.outbox.adopt(deadNodeId);
  }

  shutdown(deadlineMs: number): Promise<void> {
    this.shuttingDown ??= this.drainAndStop(deadlineMs);
    return this.shuttingDown;
  }

  private async drainAndStop(deadlineMs: number): Promise<void> {
    const started = Date.now();
    const timeUp = new AbortController();
    const timer = setTimeout(() => timeUp.abort(), Math.floor(deadlineMs * DELIVERY_SHARE_OF_SHUTDOWN));
    while (this.running && this.outbox.depth > 0 && !timeUp.signal.aborted) await sleep(20, timeUp.signal);
    clearTimeout(timer);
    this.stopping.abort();
    this.connection?.close('shutting down');
    this.wakeUp?.();
    await this.running;
    await this.outbox.close(Math.max(0, deadlineMs - (Date.now() - started)));
    const left = this.outbox.depth;
    const fields = { ...this.stats(), elapsedMs: Date.now() - started };
    if (left > 0) {
      const kept = this.outbox.durable ? 'kept in Redis for the next start of this node id, or for another node' : 'lost (memory outbox)';
      this.logger.warn({ ...fields, undelivered: kept }, 'presence notifier stopped with notifications undelivered');
    }
    else this.logger.info(fields, 'presence notifier stopped with everything delivered');
  }

  private async run(): Promise<void> {
    // A durable outbox may wait long for its store; shutdown must not wait for that.
    await Promise.race([this.outbox.open(), untilAborted(this.stopping.signal)]);
    while (!this.stopping.signal.aborted) {
      const entry = this.outbox.head();
      if (!entry) {
        await this.nextWork();
        continue;
      }
      if (await this.deliver(entry)) {
        this.outbox.remove(entry);
        this.counters.delivered += 1;
      }
    }
  }

  private nextWork(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = () => {
        this.wakeUp = undefined;
        resolve();
      };
    });
  }

  /** Sends until a reply comes; false when stopped first or the entry was dropped on overflow meanwhile. */
  private async deliver(entry: OutboxEntry): Promise<boolean> {
    const line = encodePresenceLine(entry.message);
    for (let attempt = 0; !this.stopping.signal.aborted; attempt += 1) {
      const connection = await this.connected();
      if (!connection) return false;
      if (this.outbox.head() !== entry) return false;
      if (attempt > 0) this.counters.resent += 1;
      connection.send(line);
      const acknowledged = await this.awaitReply(connection, entry);
      connection.settle();
      if (acknowledged) {
        if (this.retryPending) this.logger.info({ depth: this.outbox.depth, attempts: this.backoff.attempts }, 'presence server acknowledges again');
        this.retryPending = false;
        this.backoff.reset();
        return true;
      }
      connection.close('no reply');
      this.retryPending = true;
    }
    return false;
  }

  private async awaitReply(connection: PresenceConnection, entry: OutboxEntry): Promise<boolean> {
    const eventId = entry.message.event_id;
    const deadline = Date.now() + this.tuning.replyTimeoutMs;
    for (;;) {
      const outcome = await connection.nextLine(Math.max(1, deadline - Date.now()));
      if (outcome.kind === 'timeout') {
        this.counters.replyTimeouts += 1;
        this.warn('timeout', { eventId, timeoutMs: this.tuning.replyTimeoutMs, depth: this.outbox.depth }, 'presence server did not reply in time; reconnecting to resend');
        return false;
      }
      if (outcome.kind === 'closed') {
        if (!this.stopping.signal.aborted) this.warn('closed', { eventId, reason: outcome.reason }, 'presence connection broke before the reply; resending');
        return false;
      }
      const verdict = classifyReply(outcome.line, eventId);
      switch (verdict.kind) {
        case 'ack':
          return true;
        case 'stale':
          this.counters.unsolicitedReplies += 1;
          this.logger.debug({ eventId, replyFor: verdict.eventId }, 'presence reply for an earlier message ignored');
          continue;
        case 'malformed':
          this.counters.malformedReplies += 1;
          this.warn('malformed', { eventId, why: verdict.why, reply: printable(outcome.line) }, 'malformed presence reply; the message counts as delivered');
          return true;
        case 'refused':
          this.counters.refusedReplies += 1;
          this.warn('refused', { eventId, reply: verdict.text }, 'presence server reported an error for a message; not resent (it would fail again)');
          return true;
      }
    }
  }

  /** The open connection, or a new one after the backoff; undefined once stopping. */
  private async connected(): Promise<PresenceConnection | undefined> {
    const { host, port } = this.endpoint;
    while (!this.stopping.signal.aborted) {
      if (this.connection?.isOpen) return this.connection;
      if (this.retryPending) await sleep(this.backoff.next(), this.stopping.signal);
      if (this.stopping.signal.aborted) return undefined;
      try {
        this.connection = await PresenceConnection.open(host, port, this.tuning.connectTimeoutMs, (line) => this.unsolicited(line));
        if (this.everConnected) this.counters.reconnects += 1;
        this.everConnected = true;
        this.logger.info({ host, port, depth: this.outbox.depth }, 'connected to the presence server');
        if (this.stopping.signal.aborted) this.connection.close('shutting down');
      } catch (error) {
        this.retryPending = true;
        this.warn('connect', { err: error, host, port, attempts: this.backoff.attempts, depth: this.outbox.depth }, 'cannot reach the presence server; notifications wait in the outbox');
      }
    }
    return undefined;
  }

  private unsolicited(line: Buffer): void {
    this.counters.unsolicitedReplies += 1;
    this.warn('unsolicited', { reply: printable(line) }, 'presence reply that answers no waiting message ignored');
  }

  private warn(kind: string, fields: object, message: string): void {
    const suppressed = this.throttle.allow(kind);
    if (suppressed !== undefined) this.logger.warn({ ...fields, suppressedSinceLast: suppressed }, message);
  }
}

/** A log-safe sample of a reply: bounded, control bytes escaped. */
function printable(line: Buffer): string {
  return JSON.stringify(line.subarray(0, 120).toString('latin1'));
}
