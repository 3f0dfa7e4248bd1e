import type { Counter } from 'prom-client';
import type { ClientMessage } from '../../application';
import type { SignalingMetrics } from './signaling-metrics';

type Child = ReturnType<Counter<string>['labels']>;

/**
 * Counts client traffic by message kind and error replies by code (a transport reports to it). Runs
 * twice per relayed message, so each label's child counter is looked up once instead of prom-client
 * hashing a label object on every increment; the label values are bounded (validated ids, known
 * message types, error codes).
 */
export class TrafficCounter {
  private readonly inById = new Map<string, Child>();
  private readonly outByKind = new Map<string, Child>();
  private readonly errorsByCode = new Map<string, Child>();

  constructor(private readonly metrics: SignalingMetrics) {}

  received(id: string): void {
    childOf(this.inById, this.metrics.messagesIn, id).inc();
  }

  sent(message: ClientMessage): void {
    const kind = message.type === 'signal' ? `signal.${message.signal.type}` : message.type;
    childOf(this.outByKind, this.metrics.messagesOut, kind).inc();
    if (message.type === 'error') childOf(this.errorsByCode, this.metrics.errors, message.code).inc();
  }
}

const childOf = (cache: Map<string, Child>, counter: Counter<string>, value: string): Child => {
  let child = cache.get(value);
  if (!child) {
    child = counter.labels(value);
    cache.set(value, child);
  }
  return child;
};
