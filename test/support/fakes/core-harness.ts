import {
  AddIceCandidate,
  DrainNode,
  JoinRoom,
  KeyedMutex,
  LeaveRoom,
  NegotiateMedia,
  RelayMediaEvents,
  ReportLostRoom,
  RoomDeparture,
  RoomHolds,
  RoomRegistry,
  SetMediaState,
  type CoreDependencies,
  type JoinRoomCommand,
} from '../../../src/application';
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
      clock: this.clock,
      logger: this.logger,
      settings: {
        roomCapacity: options.roomCapacity ?? 25,
        nodeId: 'node-test',
        ...(options.maxRoomsPerNode !== undefined ? { maxRoomsPerNode: options.maxRoomsPerNode } : {}),
      },
    };
    this.departure = new RoomDeparture(this.deps);
    this.holds = new RoomHolds(this.deps);
    this.lostRooms = new ReportLostRoom(this.deps);
    this.joinRoom = new JoinRoom(this.deps, this.departure, this.holds, this.lostRooms);
    this.leaveRoom = new LeaveRoom(this.deps, this.departure);
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
