import type { MemberRecord, RoomRecord, RoomStateStore } from '../../../src/application';

/** How a suite gets a fresh, empty store for one node, and disposes of it. */
export interface StoreHarness {
  create(nodeId: string): Promise<RoomStateStore>;
  destroy(store: RoomStateStore): Promise<void>;
}

const member = (userId: string, connectionId: string, extra: Partial<MemberRecord> = {}): MemberRecord => ({
  userId,
  connectionId,
  audio: true,
  video: false,
  joinedAt: 1_700_000_000_000,
  ...extra,
});

const byUser = (members: readonly MemberRecord[]): MemberRecord[] =>
  [...members].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));

const membersOf = async (store: RoomStateStore, roomId: string): Promise<MemberRecord[] | undefined> => {
  const room = await store.getRoom(roomId);
  return room && byUser(room.members);
};

/**
 * What every RoomStateStore must do, written once and run against each adapter: the in-memory store, and
 * Redis on one server and on a cluster.
 */
export const roomStateStoreContract = (harness: StoreHarness): void => {
  let store: RoomStateStore;
  const nodeId = 'node-a';

  beforeEach(async () => {
    store = await harness.create(nodeId);
  });

  afterEach(async () => {
    await harness.destroy(store);
  });

  it('knows no room before the first join', async () => {
    await expect(store.getRoom('c-1')).resolves.toBeUndefined();
    await expect(store.listRooms()).resolves.toEqual([]);
    expect(store.isAvailable()).toBe(true);
  });

  it('records a join with the room header, the hosting node and the member', async () => {
    const alice = member('alice', 'conn-1', { audio: true, video: true, joinedAt: 1_700_000_000_123 });
    await store.recordJoin({ roomId: 'c-1', communityId: '42', mediaRef: 'pipeline-1' }, alice);

    const expected: RoomRecord = { roomId: 'c-1', communityId: '42', nodeId, mediaRef: 'pipeline-1', members: [alice] };
    await expect(store.getRoom('c-1')).resolves.toEqual(expected);
  });

  it('adds further members and updates the header', async () => {
    await store.recordJoin({ roomId: 'r-7', communityId: '0', mediaRef: 'p-1' }, member('alice', 'c1'));
    await store.recordJoin({ roomId: 'r-7', communityId: '0', mediaRef: 'p-2' }, member('bob', 'c2', { audio: false }));

    const room = await store.getRoom('r-7');
    expect(room?.mediaRef).toBe('p-2');
    expect(room?.communityId).toBe('0');
    expect(byUser(room?.members ?? [])).toEqual([member('alice', 'c1'), member('bob', 'c2', { audio: false })]);
  });

  it('keeps the media ref when a join names none, and drops it when a join clears it', async () => {
    await store.recordJoin({ roomId: 'c-2', communityId: '1', mediaRef: 'p-1' }, member('alice', 'c1'));
    await store.recordJoin({ roomId: 'c-2', communityId: '1' }, member('bob', 'c2'));
    expect((await store.getRoom('c-2'))?.mediaRef).toBe('p-1');

    await store.recordJoin({ roomId: 'c-2', communityId: '1', mediaRef: undefined }, member('carol', 'c3'));
    const room = await store.getRoom('c-2');
    expect(room).toBeDefined();
    expect(room && 'mediaRef' in room).toBe(false);
  });

  it('replaces a member who joins again from another connection', async () => {
    await store.recordJoin({ roomId: 'c-3', communityId: '1' }, member('alice', 'old', { video: false }));
    await store.recordJoin({ roomId: 'c-3', communityId: '1' }, member('alice', 'new', { video: true, joinedAt: 1_700_000_009_999 }));

    await expect(membersOf(store, 'c-3')).resolves.toEqual([member('alice', 'new', { video: true, joinedAt: 1_700_000_009_999 })]);
  });

  it('removes a member only through the connection that holds it', async () => {
    await store.recordJoin({ roomId: 'c-4', communityId: '1' }, member('alice', 'c1'));
    await store.recordJoin({ roomId: 'c-4', communityId: '1' }, member('bob', 'c2'));

    await store.recordLeave('c-4', 'alice', 'stale-connection');
    await expect(membersOf(store, 'c-4')).resolves.toEqual([member('alice', 'c1'), member('bob', 'c2')]);

    await store.recordLeave('c-4', 'alice', 'c1');
    await expect(membersOf(store, 'c-4')).resolves.toEqual([member('bob', 'c2')]);
  });

  it('removes the room with its last member', async () => {
    await store.recordJoin({ roomId: 'c-5', communityId: '1', mediaRef: 'p' }, member('alice', 'c1'));
    await store.recordLeave('c-5', 'alice', 'c1');

    await expect(store.getRoom('c-5')).resolves.toBeUndefined();
    await expect(store.listRooms()).resolves.toEqual([]);
  });

  it('ignores leaves of unknown rooms and users', async () => {
    // Never a failure: a departure always happened in the node's memory, whatever the record says.
    await expect(store.recordLeave('nowhere', 'alice', 'c1')).resolves.toEqual(expect.objectContaining({ at: expect.any(Number) }));
    await store.recordJoin({ roomId: 'c-6', communityId: '1' }, member('alice', 'c1'));
    await store.recordLeave('c-6', 'bob', 'c1');
    await expect(membersOf(store, 'c-6')).resolves.toEqual([member('alice', 'c1')]);
  });

  it('records media state changes of members only', async () => {
    await store.recordJoin({ roomId: 'c-7', communityId: '1' }, member('alice', 'c1', { audio: true, video: false }));

    await store.recordMediaState('c-7', 'alice', { audio: false, video: true });
    await expect(membersOf(store, 'c-7')).resolves.toEqual([member('alice', 'c1', { audio: false, video: true })]);

    await store.recordMediaState('c-7', 'mallory', { audio: true, video: true });
    await store.recordMediaState('no-room', 'alice', { audio: true, video: true });
    await expect(membersOf(store, 'c-7')).resolves.toEqual([member('alice', 'c1', { audio: false, video: true })]);
    await expect(store.getRoom('no-room')).resolves.toBeUndefined();
  });

  it('closes a room with all its members', async () => {
    await store.recordJoin({ roomId: 'c-8', communityId: '1' }, member('alice', 'c1'));
    await store.recordJoin({ roomId: 'c-8', communityId: '1' }, member('bob', 'c2'));
    await store.recordJoin({ roomId: 'c-9', communityId: '1' }, member('carol', 'c3'));

    await store.recordRoomClosed('c-8');
    await store.recordRoomClosed('never-existed');

    await expect(store.getRoom('c-8')).resolves.toBeUndefined();
    expect((await store.listRooms()).map((r) => r.roomId)).toEqual(['c-9']);
  });

  it('lists every room with its members', async () => {
    await store.recordJoin({ roomId: 'c-10', communityId: '5', mediaRef: 'p10' }, member('alice', 'c1'));
    await store.recordJoin({ roomId: 'r-11', communityId: '0' }, member('bob', 'c2'));
    await store.recordJoin({ roomId: 'r-11', communityId: '0' }, member('carol', 'c3'));

    const rooms = [...(await store.listRooms())].sort((a, b) => (a.roomId < b.roomId ? -1 : 1));
    expect(rooms.map((r) => ({ ...r, members: byUser(r.members) }))).toEqual([
      { roomId: 'c-10', communityId: '5', nodeId, mediaRef: 'p10', members: [member('alice', 'c1')] },
      { roomId: 'r-11', communityId: '0', nodeId, members: [member('bob', 'c2'), member('carol', 'c3')] },
    ]);
  });

  it('ends with exactly the right members after 200 concurrent joins over 20 rooms and concurrent leaves', async () => {
    const rooms = Array.from({ length: 20 }, (_, r) => `load-${r}`);
    const joins = rooms.flatMap((roomId, r) =>
      Array.from({ length: 10 }, (_, u) =>
        store.recordJoin({ roomId, communityId: '9' }, member(`u${r}-${u}`, `conn-${r}-${u}`, { joinedAt: 1_700_000_000_000 + u })),
      ),
    );
    await Promise.all(joins);

    // Then, all at once: users 0–2 of every room leave, users 3–4 "leave" through a wrong connection
    // (must stay), user 5 changes media state, and room load-19 empties completely.
    const changes: Promise<unknown>[] = [];
    rooms.forEach((roomId, r) => {
      for (let u = 0; u < 10; u += 1) {
        if (u <= 2 || r === 19) changes.push(store.recordLeave(roomId, `u${r}-${u}`, `conn-${r}-${u}`));
        else if (u <= 4) changes.push(store.recordLeave(roomId, `u${r}-${u}`, `other-${r}-${u}`));
        else if (u === 5) changes.push(store.recordMediaState(roomId, `u${r}-${u}`, { audio: false, video: true }));
      }
    });
    await Promise.all(changes);

    for (const [r, roomId] of rooms.entries()) {
      const members = await membersOf(store, roomId);
      if (r === 19) {
        expect(members).toBeUndefined();
        continue;
      }
      const expected = Array.from({ length: 7 }, (_, i) => i + 3).map((u) =>
        member(`u${r}-${u}`, `conn-${r}-${u}`, { joinedAt: 1_700_000_000_000 + u, ...(u === 5 ? { audio: false, video: true } : {}) }),
      );
      expect(members).toEqual(byUser(expected));
    }
    const listed = (await store.listRooms()).map((room) => room.roomId).sort();
    expect(listed).toEqual(rooms.slice(0, 19).sort());
  });

  describe('seats of resumable members', () => {
    const seated = (userId: string, connectionId: string, proof: string, notAfter?: number): MemberRecord =>
      member(userId, connectionId, { seat: { proof, ...(notAfter !== undefined ? { notAfter } : {}) } });
    const seatOf = async (roomId: string, userId: string) => (await store.getRoom(roomId))?.members.find((m) => m.userId === userId);

    it('keeps the proof and expiry of a resumable member, and no seat for the others', async () => {
      await store.recordJoin({ roomId: 's-1', communityId: '1', resumeGraceMs: 5_000 }, seated('alice', 'c1', 'proof-a', 4_102_444_800_000));
      await store.recordJoin({ roomId: 's-1', communityId: '1' }, member('bob', 'c2'));
      await expect(membersOf(store, 's-1')).resolves.toEqual([seated('alice', 'c1', 'proof-a', 4_102_444_800_000), member('bob', 'c2')]);
    });

    it('holds a seat for as long as the host says, only for the member still on that connection', async () => {
      await store.recordJoin({ roomId: 's-2', communityId: '1' }, seated('alice', 'c1', 'proof-a'));
      await store.recordJoin({ roomId: 's-2', communityId: '1' }, member('bob', 'c2'));
      await store.recordReconnecting('s-2', 'alice', 'other-connection', 10_000);
      expect((await seatOf('s-2', 'alice'))?.seat?.heldForMs).toBeUndefined();
      await store.recordReconnecting('s-2', 'bob', 'c2', 10_000);
      expect((await seatOf('s-2', 'bob'))?.seat).toBeUndefined();

      await store.recordReconnecting('s-2', 'alice', 'c1', 10_000);
      const held = (await seatOf('s-2', 'alice'))?.seat?.heldForMs;
      expect(held).toBeGreaterThan(8_000);
      expect(held).toBeLessThanOrEqual(10_000);
    });

    it('gives a held seat to a new connection once: the proof must match and is replaced', async () => {
      await store.recordJoin({ roomId: 's-3', communityId: '1' }, seated('alice', 'c1', 'proof-a'));
      await store.recordReconnecting('s-3', 'alice', 'c1', 10_000);

      await expect(store.recordResume({ roomId: 's-3', communityId: '1' }, { userId: 'alice', proof: 'forged', connectionId: 'c9', nextProof: 'p9' })).resolves.toEqual({
        outcome: 'refused',
      });
      const resumed = await store.recordResume({ roomId: 's-3', communityId: '1' }, { userId: 'alice', proof: 'proof-a', connectionId: 'c2', nextProof: 'proof-b' });
      expect(resumed).toMatchObject({ outcome: 'resumed', member: { userId: 'alice', connectionId: 'c2', audio: true, video: false, seat: { proof: 'proof-b' } } });
      await expect(store.recordResume({ roomId: 's-3', communityId: '1' }, { userId: 'alice', proof: 'proof-a', connectionId: 'c3', nextProof: 'proof-c' })).resolves.toEqual({
        outcome: 'refused',
      });
      const alice = await seatOf('s-3', 'alice');
      expect(alice?.connectionId).toBe('c2');
      expect(alice?.seat).toEqual({ proof: 'proof-b' });
    });

    it('of concurrent resumes with one proof exactly one wins', async () => {
      await store.recordJoin({ roomId: 's-4', communityId: '1' }, seated('alice', 'c1', 'proof-a'));
      await store.recordReconnecting('s-4', 'alice', 'c1', 10_000);
      const outcomes = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          store.recordResume({ roomId: 's-4', communityId: '1' }, { userId: 'alice', proof: 'proof-a', connectionId: `c-${i}`, nextProof: `next-${i}` }),
        ),
      );
      expect(outcomes.filter((o) => o.outcome === 'resumed')).toHaveLength(1);
    });

    it('refuses a resume once the seat ran out, or past the token expiry', async () => {
      await store.recordJoin({ roomId: 's-5', communityId: '1' }, seated('alice', 'c1', 'proof-a'));
      await store.recordJoin({ roomId: 's-5', communityId: '1' }, seated('bob', 'c2', 'proof-b', Date.now() - 1));
      await store.recordReconnecting('s-5', 'alice', 'c1', 1);
      await new Promise((resolve) => setTimeout(resolve, 30));
      await expect(store.recordResume({ roomId: 's-5', communityId: '1' }, { userId: 'alice', proof: 'proof-a', connectionId: 'c3', nextProof: 'x' })).resolves.toEqual({
        outcome: 'refused',
      });
      await expect(store.recordResume({ roomId: 's-5', communityId: '1' }, { userId: 'bob', proof: 'proof-b', connectionId: 'c4', nextProof: 'y' })).resolves.toEqual({
        outcome: 'refused',
      });
      await expect(store.recordResume({ roomId: 'nowhere', communityId: '1' }, { userId: 'bob', proof: 'proof-b', connectionId: 'c4', nextProof: 'y' })).resolves.toEqual({
        outcome: 'refused',
      });
    });

    it('a held seat leaves with its old connection, and a plain rejoin drops the seat', async () => {
      await store.recordJoin({ roomId: 's-6', communityId: '1' }, seated('alice', 'c1', 'proof-a'));
      await store.recordJoin({ roomId: 's-6', communityId: '1' }, seated('bob', 'c2', 'proof-b'));
      await store.recordReconnecting('s-6', 'alice', 'c1', 10_000);
      await store.recordLeave('s-6', 'alice', 'c1');
      await store.recordJoin({ roomId: 's-6', communityId: '1' }, member('bob', 'c3'));
      await expect(membersOf(store, 's-6')).resolves.toEqual([member('bob', 'c3')]);
    });
  });
};
