import type { ClientMessage } from '../../application';
import type { SignalingMetrics } from './signaling-metrics';

/**
 * Counts client traffic by message kind and error replies by code (a transport reports to it). The label
 * values are bounded: validated message ids, known message types, error codes.
 */
export class TrafficCounter {
  constructor(private readonly metrics: SignalingMetrics) {}

  received(id: string): void {
    this.metrics.messagesIn.count(id);
  }

  sent(message: ClientMessage): void {
    this.metrics.messagesOut.count(message.type === 'signal' ? signalLabel(message.signal.type) : message.type);
    if (message.type === 'error') this.metrics.errors.count(message.code);
  }
}

/**
 * The label of each signal type, made once: a label built per message (`signal.${type}`) is a new string
 * that the tally's map must flatten and hash every time, on every relayed candidate.
 */
const SIGNAL_LABELS = new Map<string, string>();
const signalLabel = (type: string): string => {
  let label = SIGNAL_LABELS.get(type);
  if (label === undefined) SIGNAL_LABELS.set(type, (label = `signal.${type}`));
  return label;
};
