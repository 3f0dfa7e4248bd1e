import { Cluster } from 'ioredis';
import { withDeadline } from '../deadline';
import { createRedisClient, type RedisClient, type RedisConnectionSettings } from './redis-client';

/** What the connection logs through; the core's Logger port has this shape. */
export interface ConnectionLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** A call refused or failed because Redis cannot be reached or cannot answer now: retry later. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

export interface RedisConnectionOptions {
  readonly now?: () => number;
  /** The error a caller sees when Redis cannot serve a call, from `operation: reason` (default `RedisUnavailableError`). */
  readonly unavailable?: (message: string) => Error;
  /** Errors the work throws on purpose (a refusal decided from a reply), passed through untouched. */
  readonly passThrough?: (error: unknown) => boolean;
}

/** Replies meaning the server cannot serve right now, as opposed to a refusal of this command. */
const UNAVAILABLE_REPLY = /^(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|BUSY|READONLY)\b/;

const isReplyError = (error: unknown): boolean => error instanceof Error && error.name === 'ReplyError';

/** A failure that says nothing about this command but that Redis cannot be reached or cannot answer. */
const meansUnavailable = (error: unknown): boolean =>
  !isReplyError(error) || (error instanceof Error && UNAVAILABLE_REPLY.test(error.message));

/**
 * One ioredis client (single server or Cluster) shared by the store, the node registry, the placement and
 * the presence outbox: the one way adapters reach Redis. Commands never wait for a connection (no offline
 * queue, no retries), and every call has a deadline.
 *
 * A frozen Redis keeps its TCP connection open, so ioredis stays "ready" while every command times out.
 * After the first call that fails that way the connection counts as unavailable: later calls fail at once
 * as unavailable (a join is refused in microseconds, not after a deadline; the outbox backs off at once) until a PING
 * answers again within the command timeout. The same PING probes a healthy connection every command
 * timeout, so readiness turns false within about two timeouts of Redis stopping to answer, even with no
 * traffic.
 */
export class RedisConnection {
  readonly client: RedisClient;
  private readonly connectedListeners: (() => Promise<void>)[] = [];
  /** Connected, and the last probe or call did not find Redis unresponsive. */
  private healthy = false;
  private closing = false;
  private lastTroubleAt = Number.NEGATIVE_INFINITY;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private readonly now: () => number;
  private readonly unavailable: (message: string) => Error;
  private readonly passThrough: (error: unknown) => boolean;

  constructor(
    private readonly settings: RedisConnectionSettings,
    private readonly logger: ConnectionLogger,
    options: RedisConnectionOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.unavailable = options.unavailable ?? ((message) => new RedisUnavailableError(message));
    this.passThrough = options.passThrough ?? (() => false);
    this.client = createRedisClient(settings);
    this.client.on('ready', () => this.onReady());
    this.client.on('close', () => this.trouble('connection closed'));
    this.client.on('end', () => this.trouble('connection ended'));
    // ioredis emits 'error' on every failed reconnect attempt; an unlistened 'error' would crash the process.
    this.client.on('error', (error: unknown) => this.trouble(describe(error)));
  }

  get isCluster(): boolean {
    return this.client instanceof Cluster;
  }

  isAvailable(): boolean {
    return this.healthy && this.client.status === 'ready';
  }

  /**
   * Whether Redis failed this node within the last `ms` (a timeout, a lost connection). A node that could
   * not reach Redis must not declare others dead from what it reads right after: their heartbeats may
   * have failed for the same reason, and they had no chance to renew yet.
   */
  troubledWithin(ms: number): boolean {
    return this.now() - this.lastTroubleAt < ms;
  }

  /** Runs after every (re)connection, including the first: the node re-asserts what it holds. */
  onConnected(listener: () => Promise<void>): void {
    this.connectedListeners.push(listener);
  }

  /** Connects, waiting at most `timeoutMs`; keeps retrying in the background if that was not enough. */
  async open(timeoutMs = this.settings.connectTimeoutMs * 2): Promise<boolean> {
    this.client.connect().catch((error: unknown) => this.trouble(describe(error)));
    this.scheduleProbe();
    return this.waitUntilAvailable(timeoutMs);
  }

  async waitUntilAvailable(timeoutMs: number): Promise<boolean> {
    if (this.isAvailable()) return true;
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = (): void => done(true);
      const timer = setTimeout(() => done(this.isAvailable()), timeoutMs);
      this.client.on('ready', onReady);
    });
  }

  /**
   * Runs `work` against Redis with a deadline (`deadlineMs`, else the connection's). Any failure (not
   * connected, timeout, connection lost, server error) becomes the `unavailable` error: the caller can
   * only retry later either way. `work` is not called at all while Redis is known not to answer.
   */
  async call<T>(operation: string, work: (client: RedisClient) => Promise<T>, deadlineMs = this.deadlineMs): Promise<T> {
    if (!this.isAvailable()) {
      throw this.unavailable(`${operation}: Redis is not answering`);
    }
    try {
      return await this.withDeadline(work(this.client), deadlineMs);
    } catch (error) {
      if (this.passThrough(error)) throw error;
      if (meansUnavailable(error)) this.trouble(`${operation}: ${describe(error)}`);
      throw this.unavailable(`${operation}: ${describe(error)}`);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.connectedListeners.length = 0;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    if (this.client.status === 'ready') {
      const quit = this.client.quit().catch(() => undefined);
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, this.settings.commandTimeoutMs).unref());
      await Promise.race([quit, timeout]);
    }
    // Also stops the reconnect timer when the server was down. After a QUIT that went through the
    // socket is already closed; disconnecting again would arm a timer that waits for a close that came.
    if (this.client.status !== 'end') this.client.disconnect();
  }

  /** The command timeout bounds each command; the margin covers a NOSCRIPT retry after a Redis restart. */
  private get deadlineMs(): number {
    return this.settings.commandTimeoutMs * 2 + 100;
  }

  private withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
    return withDeadline(work, ms, () => new Error(`no reply within ${ms} ms`));
  }

  /** PING every command timeout while healthy, every tenth of it while not. */
  private scheduleProbe(): void {
    if (this.closing) return;
    const every = this.healthy ? this.settings.commandTimeoutMs : Math.max(20, Math.min(this.settings.commandTimeoutMs / 10, 200));
    this.probeTimer = setTimeout(() => void this.probe().finally(() => this.scheduleProbe()), every);
    this.probeTimer.unref();
  }

  private async probe(): Promise<void> {
    if (this.probing || this.closing || this.client.status !== 'ready') return;
    this.probing = true;
    try {
      await this.withDeadline(this.pingAll(), this.settings.commandTimeoutMs);
      if (!this.healthy && !this.closing && this.client.status === 'ready') {
        this.healthy = true;
        this.logger.info({ cluster: this.isCluster }, 'redis answers again');
      }
    } catch (error) {
      this.trouble(`ping: ${describe(error)}`);
    } finally {
      this.probing = false;
    }
  }

  /** On a cluster every master must answer: a frozen one fails the keys of its slots. */
  private async pingAll(): Promise<void> {
    if (this.client instanceof Cluster) {
      const masters = this.client.nodes('master');
      if (masters.length === 0) throw new Error('no cluster master known');
      await Promise.all(masters.map((node) => node.ping()));
      return;
    }
    await this.client.ping();
  }

  private onReady(): void {
    if (!this.healthy) this.logger.info({ cluster: this.isCluster }, 'redis connection ready');
    this.healthy = true;
    for (const listener of this.connectedListeners) {
      listener().catch((error: unknown) =>
        this.logger.warn({ err: error }, 'redis reconnect handler failed; the next heartbeat repairs the state'),
      );
    }
  }

  private trouble(reason: string): void {
    if (this.closing) return;
    this.lastTroubleAt = this.now();
    if (!this.healthy) return;
    this.healthy = false;
    this.logger.warn({ reason }, 'redis is not answering; state store calls fail at once until a PING succeeds');
    // Probe soon rather than after a full healthy interval.
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.scheduleProbe();
  }
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
