import { Cluster, Redis } from 'ioredis';
import { SignalingError } from '../../domain';
import type { Logger } from '../../application';
import type { RedisConnectionSettings } from './redis-settings';

export type RedisClient = Redis | Cluster;

/** Reconnect quickly at first, then once a second: a signaling node has nothing better to do meanwhile. */
const retryDelay = (attempt: number): number => Math.min(attempt * 100, 1_000);

/**
 * One ioredis client (single server or Cluster) shared by the store, the node registry and the placement.
 * Commands never wait for a connection (no offline queue, no retries), and every call has a deadline, so
 * a caller learns within about one command timeout that Redis is gone, as `stateStoreUnavailable`.
 */
export class RedisConnection {
  readonly client: RedisClient;
  private readonly connectedListeners: (() => Promise<void>)[] = [];
  private available = false;
  private closing = false;

  constructor(
    private readonly settings: RedisConnectionSettings,
    private readonly logger: Logger,
  ) {
    this.client = createClient(settings);
    this.client.on('ready', () => this.onReady());
    this.client.on('close', () => this.onLost('connection closed'));
    this.client.on('end', () => this.onLost('connection ended'));
    // ioredis emits 'error' on every failed reconnect attempt; an unlistened 'error' would crash the process.
    this.client.on('error', (error: unknown) => this.onLost(describe(error)));
  }

  get isCluster(): boolean {
    return this.client instanceof Cluster;
  }

  isAvailable(): boolean {
    return this.client.status === 'ready';
  }

  /** Runs after every (re)connection, including the first: the node re-asserts what it holds. */
  onConnected(listener: () => Promise<void>): void {
    this.connectedListeners.push(listener);
  }

  /** Connects, waiting at most `timeoutMs`; keeps retrying in the background if that was not enough. */
  async open(timeoutMs = this.settings.connectTimeoutMs * 2): Promise<boolean> {
    this.client.connect().catch((error: unknown) => this.onLost(describe(error)));
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
   * Runs `work` against Redis with a deadline. Any failure (not connected, timeout, connection lost,
   * server error) becomes `stateStoreUnavailable`: the caller can only retry later either way.
   */
  async call<T>(operation: string, work: (client: RedisClient) => Promise<T>): Promise<T> {
    if (!this.isAvailable()) {
      throw new SignalingError('stateStoreUnavailable', `state store unavailable (${operation}: not connected to Redis)`);
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no reply within ${this.deadlineMs} ms`)),
        this.deadlineMs,
      );
    });
    try {
      return await Promise.race([work(this.client), deadline]);
    } catch (error) {
      if (error instanceof SignalingError) throw error;
      throw new SignalingError('stateStoreUnavailable', `state store unavailable (${operation}: ${describe(error)})`);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.connectedListeners.length = 0;
    if (this.isAvailable()) {
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

  private onReady(): void {
    if (!this.available) this.logger.info({ cluster: this.isCluster }, 'redis connection ready');
    this.available = true;
    for (const listener of this.connectedListeners) {
      listener().catch((error: unknown) =>
        this.logger.warn({ err: error }, 'redis reconnect handler failed; the next heartbeat repairs the state'),
      );
    }
  }

  private onLost(reason: string): void {
    if (!this.available || this.closing) return;
    this.available = false;
    this.logger.warn({ reason }, 'redis connection lost; state store calls fail until it is back');
  }
}

const createClient = (settings: RedisConnectionSettings): RedisClient => {
  const common = {
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: settings.connectTimeoutMs,
    // Fail commands caught by a disconnect at once instead of replaying them later out of order.
    maxRetriesPerRequest: 0,
    lazyConnect: true,
  };
  if (settings.clusterNodes && settings.clusterNodes.length > 0) {
    return new Cluster(
      settings.clusterNodes.map((seed) => ({ host: seed.host, port: seed.port })),
      {
        lazyConnect: true,
        enableOfflineQueue: false,
        clusterRetryStrategy: retryDelay,
        slotsRefreshTimeout: settings.connectTimeoutMs,
        retryDelayOnClusterDown: 100,
        retryDelayOnTryAgain: 100,
        redisOptions: common,
      },
    );
  }
  return new Redis(settings.url ?? 'redis://127.0.0.1:6379', {
    ...common,
    enableOfflineQueue: false,
    retryStrategy: retryDelay,
  });
};

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
