export interface LoopLoadSettings {
  /** A loop delay this long marks the node overloaded; 0 turns the gauge off. */
  readonly maxLagMs: number;
  /** How long one window lasts. */
  readonly windowMs: number;
}

/** What a session reads before admitting a join: the stall that marks the node overloaded (0: none). */
export interface LoopLoad {
  readonly overloadedBy: number;
  readonly windowMs: number;
  /** Tells the gauge a join was refused for the stall `overloadedBy` reported. */
  shed(stallMs: number): void;
}

/** For sessions built without a gauge (unit tests). */
export const NEVER_OVERLOADED: LoopLoad = { overloadedBy: 0, windowMs: 1_000, shed: () => undefined };

/**
 * Told when the node starts refusing joins and when it stops: one pair of calls per episode, however
 * many joins it refuses, so an operator's log says the node was shedding without a line per join.
 */
export interface SheddingListener {
  started(stallMs: number): void;
  /** `shutdown`: the gauge stopped with the node while it was still refusing joins. */
  stopped(joinsShed: number, lastedMs: number, why: 'recovered' | 'shutdown'): void;
}

/** The gauge's own timer: short enough to see a stall, long enough to cost nothing (50 wake-ups a second). */
const TICK_MS = 20;

/**
 * Whether this node is past its CPU, read from its own event loop.
 *
 * Why: a node past its CPU otherwise accepts every join, each join brings its room's negotiation, and
 * the loop then stalls for seconds at a time (the capacity bench, rooms of 25: 6 s stalls, joins timing
 * out). Refusing new joins while it lasts keeps the members already in rooms served. One stall refuses
 * joins from the moment it is seen until the end of the next whole window: one to two windows.
 *
 * Why its own timer rather than Node's monitorEventLoopDelay: that histogram learns of a stall only when
 * its timer runs, in the next turn's timers phase, and a message read in the same turn as the stall (the
 * poll phase comes first) would be admitted. Here the time since the last tick is a stall under way.
 */
export class LoopLoadGauge implements LoopLoad {
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastTickAt = 0;
  private lastTickCpuMs = 0;
  private windowStartedAt = 0;
  /** The longest gap between ticks in the window under way. */
  private windowMaxMs = 0;
  /** The longest gap of the last whole window, when it reached the bound; 0 otherwise. */
  private closedMs = 0;
  private shedSoFar = 0;
  /** The shedding under way: since when, and how many joins it refused. */
  private episode: { startedAt: number; shed: number } | undefined;
  private listener: SheddingListener | undefined;

  constructor(
    private readonly settings: LoopLoadSettings,
    private readonly now: () => number = () => performance.now(),
    /** The process's CPU time (all threads), ms. */
    private readonly cpuMs: () => number = () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1_000;
    },
  ) {}

  start(listener?: SheddingListener): void {
    if (this.settings.maxLagMs <= 0 || this.timer) return;
    this.listener = listener;
    this.lastTickAt = this.windowStartedAt = this.now();
    this.lastTickCpuMs = this.cpuMs();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  /** A shedding episode under way ends here, told as any other: the log's last word is not "refusing joins". */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.endEpisode(this.now(), 'shutdown');
  }

  get windowMs(): number {
    return this.settings.windowMs;
  }

  /** Joins refused for overload since the node started. */
  get joinsShed(): number {
    return this.shedSoFar;
  }

  /** Whether the node is refusing joins now (it refused one, and the overload has not yet passed). */
  get shedding(): boolean {
    return this.episode !== undefined;
  }

  shed(stallMs: number): void {
    this.shedSoFar += 1;
    if (!this.episode) {
      this.episode = { startedAt: this.now(), shed: 0 };
      this.listener?.started(stallMs);
    }
    this.episode.shed += 1;
  }

  /** The longest loop delay seen in the last whole window, the window under way or the stall under way, when it reached the bound; 0 otherwise. */
  get overloadedBy(): number {
    if (!this.timer) return 0;
    return Math.max(this.closedMs, this.pastBound(Math.max(this.windowMaxMs, this.busyGap(this.now(), this.cpuMs()))));
  }

  /** A delay that reached the bound, in whole ms; 0 under it. */
  private pastBound(ms: number): number {
    return ms >= this.settings.maxLagMs ? Math.round(ms) : 0;
  }

  /**
   * The time since the last tick, counted only when the process spent CPU for at least half of it: a gap
   * while the process was stopped (SIGSTOP, a frozen VM, a host that took the CPU) is no overload, and
   * refusing joins right after it would only add to the outage.
   */
  private busyGap(now: number, cpuMs: number): number {
    const gap = now - this.lastTickAt;
    return cpuMs - this.lastTickCpuMs >= gap / 2 ? gap : 0;
  }

  private tick(): void {
    const now = this.now();
    const cpuMs = this.cpuMs();
    this.windowMaxMs = Math.max(this.windowMaxMs, this.busyGap(now, cpuMs));
    this.lastTickAt = now;
    this.lastTickCpuMs = cpuMs;
    if (now - this.windowStartedAt >= this.settings.windowMs) {
      this.closedMs = this.pastBound(this.windowMaxMs);
      this.windowMaxMs = 0;
      this.windowStartedAt = now;
    }
    if (this.closedMs === 0 && this.pastBound(this.windowMaxMs) === 0) this.endEpisode(now, 'recovered');
  }

  private endEpisode(now: number, why: 'recovered' | 'shutdown'): void {
    if (!this.episode) return;
    this.listener?.stopped(this.episode.shed, Math.round(now - this.episode.startedAt), why);
    this.episode = undefined;
  }
}
