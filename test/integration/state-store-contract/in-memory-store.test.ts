import { InMemoryRoomStateStore } from '../../../src/adapters/memory/in-memory-room-state-store';
import { roomStateStoreContract } from './room-state-store-contract';

describe('RoomStateStore contract: InMemoryRoomStateStore', () => {
  roomStateStoreContract({
    create: async (nodeId) => new InMemoryRoomStateStore(nodeId),
    destroy: (store) => store.shutdown(),
  });
});
