import type { ClientMessage } from '../../application';
import type { SignalingMetrics } from './signaling-metrics';

/** Counts client traffic by message kind and error replies by code (a transport reports to it). */
export class TrafficCounter {
  constructor(private readonly metrics: SignalingMetrics) {}

  received(id: string): void {
    this.metrics.messagesIn.inc({ id });
  }

  sent(message: ClientMessage): void {
    const kind = message.type === 'signal' ? `signal.${message.signal.type}` : message.type;
    this.metrics.messagesOut.inc({ id: kind });
    if (message.type === 'error') this.metrics.errors.inc({ code: message.code });
  }
}
