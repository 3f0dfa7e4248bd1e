import { LuaScript } from './lua-script';

/*
 * Scripts on one room. KEYS are always the room's meta, members, host and fence keys
 * (RedisKeys.roomKeyList), which share the hash tag {room:<id>}, so each script is one atomic step in one
 * cluster slot. Members live in one hash with three fields each: conn:<user>, media:<user> ("10" = audio
 * on, video off) and joined:<user>, so no script has to decode JSON or round timestamps through Lua numbers.
 *
 * Hosting a room is a lease: `host` names the holder and expires unless renewed; `fence.epoch` is the
 * lease's generation. Every new holder gets a larger epoch (a claim, a takeover of a dead holder's room,
 * a reaper revoking a dead holder's lease), and every write of a holder names the epoch it was given: a
 * node that was paused and missed its renewal finds its writes refused once anyone else held the room.
 * A holder whose lease lapsed with nobody after it (every node lost Redis at once) takes it back.
 *
 * The room's record (meta, members) lives twice as long as the lease: when the host dies, the lease
 * lapses after one expiry and placement moves on, while the record is still there for the node that reaps
 * the dead host to read whom it held and report them gone. The fence lives longest (FENCE_TTL_MS).
 *
 * Presence times (`fence.stamp`) come from Redis's clock and grow strictly per room, so one user's enter,
 * leave and nodeLost in one room are ordered whichever nodes report them.
 */

/** Lua numbers are doubles; tostring() would print an epoch of 13 digits in exponent form. */
const ROOM_LIB = `
local META, MEMBERS, HOST, FENCE = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
-- Set by each script that may write the fence: every key the project writes has an expiry.
local FENCE_TTL = 0
-- Once per script: each call follows a write that leaves the fence in place, so a second PTTL/PEXPIRE
-- in the same atomic step would find what the first one left (a join used to pay both twice).
local fence_kept = false
-- The fence's epoch as this script last read or wrote it (false: not read yet), so renew() does not read it again.
local fence_epoch = false
local function keep_fence()
  if fence_kept then return end
  fence_kept = true
  if redis.call('PTTL', FENCE) < tonumber(FENCE_TTL) then redis.call('PEXPIRE', FENCE, FENCE_TTL) end
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fmt(n) return string.format('%.0f', n) end
local function new_epoch()
  local e = math.max((tonumber(redis.call('HGET', FENCE, 'epoch')) or 0) + 1, now_ms())
  fence_epoch = fmt(e)
  redis.call('HSET', FENCE, 'epoch', fence_epoch)
  keep_fence()
  return fence_epoch
end
local function next_stamp(floor)
  local s = math.max(now_ms(), (tonumber(redis.call('HGET', FENCE, 'stamp')) or 0) + 1, tonumber(floor) or 0)
  redis.call('HSET', FENCE, 'stamp', fmt(s))
  keep_fence()
  return fmt(s)
end
local function holds(node, epoch)
  local current = redis.call('HGET', FENCE, 'epoch')
  fence_epoch = current
  local host = redis.call('GET', HOST)
  if host then return host == node and current == epoch end
  return current == epoch or not current
end
local function renew(node, epoch, leaseTtl)
  redis.call('SET', HOST, node, 'PX', leaseTtl)
  if fence_epoch ~= epoch and not redis.call('HGET', FENCE, 'epoch') then redis.call('HSET', FENCE, 'epoch', epoch) end
  keep_fence()
end
local function keep_record(leaseTtl)
  redis.call('PEXPIRE', META, tonumber(leaseTtl) * 2)
  redis.call('PEXPIRE', MEMBERS, tonumber(leaseTtl) * 2)
end
local function refused() return { -2, redis.call('GET', HOST) or '' } end
`;

/**
 * A join. ARGV: node, epoch ('' when this node has no lease on the room yet), leaseTtl, fenceTtl,
 * communityId, mediaRefMode (set|clear|keep), mediaRef, userId, connectionId, media, joinedAt.
 * Replies:
 * - `{ -1, host }`: another node holds the lease (nothing written);
 * - `{ -2, host }`: `epoch` is no longer the room's (this node lost it; nothing written);
 * - `{ isNew, epoch, stamp }` joined (isNew 1 when the record was created), or
 *   `{ isNew, epoch, stamp, meta, members, replacedStamp }` when it replaced a record some other holder
 *   (a dead node, or this node's own earlier lease) left behind, whose members are gone with it.
 */
export const JOIN_SCRIPT = new LuaScript(
  'rtc-join',
  `${ROOM_LIB}
local node, epoch, leaseTtl, user = ARGV[1], ARGV[2], ARGV[3], ARGV[8]
FENCE_TTL = ARGV[4]
local host = redis.call('GET', HOST)
if epoch == '' then
  if host and host ~= node then return { -1, host } end
  epoch = host and redis.call('HGET', FENCE, 'epoch') or new_epoch()
elseif not holds(node, epoch) then
  return refused()
end
local replaced = nil
local owner = redis.call('HMGET', META, 'nodeId', 'epoch')
if owner[1] and (owner[1] ~= node or owner[2] ~= epoch) then
  replaced = { redis.call('HGETALL', META), redis.call('HGETALL', MEMBERS), next_stamp() }
  redis.call('DEL', META, MEMBERS)
end
local isNew = redis.call('EXISTS', MEMBERS) == 0 and 1 or 0
redis.call('HSET', META, 'communityId', ARGV[5], 'nodeId', node, 'epoch', epoch)
if ARGV[6] == 'set' then redis.call('HSET', META, 'mediaRef', ARGV[7])
elseif ARGV[6] == 'clear' then redis.call('HDEL', META, 'mediaRef') end
redis.call('HSET', MEMBERS, 'conn:' .. user, ARGV[9], 'media:' .. user, ARGV[10], 'joined:' .. user, ARGV[11])
renew(node, epoch, leaseTtl)
keep_record(leaseTtl)
local stamp = next_stamp()
if replaced then return { isNew, epoch, stamp, replaced[1], replaced[2], replaced[3] } end
return { isNew, epoch, stamp }
`,
);

/**
 * ARGV: node, epoch, leaseTtl, fenceTtl, userId, connectionId. Replies `{ -2, host }` when refused, else
 * `{ outcome, stamp }`: 0 (not there through that connection), 1 (removed), 2 (removed, room gone).
 */
export const LEAVE_SCRIPT = new LuaScript(
  'rtc-leave',
  `${ROOM_LIB}
local node, epoch, user = ARGV[1], ARGV[2], ARGV[5]
FENCE_TTL = ARGV[4]
if not holds(node, epoch) then return refused() end
local stamp = next_stamp()
if redis.call('HGET', MEMBERS, 'conn:' .. user) ~= ARGV[6] then return { 0, stamp } end
redis.call('HDEL', MEMBERS, 'conn:' .. user, 'media:' .. user, 'joined:' .. user)
if redis.call('HLEN', MEMBERS) == 0 then
  redis.call('DEL', META, MEMBERS)
  return { 2, stamp }
end
return { 1, stamp }
`,
);

/** ARGV: node, epoch, leaseTtl, fenceTtl, userId, media. Replies `{ -2, host }` when refused, `{ 1 }` when the member exists, else `{ 0 }`. */
export const MEDIA_STATE_SCRIPT = new LuaScript(
  'rtc-media-state',
  `${ROOM_LIB}
if not holds(ARGV[1], ARGV[2]) then return refused() end
if redis.call('HEXISTS', MEMBERS, 'conn:' .. ARGV[5]) == 0 then return { 0 } end
redis.call('HSET', MEMBERS, 'media:' .. ARGV[5], ARGV[6])
return { 1 }
`,
);

/** Returns { meta as flat pairs, members as flat pairs }, read at one instant. */
export const READ_ROOM_SCRIPT = new LuaScript(
  'rtc-read-room',
  `return { redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]) }`,
);

/** Returns { host or '', the node its record names or '', the lease's epoch or '' }. */
export const READ_HOLDER_SCRIPT = new LuaScript(
  'rtc-read-holder',
  `return { redis.call('GET', KEYS[3]) or '', redis.call('HGET', KEYS[1], 'nodeId') or '', redis.call('HGET', KEYS[4], 'epoch') or '' }`,
);

/**
 * Rewrites a room exactly as this node holds it (after Redis came back, or a write that may have landed
 * late), renewing the lease. ARGV: node, epoch, leaseTtl, fenceTtl, minStamp (presence times this node
 * issued while Redis was away: later ones must be larger), communityId, mediaRefMode, mediaRef, then
 * userId, connectionId, media, joinedAt per member. Replies `{ -2, host }` when refused, else `{ 1 }`.
 */
export const REASSERT_ROOM_SCRIPT = new LuaScript(
  'rtc-reassert-room',
  `${ROOM_LIB}
local node, epoch, leaseTtl = ARGV[1], ARGV[2], ARGV[3]
FENCE_TTL = ARGV[4]
if not holds(node, epoch) then return refused() end
renew(node, epoch, leaseTtl)
redis.call('HSET', FENCE, 'stamp', fmt(math.max(tonumber(redis.call('HGET', FENCE, 'stamp')) or 0, tonumber(ARGV[5]))))
redis.call('DEL', META, MEMBERS)
redis.call('HSET', META, 'communityId', ARGV[6], 'nodeId', node, 'epoch', epoch)
if ARGV[7] == 'set' then redis.call('HSET', META, 'mediaRef', ARGV[8]) end
for i = 9, #ARGV, 4 do
  local user = ARGV[i]
  redis.call('HSET', MEMBERS, 'conn:' .. user, ARGV[i + 1], 'media:' .. user, ARGV[i + 2], 'joined:' .. user, ARGV[i + 3])
end
keep_record(leaseTtl)
return { 1 }
`,
);

/**
 * The holder's heartbeat renews its lease and keeps the record alive. ARGV: node, epoch, leaseTtl,
 * fenceTtl. Replies `{ 1 }` (renewed), `{ 0 }` (renewed, but the record is missing or another's: rewrite
 * it) or `{ -2, host }` (refused: another node held the room since).
 */
export const REFRESH_ROOM_SCRIPT = new LuaScript(
  'rtc-refresh-room',
  `${ROOM_LIB}
local node, epoch, leaseTtl = ARGV[1], ARGV[2], ARGV[3]
FENCE_TTL = ARGV[4]
if not holds(node, epoch) then return refused() end
renew(node, epoch, leaseTtl)
local owner = redis.call('HMGET', META, 'nodeId', 'epoch')
if owner[1] ~= node or owner[2] ~= epoch then return { 0 } end
keep_record(leaseTtl)
return { 1 }
`,
);

/**
 * The holder closes the room (its last member left) or drops one it no longer has: the record and the
 * lease go, the fence stays. ARGV: node, epoch. Replies `{ -2, host }` when refused, else `{ 1 }`.
 */
export const CLOSE_ROOM_SCRIPT = new LuaScript(
  'rtc-close-room',
  `${ROOM_LIB}
if not holds(ARGV[1], ARGV[2]) then return refused() end
redis.call('DEL', META, MEMBERS, HOST)
return { 1 }
`,
);

/**
 * Removes the record of a holder that is gone: a dead node (ARGV[2] = ''), or this node giving up a room
 * another node took (ARGV[2] = the epoch it held: only that generation's record goes). A dead node's
 * lease is revoked too (its epoch superseded), unless another node holds the room by now. ARGV: node,
 * epoch or '', fenceTtl. Replies `{ 1, meta, members, stamp }` (the HGETALL replies decodeRoom reads and
 * the removal's presence time) when a record was removed, else `{ 0 }`.
 */
export const REAP_ROOM_SCRIPT = new LuaScript(
  'rtc-reap-room',
  `${ROOM_LIB}
local node, epoch = ARGV[1], ARGV[2]
FENCE_TTL = ARGV[3]
local owner = redis.call('HMGET', META, 'nodeId', 'epoch')
local reply = { 0 }
if owner[1] == node and (epoch == '' or owner[2] == epoch) then
  reply = { 1, redis.call('HGETALL', META), redis.call('HGETALL', MEMBERS) }
  redis.call('DEL', META, MEMBERS)
end
if epoch == '' then
  local host = redis.call('GET', HOST)
  if host == node then redis.call('DEL', HOST) end
  if host == node or (not host and owner[1] == node and owner[2] == redis.call('HGET', FENCE, 'epoch')) then new_epoch() end
end
if reply[1] == 1 then reply[4] = next_stamp() end
return reply
`,
);

/**
 * Compare-and-set of the lease by placement. Takes the room for ARGV[2] when nobody holds it or the
 * holder is still ARGV[1] (the dead node the caller saw), with a new epoch. ARGV: expectedHolder ('' =
 * none), candidate, leaseTtl, fenceTtl (for a lookup's claim, the lease's: the fence of a room never
 * hosted expires with the claim; a longer one already there is kept). Replies `{ holder, epoch }` as they
 * are afterwards. A claim nobody joins leaves nothing behind once `leaseTtl` passes.
 */
export const CLAIM_ROOM_SCRIPT = new LuaScript(
  'rtc-claim-room',
  `${ROOM_LIB}
FENCE_TTL = ARGV[4]
local current = redis.call('GET', HOST)
if not current or (ARGV[1] ~= '' and current == ARGV[1]) then
  local epoch = new_epoch()
  redis.call('SET', HOST, ARGV[2], 'PX', ARGV[3])
  return { ARGV[2], epoch }
end
return { current, redis.call('HGET', FENCE, 'epoch') or '' }
`,
);
