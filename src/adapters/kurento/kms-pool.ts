import { SignalingError } from '../../domain';
import type { Logger } from '../../application';
import { KmsConnection } from './kms-connection';
import { kmsCalls } from './kms-media-calls';
import type { KmsEvent } from './kms-rpc-socket';
import type { ResolvedKurentoSettings } from './kurento-settings';
import { byLoad } from './least-loaded';

export interface KmsPoolEvents {
  onLost(kms: KmsConnection, reason: string): void;
  onResumed(kms: KmsConnection): void;
  onEvent(kms: KmsConnection, event: KmsEvent): void;
}

export interface KmsLoad {
  readonly endpoints: number;
  readonly pipelines: number;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Every configured KMS: starts and closes their connections, picks the least loaded one for a new room,
 * and frees pipelines left behind by a session that was given up while the server itself lived on (it
 * could not be reached within the resume window).
 */
export class KmsPool {
  private readonly connections: readonly KmsConnection[];
  /** Pipelines of rooms given up on a lost connection, released if the same KMS comes back. */
  private readonly orphans = new Map<KmsConnection, Set<string>>();

  constructor(
    private readonly settings: ResolvedKurentoSettings,
    private readonly logger: Logger,
    events: KmsPoolEvents,
  ) {
    this.connections = settings.urls.map(
      (url) =>
        new KmsConnection(url, settings, logger, {
          onUp: (kms) => this.releaseOrphans(kms),
          onResumed: (kms) => events.onResumed(kms),
          onLost: (kms, reason) => events.onLost(kms, reason),
          onEvent: (kms, event) => events.onEvent(kms, event),
        }),
    );
  }

  start(): void {
    for (const c of this.connections) c.start();
  }

  close(): void {
    for (const c of this.connections) c.close();
  }

  isAvailable(): boolean {
    return this.connections.some((c) => c.isUp());
  }

  counts(): { readonly up: number; readonly configured: number } {
    return { up: this.connections.filter((c) => c.isUp()).length, configured: this.connections.length };
  }

  byUrl(url: string): KmsConnection | undefined {
    return this.connections.find((c) => c.url === url);
  }

  /**
   * The connected KMS with the least load; waits up to `joinWaitMs` when none is connected, then
   * refuses with `mediaServerUnavailable`.
   */
  async pick(load: (kms: KmsConnection) => KmsLoad): Promise<KmsConnection> {
    if (!this.isAvailable()) await this.firstUp(this.settings.joinWaitMs);
    const up = this.connections.filter((c) => c.isUp());
    const best = byLoad(up.map((target) => ({ target, ...load(target) })))[0];
    if (!best) {
      throw new SignalingError('mediaServerUnavailable', `no media server is reachable (${this.connections.length} configured); try again later`);
    }
    return best;
  }

  /** Remembers a pipeline to release when `kms` is connected again. */
  orphan(kms: KmsConnection, pipelineId: string): void {
    const set = this.orphans.get(kms) ?? new Set<string>();
    set.add(pipelineId);
    this.orphans.set(kms, set);
  }

  private firstUp(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let waiting = this.connections.length;
      for (const c of this.connections) {
        void c.waitUntilUp(timeoutMs).then((ok) => {
          waiting -= 1;
          if (ok || waiting === 0) resolve();
        });
      }
    });
  }

  private releaseOrphans(kms: KmsConnection): void {
    const orphans = this.orphans.get(kms);
    this.orphans.delete(kms);
    if (!orphans) return;
    // A restarted KMS has forgotten them already; releasing an unknown id succeeds.
    const calls = kmsCalls(kms);
    for (const pipelineId of orphans) {
      calls.release(pipelineId).catch((error: unknown) => this.logger.debug({ kms: kms.url, pipelineId, err: errorText(error) }, 'releasing an orphaned pipeline failed'));
    }
  }
}
