import type { Logger } from '../../application';
import { kmsUnavailable } from './kms-errors';
import { KmsRpcSocket, type KmsEvent, type KmsRequestOptions, type KmsResult } from './kms-rpc-socket';
import type { ResolvedKurentoSettings } from './kurento-settings';
import { reconnectDelay } from './reconnect-backoff';

export type KmsState = 'down' | 'connecting' | 'up' | 'closed';

export interface KmsConnectionEvents {
  onUp(connection: KmsConnection): void;
  /** The connection to a KMS that was up is gone; every object made through it must be presumed lost. */
  onLost(connection: KmsConnection, reason: string): void;
  onEvent(connection: KmsConnection, event: KmsEvent): void;
}

const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * One KMS: keeps a JSON-RPC socket open, notices a loss at once when the socket closes and within
 * `healthIntervalMs × healthFailures` when KMS stops answering pings, and reconnects with backoff. A
 * reconnection always starts a fresh KMS session: a restarted KMS has forgotten every object, and the
 * rooms of the old session have already been given up (see KurentoMediaGateway).
 */
export class KmsConnection {
  private stateValue: KmsState = 'down';
  private socket: KmsRpcSocket | undefined;
  /** Bumped on every successful connection, so that work begun on an older socket can tell. */
  private generationValue = 0;
  private attempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private healthFailures = 0;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly url: string,
    private readonly settings: ResolvedKurentoSettings,
    private readonly logger: Logger,
    private readonly events: KmsConnectionEvents,
  ) {}

  get state(): KmsState {
    return this.stateValue;
  }

  get generation(): number {
    return this.generationValue;
  }

  isUp(): boolean {
    return this.stateValue === 'up';
  }

  start(): void {
    if (this.stateValue === 'down' && this.retryTimer === undefined) void this.connect();
  }

  /** One request with the configured deadline; `mediaServerUnavailable` while not connected. */
  request(method: string, params: Record<string, unknown>, operation: string = method, options: KmsRequestOptions = {}): Promise<KmsResult> {
    if (this.stateValue !== 'up' || !this.socket) return Promise.reject(kmsUnavailable(this.url, 'not connected'));
    return this.socket.request(method, params, this.settings.requestTimeoutMs, operation, options);
  }

  /** Resolves true once connected, false when `timeoutMs` passes first or the connection is closed. */
  waitUntilUp(timeoutMs: number): Promise<boolean> {
    if (this.isUp()) return Promise.resolve(true);
    if (this.stateValue === 'closed' || timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve(this.isUp());
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  close(): void {
    this.stateValue = 'closed';
    clearTimeout(this.retryTimer);
    clearTimeout(this.healthTimer);
    this.retryTimer = undefined;
    this.socket?.close();
    this.socket = undefined;
    this.wakeWaiters();
  }

  private async connect(): Promise<void> {
    this.retryTimer = undefined;
    if (this.stateValue === 'closed') return;
    this.stateValue = 'connecting';
    const socket = new KmsRpcSocket(this.url, {
      onEvent: (event) => {
        if (this.socket === socket) this.events.onEvent(this, event);
      },
      onClosed: (reason) => this.dropped(socket, reason),
    });
    this.socket = socket;
    try {
      await socket.open(this.settings.connectTimeoutMs);
      // KMS's keep-alive handshake: the first ping announces how often we will ping.
      const pong = await socket.request('ping', { interval: this.settings.healthIntervalMs }, this.settings.connectTimeoutMs);
      if (pong.value !== 'pong') throw new Error(`unexpected answer to ping: ${JSON.stringify(pong.value)}`);
    } catch (error) {
      if (this.socket !== socket) return;
      this.logger.warn({ kms: this.url, reason: describeError(error), attempt: this.attempts + 1 }, 'cannot connect to Kurento Media Server');
      socket.close();
      this.socket = undefined;
      if (this.stateValue === 'connecting') this.stateValue = 'down';
      this.scheduleReconnect();
      return;
    }
    if (this.socket !== socket || this.stateValue !== 'connecting') return;
    this.stateValue = 'up';
    this.attempts = 0;
    this.healthFailures = 0;
    this.generationValue += 1;
    this.scheduleHealth();
    this.logger.info({ kms: this.url }, 'connected to Kurento Media Server');
    this.wakeWaiters();
    try {
      this.events.onUp(this);
    } catch (error) {
      this.logger.error({ kms: this.url, err: describeError(error) }, 'handling a KMS connection failed');
    }
  }

  private dropped(socket: KmsRpcSocket, reason: string): void {
    if (this.socket !== socket) return;
    if (this.stateValue !== 'up') return; // a failed attempt is handled by connect()
    this.logger.error({ kms: this.url, reason }, 'lost the connection to Kurento Media Server');
    socket.close();
    this.socket = undefined;
    this.stateValue = 'down';
    clearTimeout(this.healthTimer);
    try {
      this.events.onLost(this, reason);
    } catch (error) {
      this.logger.error({ kms: this.url, err: describeError(error) }, 'handling the loss of a KMS failed');
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stateValue === 'closed') return;
    const delay = reconnectDelay(this.attempts, this.settings.reconnectMinMs, this.settings.reconnectMaxMs);
    this.attempts += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private scheduleHealth(): void {
    clearTimeout(this.healthTimer);
    this.healthTimer = setTimeout(() => void this.probe(), this.settings.healthIntervalMs);
  }

  /** A KMS that hangs while its socket stays open is only noticed by asking it something. */
  private async probe(): Promise<void> {
    const socket = this.socket;
    if (!socket || this.stateValue !== 'up') return;
    try {
      await socket.request('ping', {}, this.settings.healthTimeoutMs);
      this.healthFailures = 0;
    } catch (error) {
      this.healthFailures += 1;
      this.logger.warn({ kms: this.url, failures: this.healthFailures, err: describeError(error) }, 'KMS health check failed');
    }
    if (this.socket !== socket || this.stateValue !== 'up') return;
    if (this.healthFailures >= this.settings.healthFailures) {
      this.dropped(socket, `${this.healthFailures} health checks failed`);
    } else {
      this.scheduleHealth();
    }
  }

  private wakeWaiters(): void {
    for (const w of [...this.waiters]) w();
  }
}
