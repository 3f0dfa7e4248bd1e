import { ContainerModule } from 'inversify';
import type { Logger, SignalingSettings } from '../../application';
import { RandomResumeTokens } from '../../adapters/resume/random-resume-tokens';
import { SystemClock } from '../../adapters/system/system-clock';
import { SystemScheduler } from '../../adapters/system/system-scheduler';
import type { Config } from '../../config';
import { createIceServers } from '../ice-servers';
import { readNodeLimits } from '../limits';
import { readResumeGraceMs } from '../session-resume';
import { Ids, type NodeExtras } from '../service-ids';

/**
 * The node itself: its configuration, logger, limits and settings, the system clock and scheduler, resume
 * tokens and ICE servers. Everything is read here, when the container is built, so a bad limit stops the
 * node before anything starts.
 */
export const nodeModule = (config: Config, logger: Logger, extras: NodeExtras): ContainerModule => {
  const limits = readNodeLimits(config);
  const iceServers = createIceServers(config);
  const settings: SignalingSettings = {
    roomCapacity: config.ROOM_CAPACITY,
    nodeId: config.nodeId,
    resumeGraceMs: readResumeGraceMs(config),
    ...(config.MAX_ROOMS_PER_NODE !== undefined ? { maxRoomsPerNode: config.MAX_ROOMS_PER_NODE } : {}),
  };
  return new ContainerModule(({ bind }) => {
    bind(Ids.Config).toConstantValue(config);
    bind(Ids.Logger).toConstantValue(logger);
    bind(Ids.NodeExtras).toConstantValue(extras);
    bind(Ids.Draining).toConstantValue({ value: false });
    bind(Ids.Limits).toConstantValue(limits);
    bind(Ids.Settings).toConstantValue(settings);
    bind(Ids.IceServers).toConstantValue(iceServers);
    bind(Ids.Clock).toConstantValue(new SystemClock());
    bind(Ids.Scheduler).toConstantValue(new SystemScheduler());
    bind(Ids.ResumeTokens).toConstantValue(new RandomResumeTokens());
  });
};
