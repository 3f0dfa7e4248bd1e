import Janode, { type JanodeConnection, type JanodeSession } from 'janode';
import VideoRoomPlugin, { type VideoRoomHandle } from 'janode/plugins/videoroom';
import { SignalingError } from '../../domain';
import type { Logger } from '../../application';
import type { JanusSettings } from './janus-settings';
import { reconnectDelay } from '../shared/backoff';
import { withTimeout } from './janus-timeout';
import { toSignalingError } from './janus-errors';
import { TypedEvents } from '../shared/typed-events';

/** One live Janus API session; a new one (next generation) after every loss. */
export interface JanusLink {
  readonly generation: number;
  readonly session: JanodeSession;
  /** A VideoRoom handle of the gateway's own, for room management (create, destroy). */
  readonly manager: VideoRoomHandle;
}

type LostListener = (reason: string, generation: number) => void;
type UpListener = (link: JanusLink) => void;

const ignore = (): void => undefined;

/**
 * Keeps one connection and one Janus session open: connects at start, notices loss (the WebSocket
 * closing, janode's ping or session keepalive failing, Janus timing the session out), tells listeners,
 * and reconnects with capped exponential backoff until stopped. janode sends the session keepalives
 * (every `keepaliveSecs`) and WebSocket pings itself; its own reconnect is turned off so this class
 * alone decides when to retry.
 */
export class JanusConnection {
  private link: JanusLink | undefined;
  private connection: JanodeConnection | undefined;
  private generation = 0;
  private started = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly waiters = new Set<(link: JanusLink | undefined) => void>();
  private readonly events = new TypedEvents<{ up: Parameters<UpListener>; lost: Parameters<LostListener> }>((error) =>
    this.logger.error({ err: error }, 'janus connection listener failed'),
  );

  constructor(
    private readonly settings: JanusSettings,
    private readonly logger: Logger,
  ) {
    // janode logs to the console on its own; it stays quiet unless asked, and never at a level that prints SDPs.
    Janode.Logger.setLevel(settings.clientLogLevel);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.loop().catch((error: unknown) => this.logger.error({ err: error }, 'janus connection loop ended unexpectedly'));
  }

  isUp(): boolean {
    return this.link !== undefined;
  }

  current(): JanusLink | undefined {
    return this.link;
  }

  onUp(listener: UpListener): void {
    this.events.on('up', listener);
  }

  onLost(listener: LostListener): void {
    this.events.on('lost', listener);
  }

  /**
   * The live session, waiting up to `waitMs` while a (re)connection is under way. A caller that finds
   * Janus down cuts the backoff short, so the first join after Janus returns does not wait out a delay.
   */
  async ready(waitMs = this.settings.connectWaitMs): Promise<JanusLink> {
    if (this.link) return this.link;
    if (this.stopped) throw new SignalingError('mediaServerUnavailable', 'the Janus gateway is shutting down');
    this.wake?.();
    const link = await new Promise<JanusLink | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(done);
        resolve(undefined);
      }, waitMs);
      const done = (value: JanusLink | undefined): void => {
        clearTimeout(timer);
        resolve(value);
      };
      this.waiters.add(done);
    });
    if (!link) throw new SignalingError('mediaServerUnavailable', `the media server (Janus) is unreachable; try again later`);
    return link;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.release(undefined);
    const { link, connection } = this;
    this.link = undefined;
    this.connection = undefined;
    const t = this.settings.requestTimeoutMs;
    if (link) await withTimeout('destroy session', t, link.session.destroy()).catch(ignore);
    if (connection) await withTimeout('close', t, connection.close()).catch(ignore);
  }

  private async loop(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      let opened: { link: JanusLink; lost: Promise<string> };
      try {
        opened = await this.open();
      } catch (error) {
        const delay = reconnectDelay(attempt, this.settings.reconnectMinMs, this.settings.reconnectMaxMs);
        const fields = { url: this.settings.url, attempt, retryInMs: delay, reason: toSignalingError('connect', error, false).message };
        if (attempt === 0) this.logger.warn(fields, 'cannot connect to Janus; retrying');
        else this.logger.debug(fields, 'still cannot connect to Janus');
        attempt += 1;
        await this.sleep(delay);
        continue;
      }
      attempt = 0;
      if (this.stopped) {
        await withTimeout('destroy session', this.settings.requestTimeoutMs, opened.link.session.destroy()).catch(ignore);
        this.connection?.close().catch(ignore);
        this.connection = undefined;
        break;
      }
      this.link = opened.link;
      this.logger.info({ url: this.settings.url, generation: opened.link.generation }, 'connected to Janus');
      this.release(opened.link);
      this.events.emit('up', opened.link);

      const reason = await opened.lost;
      if (this.stopped) break;
      const lostGeneration = opened.link.generation;
      this.link = undefined;
      const connection = this.connection;
      this.connection = undefined;
      // The session may be gone while the socket lives (keepalive failure): close it to start clean.
      connection?.close().catch(ignore);
      this.logger.warn({ url: this.settings.url, generation: lostGeneration, reason }, 'lost Janus; its rooms are gone, reconnecting');
      this.events.emit('lost', reason, lostGeneration);
    }
  }

  private async open(): Promise<{ link: JanusLink; lost: Promise<string> }> {
    const t = this.settings.requestTimeoutMs;
    const connection = await withTimeout(
      'connect',
      t,
      Janode.connect({
        address: { url: this.settings.url, ...(this.settings.apiSecret ? { apisecret: this.settings.apiSecret } : {}) },
        max_retries: 0,
        retry_time_secs: 1,
        ws_options: { handshakeTimeout: t },
      }),
      (late) => void late.close().catch(ignore),
    );
    // Listen at once: a close between the steps below must not go unnoticed.
    let markLost: (reason: string) => void = ignore;
    const lost = new Promise<string>((resolve) => (markLost = resolve));
    connection.once(Janode.EVENT.CONNECTION_ERROR, (error: unknown) =>
      markLost(`connection error: ${error instanceof Error ? error.message : String(error)}`),
    );
    connection.once(Janode.EVENT.CONNECTION_CLOSED, () => markLost('connection closed'));
    try {
      const session = await withTimeout('create session', t, connection.create(this.settings.keepaliveSecs));
      session.once(Janode.EVENT.SESSION_DESTROYED, () => markLost('Janus session destroyed (keepalive failed or timed out)'));
      const manager = await withTimeout('attach', t, session.attach(VideoRoomPlugin));
      this.generation += 1;
      this.connection = connection;
      return { link: { generation: this.generation, session, manager }, lost };
    } catch (error) {
      connection.close().catch(ignore);
      throw error;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private release(link: JanusLink | undefined): void {
    for (const waiter of [...this.waiters]) waiter(link);
    this.waiters.clear();
  }

}
