import { ContainerModule } from 'inversify';
import {
  AddIceCandidate,
  AdminModeration,
  DrainNode,
  JoinRoom,
  KeyedMutex,
  LeaveRoom,
  NegotiateMedia,
  RelayMediaEvents,
  ReportLostRoom,
  ResumeSession,
  RoomDeparture,
  RoomHolds,
  RoomRegistry,
  SeatHolds,
  SeedLinks,
  SetMediaState,
  Welcome,
} from '../../application';
import type { RoomId } from '../../domain';
import { construct, Ids } from '../service-ids';

/**
 * The application core: the room registry, the room locks and every use case, each given exactly the
 * ports its constructor names. Which adapters stand behind those ports is for the other modules.
 */
export const coreModule = (): ContainerModule =>
  new ContainerModule(({ bind }) => {
    bind(RoomRegistry).toConstantValue(new RoomRegistry());
    bind(Ids.Locks).toConstantValue(new KeyedMutex<RoomId>());
    bind(SeedLinks).toResolvedValue(construct(SeedLinks), [RoomRegistry]);
    bind(RoomDeparture).toResolvedValue(construct(RoomDeparture), [
      RoomRegistry, Ids.MediaGateway, Ids.RoomStateStore, Ids.RoomPlacement, Ids.ClientNotifier, Ids.PresenceNotifier, Ids.Clock, Ids.Logger,
    ]);
    bind(RoomHolds).toResolvedValue(construct(RoomHolds), [
      RoomRegistry, Ids.Locks, Ids.RoomPlacement, Ids.MediaGateway, Ids.RoomStateStore, Ids.ClientNotifier, Ids.PresenceNotifier, Ids.Logger,
    ]);
    bind(ReportLostRoom).toResolvedValue(construct(ReportLostRoom), [Ids.PresenceNotifier, Ids.Logger, Ids.Settings]);
    bind(SeatHolds).toResolvedValue(construct(SeatHolds), [
      RoomRegistry, Ids.Locks, Ids.RoomStateStore, Ids.ClientNotifier, Ids.Scheduler, Ids.Clock, Ids.Logger, Ids.Settings, RoomDeparture,
    ]);
    bind(Welcome).toResolvedValue(construct(Welcome), [Ids.ClientNotifier, Ids.MediaGateway, Ids.IceServers, Ids.Clock, Ids.Settings]);
    bind(JoinRoom).toResolvedValue(construct(JoinRoom), [
      RoomRegistry, Ids.Locks, Ids.MediaGateway, Ids.RoomStateStore, Ids.RoomPlacement, Ids.ClientNotifier, Ids.PresenceNotifier,
      Ids.TokenVerifier, Ids.ResumeTokens, Ids.Clock, Ids.Logger, Ids.Settings,
      RoomDeparture, RoomHolds, ReportLostRoom, SeatHolds, Welcome,
    ]);
    bind(ResumeSession).toResolvedValue(construct(ResumeSession), [
      RoomRegistry, Ids.Locks, Ids.MediaGateway, Ids.RoomStateStore, Ids.RoomPlacement, Ids.ClientNotifier, Ids.ResumeTokens,
      Ids.Clock, Ids.Logger, Ids.Settings,
      RoomDeparture, RoomHolds, ReportLostRoom, SeatHolds, Welcome,
    ]);
    bind(NegotiateMedia).toResolvedValue(construct(NegotiateMedia), [RoomRegistry, Ids.Locks, Ids.MediaGateway, RoomHolds]);
    bind(AddIceCandidate).toResolvedValue(construct(AddIceCandidate), [RoomRegistry, Ids.MediaGateway, RoomHolds]);
    bind(SetMediaState).toResolvedValue(construct(SetMediaState), [RoomRegistry, Ids.RoomStateStore, Ids.ClientNotifier, Ids.Logger, RoomHolds]);
    bind(LeaveRoom).toResolvedValue(construct(LeaveRoom), [RoomRegistry, Ids.Locks, RoomDeparture, SeatHolds]);
    bind(RelayMediaEvents).toResolvedValue(construct(RelayMediaEvents), [
      RoomRegistry, Ids.Locks, Ids.MediaGateway, Ids.ClientNotifier, Ids.Logger, RoomDeparture,
    ]);
    bind(DrainNode).toResolvedValue(construct(DrainNode), [RoomRegistry, Ids.Locks, Ids.ClientNotifier, Ids.Logger, RoomDeparture]);
    bind(AdminModeration).toResolvedValue(construct(AdminModeration), [
      RoomRegistry, Ids.Locks, Ids.ClientNotifier, Ids.RoomPlacement, Ids.Logger, RoomDeparture,
    ]);
  });
