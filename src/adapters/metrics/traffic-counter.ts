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
    this.metrics.messagesOut.count(message.type === 'signal' ? `signal.${message.signal.type}` : message.type);
    if (message.type === 'error') this.metrics.errors.count(message.code);
  }
}
