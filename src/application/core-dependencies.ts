import type { RoomId } from '../domain';
import type { KeyedMutex } from './keyed-mutex';
import type {
  ClientNotifier,
  Clock,
  IceServerProvider,
  Logger,
  MediaGateway,
  PresenceNotifier,
  RoomPlacement,
  ResumeTokens,
  RoomStateStore,
  Scheduler,
  TokenVerifier,
} from './ports';
import type { RoomRegistry } from './room-registry';
import type { SignalingSettings } from './signaling-settings';

/** Everything the use cases may need; each use case names the part it uses with `Pick`. */
export interface CoreDependencies {
  readonly registry: RoomRegistry;
  readonly locks: KeyedMutex<RoomId>;
  readonly media: MediaGateway;
  readonly store: RoomStateStore;
  readonly placement: RoomPlacement;
  readonly clients: ClientNotifier;
  readonly presence: PresenceNotifier;
  readonly tokens: TokenVerifier;
  readonly resumeTokens: ResumeTokens;
  readonly iceServers: IceServerProvider;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly settings: SignalingSettings;
}
