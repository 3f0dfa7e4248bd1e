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
  type CoreDependencies,
  type IceServer,
  type JoinRoomCommand,
} from '../../../src/application';
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

/** The application core wired to in-memory fakes of every port, the way src/container.ts wires it. */
export class CoreHarness {
  readonly registry = new RoomRegistry();
  readonly locks = new KeyedMutex<RoomId>();
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
  readonly deps: CoreDependencies;

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
    this.deps = {
      registry: this.registry,
      locks: this.locks,
      media: this.media,
      store: this.store,
      placement: this.placement,
      clients: this.clients,
      presence: this.presence,
      tokens: this.tokens,
      resumeTokens: this.resumeTokens,
      iceServers: { iceServersFor: () => this.iceServerList },
      clock: this.clock,
      scheduler: this.clock,
      logger: this.logger,
      settings: {
        roomCapacity: options.roomCapacity ?? 25,
        nodeId: 'node-test',
        resumeGraceMs: options.resumeGraceMs ?? 15_000,
        ...(options.maxRoomsPerNode !== undefined ? { maxRoomsPerNode: options.maxRoomsPerNode } : {}),
      },
    };
    this.departure = new RoomDeparture(this.deps);
    this.holds = new RoomHolds(this.deps);
    this.lostRooms = new ReportLostRoom(this.deps);
    this.seats = new SeatHolds(this.deps, this.departure);
    this.welcome = new Welcome(this.deps);
    this.joinRoom = new JoinRoom(this.deps, this.departure, this.holds, this.lostRooms, this.seats, this.welcome);
    this.resume = new ResumeSession(this.deps, this.departure, this.holds, this.lostRooms, this.seats, this.welcome);
    this.leaveRoom = new LeaveRoom(this.deps, this.departure, this.seats);
    this.setMediaState = new SetMediaState(this.deps, this.holds);
    this.negotiate = new NegotiateMedia(this.deps, this.holds);
    this.addIceCandidate = new AddIceCandidate(this.deps, this.holds);
    this.relay = new RelayMediaEvents(this.deps, this.departure);
    this.drain = new DrainNode(this.deps, this.departure);
    this.relay.start();
    this.holds.start();
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
