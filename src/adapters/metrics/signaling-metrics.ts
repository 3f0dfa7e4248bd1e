import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LabelTally } from './label-tally';
import { OperationHistogram } from './operation-histogram';

/**
 * Default metrics whose collection walks every open handle or file descriptor in one synchronous turn:
 * about 4 µs per connection per scrape (65 ms at 16,000 connections, most of it reading /proc/self/fd),
 * a stall of the whole node on every scrape that grows with it (issue 20). `rtc_connections` counts the
 * connections for free; the rest of the defaults stay.
 */
export const CONNECTION_SIZED_DEFAULTS = [
  'process_open_fds',
  'nodejs_active_handles',
  'nodejs_active_handles_total',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
] as const;

/** Live numbers read at scrape time, so nothing on the hot path updates a gauge. */
export interface LiveCounts {
  connections(): number;
  rooms(): number;
  participants(): number;
  presenceOutboxDepth(): number;
  /** Log lines dropped because the log reader stalled (a running total). */
  logLinesDropped?(): number;
  /** Joins refused because the node was overloaded (a running total), and whether it is refusing them now. */
  joinsShed?(): number;
  shedding?(): boolean;
  /** SockJS sessions held: open ones, and closed HTTP ones kept only to repeat their close frame. */
  sockjsSessions?(): { readonly open: number; readonly closed: number };
}

/**
 * Every metric the node exports, in one registry per node (tests run several nodes in one process).
 * Latencies are in seconds, as Prometheus expects; buckets cover a loopback join (sub-millisecond) up
 * to a media server call at its timeout.
 */
export class SignalingMetrics {
  readonly registry = new Registry();
  /** Client traffic and error replies, counted on the hot path and added to their counters at scrape time. */
  readonly messagesIn = new LabelTally();
  readonly messagesOut = new LabelTally();
  readonly errors = new LabelTally();
  readonly joinSeconds: Histogram<'outcome'>;
  readonly mediaCallSeconds: OperationHistogram;
  readonly stateStoreSeconds: OperationHistogram;

  constructor(live: LiveCounts, labels: Readonly<Record<string, string>> = {}) {
    const registers = [this.registry];
    this.registry.setDefaultLabels(labels);
    // Includes nodejs_eventloop_lag_seconds and process memory/CPU.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    for (const name of CONNECTION_SIZED_DEFAULTS) this.registry.removeSingleMetric(name);
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({ name, help, registers, collect() { this.set(read()); } });
    };
    gauge('rtc_connections', 'Open client connections (WebSocket and SockJS)', () => live.connections());
    gauge('rtc_rooms', 'Rooms hosted by this node', () => live.rooms());
    gauge('rtc_participants', 'Participants in rooms hosted by this node', () => live.participants());
    new Gauge({
      name: 'rtc_sockjs_sessions',
      help: 'SockJS sessions held, by state: open, or closed and kept (per address at most MAX_CONNECTIONS_PER_IP) to repeat the close frame',
      labelNames: ['state'],
      registers,
      collect() {
        const held = live.sockjsSessions?.() ?? { open: 0, closed: 0 };
        this.set({ state: 'open' }, held.open);
        this.set({ state: 'closed' }, held.closed);
      },
    });
    gauge('rtc_presence_outbox_depth', 'Presence events waiting to be delivered', () => live.presenceOutboxDepth());
    const tallied = (name: string, help: string, label: string, tally: LabelTally): void => {
      new Counter({ name, help, labelNames: [label], registers, collect() { tally.flushInto(this); } });
    };
    tallied('rtc_messages_in_total', 'Client messages received, by id', 'id', this.messagesIn);
    tallied('rtc_messages_out_total', 'Messages sent to clients, by kind', 'id', this.messagesOut);
    tallied('rtc_errors_total', 'Error replies sent to clients, by code', 'code', this.errors);
    // Running totals kept elsewhere, added to a counter by what they grew since the last scrape.
    const runningTotal = (name: string, help: string, read: () => number): void => {
      let soFar = 0;
      new Counter({
        name,
        help,
        registers,
        collect() {
          const total = read();
          if (total > soFar) this.inc(total - soFar);
          soFar = total;
        },
      });
    };
    runningTotal('rtc_log_lines_dropped_total', 'Log lines dropped because the log reader (stdout) did not keep up', () => live.logLinesDropped?.() ?? 0);
    runningTotal('rtc_joins_shed_total', 'joinRoom messages refused because the node was overloaded (LOAD_SHED_LAG_MS)', () => live.joinsShed?.() ?? 0);
    gauge('rtc_shedding_joins', '1 from the first join refused for overload until the overload has passed', () => (live.shedding?.() ? 1 : 0));
    const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    this.joinSeconds = new Histogram({ name: 'rtc_join_seconds', help: 'joinRoom handling time, by outcome', labelNames: ['outcome'], buckets: latencyBuckets, registers });
    this.mediaCallSeconds = new OperationHistogram('rtc_media_call_seconds', 'Media backend call latency, by operation and outcome', latencyBuckets, registers);
    this.stateStoreSeconds = new OperationHistogram('rtc_state_store_seconds', 'Room state store (Redis) call latency, by operation and outcome', latencyBuckets, registers);
  }

  /** Times `work` into `histogram`, labelled ok or error, and passes its result or failure through. */
  async time<T, L extends string>(histogram: Histogram<L>, labels: Partial<Record<L, string>>, work: () => Promise<T>): Promise<T> {
    const end = histogram.startTimer(labels);
    try {
      const result = await work();
      end({ outcome: 'ok' } as Partial<Record<L, string>>);
      return result;
    } catch (error) {
      end({ outcome: 'error' } as Partial<Record<L, string>>);
      throw error;
    }
  }
}
