import { LuaScript } from '../shared/redis/lua-script';

/*
 * Scripts on the node registry. Every key carries the hash tag {nodes}, so each script runs in one slot.
 * Times come from the Redis server's clock (TIME), never from the nodes', which may disagree.
 */

/** Load a draining node reports: above any real node's, so it is picked only if every node drains. */
export const DRAINING_LOAD = 1_000_000_000;

const NOW_MS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * KEYS: all, urls, loads, alive:<self>, rooms:<self>, claims:<self>, roomcounts. ARGV: nodeId, url, load, expiryMs,
 * registryTtlMs, then the ids of the rooms this node hosts. Replaces the node's room index (which
 * repairs any index write missed while a join or leave raced an outage) and drops the claims that are
 * now hosted (their participants are in the load) or expired. Returns every registered node id.
 */
export const HEARTBEAT_SCRIPT = new LuaScript(
  'rtc-heartbeat',
  `${NOW_MS}
local node, keep = ARGV[1], ARGV[5]
redis.call('SADD', KEYS[1], node)
redis.call('HSET', KEYS[2], node, ARGV[2])
redis.call('HSET', KEYS[3], node, ARGV[3])
redis.call('HSET', KEYS[7], node, #ARGV - 5)
redis.call('SET', KEYS[4], ARGV[2], 'PX', ARGV[4])
redis.call('DEL', KEYS[5])
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now)
local batch = {}
local function flush()
  if #batch == 0 then return end
  redis.call('SADD', KEYS[5], unpack(batch))
  redis.call('ZREM', KEYS[6], unpack(batch))
  batch = {}
end
for i = 6, #ARGV do
  batch[#batch + 1] = ARGV[i]
  if #batch == 500 then flush() end
end
flush()
for _, key in ipairs({ KEYS[1], KEYS[2], KEYS[3], KEYS[5], KEYS[6], KEYS[7] }) do redis.call('PEXPIRE', key, keep) end
return redis.call('SMEMBERS', KEYS[1])
`,
);

/**
 * KEYS: alive:<id>, urls. ARGV: id. The node's URL while its heartbeat is alive, else Redis's time (ms,
 * an integer) when it was found dead: a lease it renews after that proves it came back (CLAIM_ROOM_SCRIPT).
 */
export const LIVE_NODE_URL_SCRIPT = new LuaScript(
  'rtc-live-node-url',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
return redis.call('HGET', KEYS[2], ARGV[1])
`,
);

/**
 * Picks the least-loaded live node for a room and books the room on it, as { id, url }, or nil when no
 * node is alive. Load = participants at the node's last heartbeat + each room placed on it that it does
 * not host yet, counted as the participants a room has on average across the live nodes that are not
 * draining and report their rooms (at least 1), both counts from their last heartbeats (the room index
 * changes between heartbeats, the load does not: mixing the two halved the average during a burst of new
 * rooms); the booking counts at once, so a burst of new rooms spreads out even before any client arrives.
 * Ties go to the smallest id.
 *
 * Why a booked room weighs a room's average and not 1: participants and rooms are different units. With
 * a booking worth one participant, a node 100 participants lighter than the others took the next 100 new
 * rooms (1,000 participants in rooms of 10) before any other node got one: in the capacity bench with
 * three nodes, one node reached its CPU limit while the other two were half idle.
 * KEYS: urls, loads, roomcounts, alive:<id_1..n>, claims:<id_1..n>. ARGV: roomId, claimTtlMs, id_1..n.
 */
export const PICK_NODE_SCRIPT = new LuaScript(
  'rtc-pick-node',
  `${NOW_MS}
local n = #ARGV - 2
local live = {}
local participants, rooms = 0, 0
for i = 1, n do
  local id = ARGV[i + 2]
  if redis.call('EXISTS', KEYS[i + 3]) == 1 and redis.call('HEXISTS', KEYS[1], id) == 1 then
    local load = tonumber(redis.call('HGET', KEYS[2], id)) or 0
    live[#live + 1] = { id = id, index = i, load = load }
    local roomCount = tonumber(redis.call('HGET', KEYS[3], id))
    -- A draining node's load is a mark, not participants: in the average it would make one booking outweigh
    -- every node. A node without a room count (a version from before it, during a rolling upgrade) would
    -- add participants without their rooms.
    if load < ${DRAINING_LOAD} and roomCount then
      participants = participants + load
      rooms = rooms + roomCount
    end
  end
end
local perRoom = 1
if rooms > 0 and participants > rooms then perRoom = participants / rooms end
local best, bestLoad, bestIndex
for _, node in ipairs(live) do
  local claims = KEYS[node.index + 3 + n]
  redis.call('ZREMRANGEBYSCORE', claims, '-inf', now)
  local load = node.load + redis.call('ZCARD', claims) * perRoom
  if not best or load < bestLoad or (load == bestLoad and node.id < best) then best, bestLoad, bestIndex = node.id, load, node.index end
end
if not best then return false end
local claims = KEYS[bestIndex + 3 + n]
redis.call('ZADD', claims, now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', claims, ARGV[2])
return { best, redis.call('HGET', KEYS[1], best) }
`,
);

/**
 * KEYS: alive:<ARGV[i]>... Returns Redis's time (ms) and then the ids whose heartbeat key has expired by
 * then: a lease such a node renews after that time proves it came back (see REAP_ROOM_SCRIPT, dead).
 */
export const DEAD_NODES_SCRIPT = new LuaScript(
  'rtc-dead-nodes',
  `
local t = redis.call('TIME')
local dead = { string.format('%.0f', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) }
for i = 1, #ARGV do
  if redis.call('EXISTS', KEYS[i]) == 0 then dead[#dead + 1] = ARGV[i] end
end
return dead
`,
);

/**
 * Removes a node from the registry unless it came back meanwhile. KEYS: all, urls, loads, alive:<id>,
 * rooms:<id>, claims:<id>, roomcounts. ARGV: id. Returns 1 when forgotten.
 */
export const FORGET_NODE_SCRIPT = new LuaScript(
  'rtc-forget-node',
  `
if redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[7], ARGV[1])
redis.call('DEL', KEYS[5], KEYS[6])
return 1
`,
);

/** KEYS: this node's room index. ARGV: ttlMs, roomId. Adds the room; the index never lives without an expiry. */
export const INDEX_ROOM_SCRIPT = new LuaScript(
  'rtc-index-room',
  `
redis.call('SADD', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`,
);

/** KEYS: a set. ARGV: ttlMs, members... Replaces the set's content at once. */
export const REPLACE_SET_SCRIPT = new LuaScript(
  'rtc-replace-set',
  `
redis.call('DEL', KEYS[1])
local batch = {}
for i = 2, #ARGV do
  batch[#batch + 1] = ARGV[i]
  if #batch == 500 then redis.call('SADD', KEYS[1], unpack(batch)); batch = {} end
end
if #batch > 0 then redis.call('SADD', KEYS[1], unpack(batch)) end
if #ARGV > 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 1
`,
);

/**
 * KEYS: orphans. ARGV: roomId, dueAt (Redis ms), slackMs. Books a revisit of a room whose record holds
 * seats for a host that is gone; the set lives at least `slackMs` past the revisit.
 */
export const BOOK_ORPHAN_SCRIPT = new LuaScript(
  'rtc-book-orphan',
  `${NOW_MS}
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local keep = math.max(tonumber(ARGV[2]) - now, 0) + tonumber(ARGV[3])
if redis.call('PTTL', KEYS[1]) < keep then redis.call('PEXPIRE', KEYS[1], string.format('%.0f', keep)) end
return 1
`,
);

/** KEYS: orphans. ARGV: limit. The rooms whose revisit is due by Redis's clock, each followed by its booking. */
export const DUE_ORPHANS_SCRIPT = new LuaScript(
  'rtc-due-orphans',
  `${NOW_MS}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[1]))
`,
);

/**
 * KEYS: orphans. ARGV: roomId, booking (the score a revisit read). Removes the room's booking only if it is
 * still that one: the record may have been taken over and orphaned again, and booked anew, between the
 * revisit's reap and this.
 */
export const UNBOOK_ORPHAN_SCRIPT = new LuaScript(
  'rtc-unbook-orphan',
  `if redis.call('ZSCORE', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
`,
);
