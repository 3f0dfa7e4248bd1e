import { LuaScript } from './lua-script';

/*
 * Scripts on one room. KEYS are always the room's meta, members and host keys (RedisKeys.roomKeyList),
 * which share the hash tag {room:<id>}, so each script is one atomic step in one cluster slot.
 * Members live in one hash with three fields each: conn:<user>, media:<user> ("10" = audio on, video
 * off) and joined:<user>, so no script has to decode JSON or round timestamps through Lua numbers.
 * The room's record (meta, members) lives twice as long as its placement claim (host): when the host
 * dies, the claim lapses after one expiry and placement moves on, while the record is still there for
 * the node that reaps the dead host to read whom it held and report them gone.
 */

/**
 * ARGV: nodeId, ttlMs, communityId, mediaRefMode (set|clear|keep), mediaRef, userId, connectionId, media,
 * joinedAt. Returns 1 when the room was new here, 0 when it was known, or { -1, host } without writing
 * anything when another node holds the room's placement claim. A record left by another node without a
 * claim (a dead host whose claim this node took over) is replaced, so its members cannot linger as ghosts;
 * the reply is then { 1, meta, members } with the replaced record, so its members can be reported gone.
 */
export const JOIN_SCRIPT = new LuaScript(
  'rtc-join',
  `
local node, ttl, user = ARGV[1], ARGV[2], ARGV[6]
local host = redis.call('GET', KEYS[3])
if host and host ~= node then return { -1, host } end
local owner = redis.call('HGET', KEYS[1], 'nodeId')
local replaced = nil
if owner and owner ~= node then
  replaced = { redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]) }
  redis.call('DEL', KEYS[1], KEYS[2])
end
local isNew = redis.call('EXISTS', KEYS[2]) == 0 and 1 or 0
redis.call('HSET', KEYS[1], 'communityId', ARGV[3], 'nodeId', node)
if ARGV[4] == 'set' then redis.call('HSET', KEYS[1], 'mediaRef', ARGV[5])
elseif ARGV[4] == 'clear' then redis.call('HDEL', KEYS[1], 'mediaRef') end
redis.call('HSET', KEYS[2], 'conn:' .. user, ARGV[7], 'media:' .. user, ARGV[8], 'joined:' .. user, ARGV[9])
redis.call('SET', KEYS[3], node, 'PX', ttl)
redis.call('PEXPIRE', KEYS[1], ttl * 2)
redis.call('PEXPIRE', KEYS[2], ttl * 2)
if replaced then return { isNew, replaced[1], replaced[2] } end
return isNew
`,
);

/** ARGV: userId, connectionId. Returns 0 (not there through that connection), 1 (removed), 2 (removed, room gone). */
export const LEAVE_SCRIPT = new LuaScript(
  'rtc-leave',
  `
local user = ARGV[1]
if redis.call('HGET', KEYS[2], 'conn:' .. user) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[2], 'conn:' .. user, 'media:' .. user, 'joined:' .. user)
if redis.call('HLEN', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 2
end
return 1
`,
);

/** ARGV: userId, media. Returns 1 when the member exists. */
export const MEDIA_STATE_SCRIPT = new LuaScript(
  'rtc-media-state',
  `
if redis.call('HEXISTS', KEYS[2], 'conn:' .. ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], 'media:' .. ARGV[1], ARGV[2])
return 1
`,
);

/** Returns { meta as flat pairs, members as flat pairs }, read at one instant. */
export const READ_ROOM_SCRIPT = new LuaScript(
  'rtc-read-room',
  `return { redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]) }`,
);

/**
 * Rewrites a room exactly as this node holds it (after Redis came back). Refuses, returning 0, when
 * another node claimed the room meanwhile. ARGV: nodeId, ttlMs, communityId, mediaRefMode, mediaRef,
 * then userId, connectionId, media, joinedAt per member.
 */
export const REASSERT_ROOM_SCRIPT = new LuaScript(
  'rtc-reassert-room',
  `
local node, ttl = ARGV[1], ARGV[2]
local host = redis.call('GET', KEYS[3])
if host and host ~= node then return 0 end
redis.call('SET', KEYS[3], node, 'PX', ttl)
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'communityId', ARGV[3], 'nodeId', node)
if ARGV[4] == 'set' then redis.call('HSET', KEYS[1], 'mediaRef', ARGV[5]) end
for i = 6, #ARGV, 4 do
  local user = ARGV[i]
  redis.call('HSET', KEYS[2], 'conn:' .. user, ARGV[i + 1], 'media:' .. user, ARGV[i + 2], 'joined:' .. user, ARGV[i + 3])
end
redis.call('PEXPIRE', KEYS[1], ttl * 2)
redis.call('PEXPIRE', KEYS[2], ttl * 2)
return 1
`,
);

/**
 * The hosting node's heartbeat keeps its rooms alive. ARGV: nodeId, ttlMs. Returns 1 (refreshed),
 * 0 (the room is gone from Redis) or -1 (another node records it as its own).
 */
export const REFRESH_ROOM_SCRIPT = new LuaScript(
  'rtc-refresh-room',
  `
local node, ttl = ARGV[1], ARGV[2]
local owner = redis.call('HGET', KEYS[1], 'nodeId')
if not owner then return 0 end
if owner ~= node then return -1 end
redis.call('PEXPIRE', KEYS[1], ttl * 2)
redis.call('PEXPIRE', KEYS[2], ttl * 2)
local host = redis.call('GET', KEYS[3])
if host == node then redis.call('PEXPIRE', KEYS[3], ttl)
elseif not host then redis.call('SET', KEYS[3], node, 'PX', ttl) end
return 1
`,
);

/**
 * Deletes the room and its claim only while they still belong to `ARGV[1]` (a dead node, or this node
 * dropping a room it no longer holds), so a reaper never removes a room another node took over.
 * Returns { 1, meta, members } (the HGETALL replies decodeRoom reads) when the room record was removed,
 * so a reaper can report a dead node's members gone, else { 0 }.
 */
export const REAP_ROOM_SCRIPT = new LuaScript(
  'rtc-reap-room',
  `
local reply = { 0 }
if redis.call('HGET', KEYS[1], 'nodeId') == ARGV[1] then
  reply = { 1, redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]) }
  redis.call('DEL', KEYS[1], KEYS[2])
end
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
return reply
`,
);

/**
 * Compare-and-set of the placement claim (KEYS[1] = host). Takes the room for ARGV[2] when nobody holds
 * it or the holder is still ARGV[1] (the dead node the caller saw). Returns the holder afterwards.
 * ARGV: expectedHolder ('' = none), candidate, ttlMs.
 */
export const CLAIM_ROOM_SCRIPT = new LuaScript(
  'rtc-claim-room',
  `
local current = redis.call('GET', KEYS[1])
if not current or (ARGV[1] ~= '' and current == ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return ARGV[2]
end
return current
`,
);

/** Drops the claim (KEYS[1] = host) only if it is ARGV[1]'s. */
export const RELEASE_ROOM_SCRIPT = new LuaScript(
  'rtc-release-room',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
);
