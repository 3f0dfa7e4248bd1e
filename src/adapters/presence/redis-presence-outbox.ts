import type { Logger } from '../../application';
import { Backoff } from '../shared/backoff';
import { BoundedQueue } from './bounded-queue';
import { decodePresenceMessage, type PresenceMessage } from './presence-message';
import type { OutboxEntry, PresenceOutbox } from './presence-outbox';
import {
  ADOPT_OUTBOX_SCRIPT,
  ADOPTER_FENCED,
  CLAIM_OUTBOX_SCRIPT,
  DEFAULT_OUTBOX_KEY_PREFIX,
  MESSAGE_FIELD,
  OUTBOX_APPEND_SCRIPT,
  OUTBOX_DELETE_SCRIPT,
  OUTBOX_HEARTBEAT_SCRIPT,
  OUTBOX_TTL_MS,
  OWNER_ALIVE,
  outboxKeys,
  type OutboxKeys,
} from './redis-outbox-keys';
import { sleep, untilAborted } from '../shared/deadline';
import type { RedisClient, RedisConnection } from '../shared/redis';

/** `queued`: not in Redis yet; `writing`: XADD in flight; `stored`: in Redis as `streamId`; `gone`: delivered or dropped. */
interface StreamEntry extends OutboxEntry {
  state: 'queued' | 'writing' | 'stored' | 'gone';
  streamId?: string;
}

/**
 * The shared Redis connection (the state store's): a single Redis or a Cluster, every outbox key shares
 * one hash slot, so both work the same. While the connection knows Redis does not answer, every outbox
 * call fails at once (and is retried after a back-off) instead of waiting out its timeout.
 */
export type PresenceRedisClient = RedisConnection;

export interface RedisPresenceOutboxOptions {
  readonly nodeId: string;
  readonly max: number;
  /** Each Redis call is reported as failed after this long (the connection's command timeout also applies). */
  readonly timeoutMs: number;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  readonly keyPrefix?: string;
  /**
   * Lifetime of this node's liveness key, refreshed every third of it. Once it lapses (the node crashed)
   * other nodes may take this node's outbox over. Default 15 s.
   */
  readonly livenessMs?: number;
  /** How often to look for dead nodes' outboxes to take over; 0 turns the sweep off. Default: `livenessMs`. */
  readonly sweepIntervalMs?: number;
}

const DEFAULT_LIVENESS_MS = 15_000;

const WRITE_BATCH = 200;
const DELETE_BATCH = 500;
const LOAD_PAGE = 1_000;

/**
 * Outbox kept in a Redis stream per node (XADD on append, XDEL on delivery), so a crashed node's
 * notifications survive: the restarted node (same node id) loads them at `open`, or another node takes
 * them over with `adopt`. Sending works from the in-process mirror, so a slow or absent Redis delays
 * persistence, never delivery. This node must be the only writer of its stream.
 *
 * A write is never retried while an earlier attempt may still land (it is awaited past its timeout),
 * so the stream does not collect copies the mirror does not know about.
 */
export class RedisPresenceOutbox implements PresenceOutbox {
  readonly durable = true;
  private readonly key: string;
  private readonly keys: OutboxKeys;
  private readonly livenessMs: number;
  private readonly sweepIntervalMs: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Ends the heartbeat and sweep at the start of close, before the last writes. */
  private readonly periodic = new AbortController();
  private readonly queue: BoundedQueue<StreamEntry>;
  private readonly unwritten: StreamEntry[] = [];
  private readonly unDeleted: string[] = [];
  private readonly stop = new AbortController();
  private readonly backoff: Backoff;
  private loaded = false;
  private arrivalListener: () => void = () => undefined;
  private syncing: Promise<void> | undefined;
  /** This process's hold on its stream (see OutboxKeys.epoch); undefined until claimed. */
  private epoch: string | undefined;

  constructor(
    private readonly redis: PresenceRedisClient,
    private readonly options: RedisPresenceOutboxOptions,
    private readonly logger: Logger,
  ) {
    this.keys = outboxKeys(options.keyPrefix ?? DEFAULT_OUTBOX_KEY_PREFIX);
    this.key = this.keys.stream(options.nodeId);
    this.livenessMs = options.livenessMs ?? DEFAULT_LIVENESS_MS;
    this.sweepIntervalMs = options.sweepIntervalMs ?? this.livenessMs;
    this.backoff = new Backoff(options.retryBaseMs ?? 200, options.retryMaxMs ?? 5_000);
    this.queue = new BoundedQueue<StreamEntry>(options.max, logger, this.key, (entry) => this.forget(entry));
  }

  async open(): Promise<void> {
    while (!this.loaded && !this.stop.signal.aborted) {
      try {
        // A new epoch first: an earlier process of this node id, if it still runs (paused), is fenced off.
        await this.claimEpoch();
        // Alive before loading: a sweeping node must not move entries this process is about to send.
        await this.heartbeat();
        const older = await this.loadStream();
        this.queue.prepend(older);
        this.loaded = true;
        this.backoff.reset();
        if (older.length > 0) this.logger.warn({ key: this.key, entries: older.length }, 'presence outbox: resending notifications an earlier process left undelivered');
      } catch (error) {
        this.logger.warn({ err: error, key: this.key }, 'presence outbox: cannot load the stored outbox from Redis yet; retrying');
        await sleep(this.backoff.next(), this.stop.signal);
      }
    }
    if (this.stop.signal.aborted) return;
    this.every(Math.max(50, Math.floor(this.livenessMs / 3)), () => this.heartbeat());
    if (this.sweepIntervalMs > 0) this.every(this.sweepIntervalMs, () => this.sweepDeadNodes().then(() => undefined));
    this.kick();
  }

  append(message: PresenceMessage): void {
    const entry: StreamEntry = { message, state: 'queued' };
    this.unwritten.push(entry);
    this.queue.push(entry);
    // Until the stored outbox loads nothing is written, and entries the bounded queue dropped (or that
    // were delivered) would stay here for good: at most the queue's worth of live ones is kept.
    if (this.unwritten.length > 2 * this.options.max) this.compactUnwritten();
    this.kick();
  }

  private compactUnwritten(): void {
    let kept = 0;
    for (const entry of this.unwritten) if (entry.state !== 'gone') this.unwritten[kept++] = entry;
    this.unwritten.length = kept;
  }

  head(): OutboxEntry | undefined {
    return this.queue.peek();
  }

  remove(entry: OutboxEntry): void {
    const own = entry as StreamEntry;
    if (this.queue.remove(own)) this.forget(own);
  }

  onArrival(listener: () => void): void {
    this.arrivalListener = listener;
  }

  /** True once the stored outbox was loaded (Redis answered); persistence and adoption work from then on. */
  get isOpen(): boolean {
    return this.loaded;
  }

  get depth(): number {
    return this.queue.length;
  }

  get dropped(): number {
    return this.queue.dropped;
  }

  /** Entries not yet written to Redis (a crash now would lose them). */
  get unpersisted(): number {
    return this.unwritten.filter((e) => e.state === 'queued' || e.state === 'writing').length;
  }

  /**
   * Takes over the outbox of a dead node: its entries move (atomically, in Redis) to the end of this
   * node's outbox and are sent after what is already waiting here. Returns how many were moved.
   * Rejects on timeout or a Redis error; a timed-out move still completes in the background.
   */
  async adopt(deadNodeId: string): Promise<number> {
    if (deadNodeId === this.options.nodeId) return 0;
    const deadKey = this.keys.stream(deadNodeId);
    // Merged whenever it lands, even after the caller stopped waiting (the deadline does not cancel it).
    const moved = await this.call(`adopting ${deadKey}`, (client) =>
      ADOPT_OUTBOX_SCRIPT.run(
        client,
        [deadKey, this.key, this.keys.alive(deadNodeId), this.keys.owners, this.keys.epoch(deadNodeId), this.keys.epoch(this.options.nodeId)],
        [MESSAGE_FIELD, deadNodeId, OUTBOX_TTL_MS, this.epoch ?? ''],
      ).then((reply) => this.mergeAdopted(reply, deadKey)),
    );
    if (moved === 'fenced') {
      await this.takenOver();
      return 0;
    }
    return moved;
  }

  /**
   * Takes over the outbox of every node whose liveness key lapsed; resolves to how many entries were
   * moved. The sweep runs by itself every `sweepIntervalMs`; rejects on a Redis error or timeout.
   */
  async sweepDeadNodes(): Promise<number> {
    const owners = await this.call(`SMEMBERS ${this.keys.owners}`, (client) => client.smembers(this.keys.owners));
    let moved = 0;
    for (const nodeId of owners) {
      if (nodeId !== this.options.nodeId && !this.stop.signal.aborted) moved += await this.adopt(nodeId);
    }
    return moved;
  }

  async close(deadlineMs: number): Promise<void> {
    this.periodic.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const timeUp = new AbortController();
    const timer = setTimeout(() => timeUp.abort(), deadlineMs);
    while (this.loaded && (this.hasWork() || this.syncing) && !timeUp.signal.aborted) {
      this.kick();
      if (this.syncing) await Promise.race([this.syncing, untilAborted(timeUp.signal)]);
      else await sleep(50, timeUp.signal);
    }
    clearTimeout(timer);
    this.stop.abort();
    // A clean stop need not wait out the TTL: a node still holding entries hands them over at once.
    if (this.loaded) {
      await this.call('DEL liveness', (client) => client.del(this.keys.alive(this.options.nodeId))).catch((error: unknown) =>
        this.logger.warn({ err: error, key: this.key }, 'presence outbox: could not clear the liveness key; other nodes wait for it to expire'),
      );
    }
    const unpersisted = this.unpersisted;
    if (unpersisted > 0) this.logger.error({ key: this.key, unpersisted }, 'presence outbox: closed with notifications not yet in Redis; they are lost');
  }

  /** One Redis call through the shared connection, given up after the outbox's own timeout. */
  private call<T>(operation: string, work: (client: RedisClient) => Promise<T>): Promise<T> {
    return this.redis.call(operation, work, this.options.timeoutMs);
  }

  private async loadStream(): Promise<StreamEntry[]> {
    const entries: StreamEntry[] = [];
    let from = '-';
    for (;;) {
      const page = await this.call(`XRANGE ${this.key}`, (client) => client.xrange(this.key, from, '+', 'COUNT', LOAD_PAGE));
      for (const [id, fields] of page) {
        const message = this.decodeFields(fields);
        if (message) entries.push({ message, state: 'stored', streamId: id });
        else this.unDeleted.push(id);
      }
      const last = page[page.length - 1];
      if (page.length < LOAD_PAGE || !last) return entries;
      from = `(${last[0]}`;
    }
  }

  private decodeFields(fields: readonly string[]): PresenceMessage | undefined {
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === MESSAGE_FIELD) return decodePresenceMessage(fields[i + 1] ?? '');
    }
    return undefined;
  }

  private async claimEpoch(): Promise<void> {
    const epoch = await this.call('presence outbox epoch', (client) =>
      CLAIM_OUTBOX_SCRIPT.run(client, [this.keys.epoch(this.options.nodeId)], [OUTBOX_TTL_MS]),
    );
    this.epoch = String(epoch);
  }

  /** Says this node is alive (and may own an outbox) for the next `livenessMs`. */
  private async heartbeat(): Promise<void> {
    const nodeId = this.options.nodeId;
    const kept = await this.call('presence liveness', (client) =>
      OUTBOX_HEARTBEAT_SCRIPT.run(
        client,
        [this.keys.epoch(nodeId), this.keys.alive(nodeId), this.keys.owners, this.key],
        [this.epoch ?? '', this.livenessMs, OUTBOX_TTL_MS, nodeId, String(Date.now())],
      ),
    );
    if (Number(kept) !== 1) await this.takenOver();
  }

  /**
   * Another node took this node's stream over while this one could not renew its liveness (it was paused,
   * or cut off from Redis): what this node had stored is that node's to deliver now, and sending it from
   * here too would only send it twice. What never reached Redis stays here. The stream is this node's
   * again under a new epoch.
   */
  private async takenOver(): Promise<void> {
    let handedOver = 0;
    for (const entry of this.queue.values()) {
      if (entry.state === 'stored' && this.queue.remove(entry)) {
        entry.state = 'gone';
        handedOver += 1;
      }
    }
    this.unDeleted.length = 0;
    this.logger.warn(
      { key: this.key, handedOver },
      'presence outbox: another node took over the notifications this node had stored while it was unreachable; it delivers them',
    );
    await this.claimEpoch();
    await this.heartbeat();
  }

  /** Runs `task` every `intervalMs` until close; failures are logged, never thrown. */
  private every(intervalMs: number, task: () => Promise<void>): void {
    const schedule = (): void => {
      if (this.periodic.signal.aborted) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        task()
          .catch((error: unknown) => this.logger.warn({ err: error, key: this.key }, 'presence outbox: periodic Redis task failed; retrying next period'))
          .finally(schedule);
      }, intervalMs);
      this.timers.add(timer);
    };
    schedule();
  }

  private mergeAdopted(reply: unknown, deadKey: string): number | 'fenced' {
    const flat = Array.isArray(reply) ? reply : [];
    if (flat[0] === OWNER_ALIVE) return 0;
    if (flat[0] === ADOPTER_FENCED) return 'fenced';
    const adopted: StreamEntry[] = [];
    for (let i = 1; i + 1 < flat.length; i += 2) {
      const id: unknown = flat[i];
      const json: unknown = flat[i + 1];
      const message = typeof json === 'string' ? decodePresenceMessage(json) : undefined;
      if (typeof id !== 'string') continue;
      if (message) adopted.push({ message, state: 'stored', streamId: id });
      else this.unDeleted.push(id);
    }
    for (const entry of adopted) this.queue.push(entry);
    if (adopted.length > 0) this.arrivalListener();
    if (adopted.length > 0) this.logger.warn({ from: deadKey, into: this.key, entries: adopted.length }, 'presence outbox: adopted the notifications of a dead node');
    this.kick();
    return adopted.length;
  }

  /** The entry left the queue (delivered or dropped): its stored copy must go too. */
  private forget(entry: StreamEntry): void {
    const wasStored = entry.state === 'stored';
    entry.state = 'gone';
    if (wasStored && entry.streamId) {
      this.unDeleted.push(entry.streamId);
      this.kick();
    }
  }

  private hasWork(): boolean {
    return this.unDeleted.length > 0 || this.unwritten.some((e) => e.state === 'queued');
  }

  /** Starts the background sync unless it runs already (it stops when nothing is left). */
  private kick(): void {
    if (this.syncing || !this.loaded || this.stop.signal.aborted) return;
    this.syncing = this.sync()
      .catch((error: unknown) => this.logger.error({ err: error, key: this.key }, 'presence outbox: sync loop failed'))
      .finally(() => {
        this.syncing = undefined;
        if (this.hasWork()) this.kick();
      });
  }

  private async sync(): Promise<void> {
    while (this.hasWork() && !this.stop.signal.aborted) {
      const ok = (await this.writeBatch()) && (await this.deleteBatch());
      if (ok) {
        this.backoff.reset();
      } else {
        await sleep(this.backoff.next(), this.stop.signal);
      }
    }
  }

  private async writeBatch(): Promise<boolean> {
    while (this.unwritten[0]?.state === 'gone') this.unwritten.shift();
    const batch = this.unwritten.splice(0, WRITE_BATCH).filter((e) => e.state === 'queued');
    if (batch.length === 0) return true;
    for (const entry of batch) entry.state = 'writing';
    // Unset when the connection refused the call without sending it (Redis known not to answer).
    let attempt: Promise<unknown> | undefined;
    let reply: unknown;
    try {
      reply = await this.call(`XADD ${this.key}`, (client) => {
        attempt = OUTBOX_APPEND_SCRIPT.run(
          client,
          [this.keys.epoch(this.options.nodeId), this.key],
          [this.epoch ?? '', OUTBOX_TTL_MS, MESSAGE_FIELD, ...batch.map((entry) => JSON.stringify(entry.message))],
        );
        return attempt;
      });
    } catch (error) {
      this.logger.warn({ err: error, key: this.key, entries: batch.length }, 'presence outbox: Redis did not store notifications yet');
      // Never write again while this attempt may still land: wait for its real outcome.
      reply = attempt ? await attempt.catch(() => undefined) : undefined;
    }
    const ids = Array.isArray(reply) ? reply : undefined;
    const failed: StreamEntry[] = [];
    batch.forEach((entry, index) => {
      const id: unknown = ids?.[index];
      if (typeof id !== 'string') {
        if (entry.state === 'writing') {
          entry.state = 'queued';
          failed.push(entry);
        }
        return;
      }
      entry.streamId = id;
      if (entry.state === 'gone') this.unDeleted.push(id);
      else entry.state = 'stored';
    });
    this.unwritten.unshift(...failed);
    // null: refused, another node holds the stream now; what was written is written under a new epoch.
    if (reply === null) await this.takenOver().catch(() => undefined);
    return failed.length === 0;
  }

  private async deleteBatch(): Promise<boolean> {
    const ids = this.unDeleted.splice(0, DELETE_BATCH);
    if (ids.length === 0) return true;
    try {
      const deleted = await this.call(`XDEL ${this.key}`, (client) =>
        OUTBOX_DELETE_SCRIPT.run(client, [this.keys.epoch(this.options.nodeId), this.key], [this.epoch ?? '', ...ids]),
      );
      // Refused: the stream these ids were in moved to another node with its entries.
      if (Number(deleted) === -1) await this.takenOver();
      return true;
    } catch (error) {
      // XDEL is idempotent, so retrying after a timeout is harmless.
      this.unDeleted.unshift(...ids);
      this.logger.warn({ err: error, key: this.key, ids: ids.length }, 'presence outbox: Redis did not delete delivered notifications yet');
      return false;
    }
  }
}
