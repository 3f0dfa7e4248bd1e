import type { JoinRoom } from '../../application';
import type { SignalingMetrics } from './signaling-metrics';

type Join = Pick<JoinRoom, 'execute'>;

/** Times every join from its arrival to its reply, by outcome (a rejected join is an error outcome). */
export const timedJoin = (join: Join, metrics: SignalingMetrics): Join => ({
  execute: (command) => metrics.time(metrics.joinSeconds, {}, () => join.execute(command)),
});
