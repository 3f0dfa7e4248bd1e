import {
  AddIceCandidate,
  DrainNode,
  JoinRoom,
  KeyedMutex,
  LeaveRoom,
  NegotiateMedia,
  RelayMediaEvents,
  ReportLostRoom,
  ResumeSession,
  SeatHolds,
  Welcome,
  RoomDeparture,
  RoomHolds,
  RoomRegistry,
  SetMediaState,
  type IceServer,
  type JoinRoomCommand,
  type SignalingSettings,
} from '../../../src/application';
import { Container, ContainerModule, type ServiceIdentifier } from 'inversify';
import { coreModule } from '../../../src/composition/modules/core-module';
import { Ids } from '../../../src/composition/service-ids';
import { RandomResumeTokens } from '../../../src/adapters/resume/random-resume-tokens';
import type { MediaCapabilities, RoomId } from '../../../src/domain';
import { FakeMediaGateway, SFU_CAPABILITIES } from './fake-media-gateway';
import { FakeTokenVerifier } from './fake-token-verifier';
import { FaultyRoomStateStore } from './faulty-room-state-store';
import { ManualClock } from './manual-clock';
import { RecordingClientNotifier } from './recording-client-notifier';
import { RecordingLogger } from './recording-logger';
import { RecordingPlacement } from './recording-placement';
import { RecordingPresenceNotifier } from './recording-presence-notifier';

export interface CoreHarnessOptions {
  readonly roomCapacity?: number;
  readonly capabilities?: MediaCapabilities;
  readonly maxRoomsPerNode?: number;
  /** RESUME_GRACE_MS; 15 s (the default) unless told. */
  readonly resumeGraceMs?: number;
}

/** The application core (its container module, as src/container.ts loads it) wired to in-memory fakes of every port. */
export class CoreHarness {
  readonly registry: RoomRegistry;
  readonly locks: KeyedMutex<RoomId>;
  readonly media: FakeMediaGateway;
  readonly clock = new ManualClock();
  readonly store = new FaultyRoomStateStore('node-test', () => this.clock.now());
  readonly placement = new RecordingPlacement();
  readonly clients = new RecordingClientNotifier();
  readonly presence = new RecordingPresenceNotifier();
  readonly tokens = new FakeTokenVerifier();
  readonly logger = new RecordingLogger();
  readonly resumeTokens = new RandomResumeTokens();
  /** What the ICE server provider hands out (to everyone). */
  iceServerList: readonly IceServer[] = [];
  readonly settings: SignalingSettings;
  private readonly container = new Container({ defaultScope: 'Singleton' });

  readonly departure: RoomDeparture;
  readonly holds: RoomHolds;
  readonly lostRooms: ReportLostRoom;
  readonly joinRoom: JoinRoom;
  readonly leaveRoom: LeaveRoom;
  readonly setMediaState: SetMediaState;
  readonly negotiate: NegotiateMedia;
  readonly addIceCandidate: AddIceCandidate;
  readonly relay: RelayMediaEvents;
  readonly drain: DrainNode;
  readonly seats: SeatHolds;
  readonly welcome: Welcome;
  readonly resume: ResumeSession;

  constructor(options: CoreHarnessOptions = {}) {
    this.media = new FakeMediaGateway(options.capabilities ?? SFU_CAPABILITIES);
    this.settings = {
      roomCapacity: options.roomCapacity ?? 25,
      nodeId: 'node-test',
      resumeGraceMs: options.resumeGraceMs ?? 15_000,
      ...(options.maxRoomsPerNode !== undefined ? { maxRoomsPerNode: options.maxRoomsPerNode } : {}),
    };
    const fakes = new ContainerModule(({ bind }) => {
      bind(Ids.MediaGateway).toConstantValue(this.media);
      bind(Ids.RoomStateStore).toConstantValue(this.store);
      bind(Ids.RoomPlacement).toConstantValue(this.placement);
      bind(Ids.ClientNotifier).toConstantValue(this.clients);
      bind(Ids.PresenceNotifier).toConstantValue(this.presence);
      bind(Ids.TokenVerifier).toConstantValue(this.tokens);
      bind(Ids.ResumeTokens).toConstantValue(this.resumeTokens);
      bind(Ids.IceServers).toConstantValue({ iceServersFor: () => this.iceServerList });
      bind(Ids.Clock).toConstantValue(this.clock);
      bind(Ids.Scheduler).toConstantValue(this.clock);
      bind(Ids.Logger).toConstantValue(this.logger);
      bind(Ids.Settings).toConstantValue(this.settings);
    });
    this.container.load(coreModule(), fakes);
    this.registry = this.get(RoomRegistry);
    this.locks = this.get(Ids.Locks);
    this.departure = this.get(RoomDeparture);
    this.holds = this.get(RoomHolds);
    this.lostRooms = this.get(ReportLostRoom);
    this.seats = this.get(SeatHolds);
    this.welcome = this.get(Welcome);
    this.joinRoom = this.get(JoinRoom);
    this.resume = this.get(ResumeSession);
    this.leaveRoom = this.get(LeaveRoom);
    this.setMediaState = this.get(SetMediaState);
    this.negotiate = this.get(NegotiateMedia);
    this.addIceCandidate = this.get(AddIceCandidate);
    this.relay = this.get(RelayMediaEvents);
    this.drain = this.get(DrainNode);
    this.relay.start();
    this.holds.start();
  }

  /** Any part of the core, as the container built it. */
  get<T>(id: ServiceIdentifier<T>): T {
    return this.container.get(id);
  }

  /** Joins `userId` into `roomId` from connection `conn-<userId>` unless told otherwise. */
  join(userId: string, roomId = 'room-1', overrides: Partial<JoinRoomCommand> = {}): Promise<void> {
    return this.joinRoom.execute(joinCommand(userId, roomId, overrides));
  }

  /** Everything that says a room exists anywhere: registry, shared record, media session, placement. */
  async traces(roomId: RoomId): Promise<{ registry: boolean; store: boolean; media: boolean; placement: boolean }> {
    return {
      registry: this.registry.room(roomId) !== undefined,
      store: (await this.store.getRoom(roomId)) !== undefined,
      media: this.media.sessionOf(roomId) !== undefined,
      placement: this.placement.held.has(roomId),
    };
  }
}

export const NO_TRACES = { registry: false, store: false, media: false, placement: false } as const;

export const joinCommand = (userId: string, roomId = 'room-1', overrides: Partial<JoinRoomCommand> = {}): JoinRoomCommand => ({
  connectionId: `conn-${userId}`,
  token: undefined,
  userId,
  roomId,
  communityId: 'c-1',
  audio: true,
  video: true,
  ...overrides,
});
