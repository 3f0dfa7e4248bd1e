import { LuaScript } from '../shared/redis/lua-script';

/*
 * Scripts on one room. KEYS are always the room's meta, members, host and fence keys
 * (RedisKeys.roomKeyList), which share the hash tag {room:<id>}, so each script is one atomic step in one
 * cluster slot. Members live in one hash with three fields each: conn:<user>, media:<user> ("10" = audio
 * on, video off) and joined:<user>, so no script has to decode JSON or round timestamps through Lua numbers.
 * A member that joined resumable has seat:<user> (the proof of its resume token), exp:<user> (its join
 * token's expiry, ms) when there is one, and until:<user> (Redis ms) while its seat is held for it to
 * come back; the room's meta has graceMs, how long its host holds such a seat.
 *
 * Held seats outlive their host. When a host is gone (dead, or it gave the room up), whoever removes its
 * record removes only the members whose seats are not held, and reports them; a resumable member's seat
 * stays until its deadline (its own while it was reconnecting, else the moment the host was found gone
 * plus graceMs, never past exp), the record marked `orphaned`. A join or resume reaching the room's new
 * host takes the record over with those seats; otherwise the seats are removed (and reported) once their
 * deadline passed, by whichever node revisits the room (see orphaned-rooms.ts).
 *
 * Hosting a room is a lease: `host` names the holder and expires unless renewed; `fence.epoch` is the
 * lease's generation. Every new holder gets a larger epoch (a claim, a takeover of a dead holder's room,
 * a reaper revoking a dead holder's lease), and every write of a holder names the epoch it was given: a
 * node that was paused and missed its renewal finds its writes refused once anyone else held the room.
 * A holder whose lease lapsed with nobody after it (every node lost Redis at once) takes it back.
 *
 * These scripts are fences, never placement decisions: which node hosts a room is decided in one place,
 * RedisRoomPlacement.claim (the live holder, else the least-loaded live node, by compare-and-set). A
 * script only checks that the node writing is the one that claim settled on, and refuses otherwise; it
 * never chooses or moves a host.
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
-- Read once per script: a script runs atomically, so one reading serves every use (a join's member time
-- and its presence stamp) at one command instead of two.
local now_cache = nil
local function now_ms()
  if now_cache then return now_cache end
  local t = redis.call('TIME')
  now_cache = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  return now_cache
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
-- With the room's epoch now: a node that finds its claim's lease lapsed and the room placed on it again
-- (host = itself) writes under that epoch next, and keeps it for cleaning up if that write fails.
local function fenced() return { -2, redis.call('GET', HOST) or '', redis.call('HGET', FENCE, 'epoch') or '' } end
local MEMBER_FIELDS = { 'conn:', 'media:', 'joined:', 'seat:', 'exp:', 'until:' }
local function forget_member(user)
  redis.call('HDEL', MEMBERS, 'conn:' .. user, 'media:' .. user, 'joined:' .. user, 'seat:' .. user, 'exp:' .. user, 'until:' .. user)
end
-- The member's fields as flat pairs, as HGETALL gives them.
local function member_pairs(user)
  local out = {}
  for _, prefix in ipairs(MEMBER_FIELDS) do
    local value = redis.call('HGET', MEMBERS, prefix .. user)
    if value then
      out[#out + 1] = prefix .. user
      out[#out + 1] = value
    end
  end
  return out
end
-- Writes a member from ARGV[i..i+6]: user, connection, media, joinedAt, proof, exp, heldForMs ('' = none).
local function write_member(i, now)
  local user = ARGV[i]
  forget_member(user)
  redis.call('HSET', MEMBERS, 'conn:' .. user, ARGV[i + 1], 'media:' .. user, ARGV[i + 2], 'joined:' .. user, ARGV[i + 3])
  if ARGV[i + 4] ~= '' then redis.call('HSET', MEMBERS, 'seat:' .. user, ARGV[i + 4]) end
  if ARGV[i + 5] ~= '' then redis.call('HSET', MEMBERS, 'exp:' .. user, ARGV[i + 5]) end
  if ARGV[i + 6] ~= '' then redis.call('HSET', MEMBERS, 'until:' .. user, fmt(now + tonumber(ARGV[i + 6]))) end
end
-- How long a resumable member's seat is held in a record whose host is gone: its own deadline while it
-- was reconnecting, else now + grace; never past its token's expiry. nil when it is not resumable.
local function held_until(user, now, grace)
  if redis.call('HEXISTS', MEMBERS, 'seat:' .. user) == 0 then return nil end
  local deadline = tonumber(redis.call('HGET', MEMBERS, 'until:' .. user)) or (now + grace)
  local exp = tonumber(redis.call('HGET', MEMBERS, 'exp:' .. user))
  if exp and exp < deadline then deadline = exp end
  return deadline
end
local function member_ids()
  local users = {}
  local fields = redis.call('HKEYS', MEMBERS)
  for _, field in ipairs(fields) do
    if string.sub(field, 1, 5) == 'conn:' then users[#users + 1] = string.sub(field, 6) end
  end
  return users
end
-- Which members of a record another holder left keep their seats: { user = deadline } for held seats,
-- and the list of the others. except (a member joining afresh) is never held.
local function classify(now, except)
  local grace = tonumber(redis.call('HGET', META, 'graceMs')) or 0
  local held, gone, count = {}, {}, 0
  for _, user in ipairs(member_ids()) do
    local deadline = nil
    if user ~= except then deadline = held_until(user, now, grace) end
    if deadline and deadline > now then
      held[user] = deadline
      count = count + 1
    else
      gone[#gone + 1] = user
    end
  end
  return held, gone, count
end
-- Applies classify's verdict: held seats get their deadline, the others go. Returns the removed members'
-- fields, the held members' fields (flat pairs, skip left out), and the earliest and latest deadlines.
local function split(held, gone, skip)
  local removed, kept, first, last = {}, {}, nil, 0
  for user, deadline in pairs(held) do
    redis.call('HSET', MEMBERS, 'until:' .. user, fmt(deadline))
    if user ~= skip then
      for _, v in ipairs(member_pairs(user)) do kept[#kept + 1] = v end
    end
    if not first or deadline < first then first = deadline end
    if deadline > last then last = deadline end
  end
  for _, user in ipairs(gone) do
    for _, v in ipairs(member_pairs(user)) do removed[#removed + 1] = v end
    forget_member(user)
  end
  return removed, kept, first, last
end
-- The members a takeover removed, kept in the record beside its reply: if the reply is lost, the node that
-- gives the room up reports them (reap-room, abandon, with the stash asked for). Any later takeover or
-- rewrite deletes the meta hash, and it with it.
local function stash_replaced(takeover)
  if #takeover[2] > 0 then redis.call('HSET', META, 'replaced', cjson.encode({ takeover[1], takeover[2], takeover[3] })) end
end
local function write_meta(node, epoch, communityId, mediaRefMode, mediaRef, graceMs)
  redis.call('HSET', META, 'communityId', communityId, 'nodeId', node, 'epoch', epoch, 'graceMs', graceMs)
  redis.call('HDEL', META, 'orphaned')
  if mediaRefMode == 'set' then redis.call('HSET', META, 'mediaRef', mediaRef)
  elseif mediaRefMode == 'clear' then redis.call('HDEL', META, 'mediaRef') end
end
`;

/**
 * A join, fenced by the placement's claim (see the top of this file): it never picks the host. With an
 * epoch it writes only while that lease is still the room's. Without one (the claim found the room this
 * node's from its record, or from a lookup's claim whose fence lapsed) it writes only if no other node
 * holds the lease, and takes it for this node: the compare-and-set that keeps the claim's decision when
 * its lease expired during a slow media set-up, refusing if another node claimed the room meanwhile.
 * ARGV: node, epoch ('' when this node has no lease on the room yet), leaseTtl, fenceTtl,
 * communityId, mediaRefMode (set|clear|keep), mediaRef, graceMs, capacity ('' = unchecked), then the
 * member: userId, connectionId, media, joinedAt, proof, exp, heldForMs ('' = none).
 * Replies:
 * - `{ -1, host }`: fenced, another node holds the lease (nothing written);
 * - `{ -2, host, epoch }`: fenced, `epoch` is no longer the room's (this node lost it; nothing written);
 *   the reply's `epoch` is the room's now;
 * - `{ -3 }`: the record a dead host left holds seats for every place (nothing written);
 * - `{ isNew, epoch, stamp }` joined (isNew 1 when the record was created), or
 *   `{ isNew, epoch, stamp, meta, removed, replacedStamp, held, now }` when it took over a record some other
 *   holder (a dead node, or this node's own earlier lease) left: `removed` are the fields of its members
 *   gone with it, `held` of those whose seats it keeps for them (reconnecting members here now).
 */
export const JOIN_SCRIPT = new LuaScript(
  'rtc-join',
  `${ROOM_LIB}
local node, epoch, leaseTtl, user = ARGV[1], ARGV[2], ARGV[3], ARGV[10]
FENCE_TTL = ARGV[4]
local host = redis.call('GET', HOST)
if epoch == '' then
  if host and host ~= node then return { -1, host } end
  epoch = host and redis.call('HGET', FENCE, 'epoch') or new_epoch()
elseif not holds(node, epoch) then
  return fenced()
end
local now = now_ms()
local takeover = nil
-- An orphaned record is nobody's, whatever epoch it names: a join into it takes it over.
local owner = redis.call('HMGET', META, 'nodeId', 'epoch', 'orphaned')
if owner[1] and (owner[1] ~= node or owner[2] ~= epoch or owner[3] == '1') then
  local held, gone, count = classify(now, user)
  if ARGV[9] ~= '' and count + 1 > tonumber(ARGV[9]) then return { -3 } end
  local meta = redis.call('HGETALL', META)
  local removed, kept = split(held, gone, nil)
  takeover = { meta, removed, next_stamp(), kept }
  redis.call('DEL', META)
end
local isNew = redis.call('EXISTS', MEMBERS) == 0 and 1 or 0
write_meta(node, epoch, ARGV[5], ARGV[6], ARGV[7], ARGV[8])
if takeover then stash_replaced(takeover) end
write_member(10, now)
renew(node, epoch, leaseTtl)
keep_record(leaseTtl)
local stamp = next_stamp()
if takeover then return { isNew, epoch, stamp, takeover[1], takeover[2], takeover[3], takeover[4], fmt(now) } end
return { isNew, epoch, stamp }
`,
);

/**
 * A held seat given to a new connection. ARGV: node, epoch ('' when this node has no lease yet), leaseTtl,
 * fenceTtl, communityId, mediaRefMode, mediaRef, graceMs (used only when the record is taken over), then
 * userId, proof (of the token presented), connectionId (the new one), nextProof.
 * The seat must carry that proof and still be held (its deadline, or for a member of a host that is gone
 * the deadline it gets now, not passed, nor its token's expiry); then the new connection and proof replace
 * the old ones in the same step, so a token works once. A record another holder left is taken over as a
 * join takes it over. Replies `{ -1, host }` / `{ -2, host, epoch }` as a join, `{ -4 }` (refused, nothing
 * written), or `{ 1, epoch, member, meta, removed, replacedStamp, held, now }` (the last five only after a
 * takeover).
 */
export const RESUME_SCRIPT = new LuaScript(
  'rtc-resume',
  `${ROOM_LIB}
local node, epoch, leaseTtl, user, proof = ARGV[1], ARGV[2], ARGV[3], ARGV[9], ARGV[10]
FENCE_TTL = ARGV[4]
local host = redis.call('GET', HOST)
if epoch == '' then
  if host and host ~= node then return { -1, host } end
elseif not holds(node, epoch) then
  return fenced()
end
local owner = redis.call('HMGET', META, 'nodeId', 'epoch', 'orphaned')
if not owner[1] or redis.call('HGET', MEMBERS, 'seat:' .. user) ~= proof then return { -4 } end
local current = epoch
if current == '' and host then current = redis.call('HGET', FENCE, 'epoch') end
local foreign = owner[1] ~= node or owner[2] ~= current or owner[3] == '1'
local now = now_ms()
local deadline = nil
if foreign then
  deadline = held_until(user, now, tonumber(redis.call('HGET', META, 'graceMs')) or 0)
else
  deadline = tonumber(redis.call('HGET', MEMBERS, 'until:' .. user))
  local exp = tonumber(redis.call('HGET', MEMBERS, 'exp:' .. user))
  if exp and (not deadline or exp < deadline) then deadline = exp end
end
if deadline and deadline <= now then return { -4 } end
-- '' is true in Lua: a room nobody holds (no host, so no current epoch) gets a new one.
if epoch == '' then epoch = current ~= '' and current or new_epoch() end
local takeover = nil
if foreign then
  local held, gone = classify(now, nil)
  local meta = redis.call('HGETALL', META)
  local removed, kept = split(held, gone, user)
  takeover = { meta, removed, next_stamp(), kept }
  redis.call('DEL', META)
  write_meta(node, epoch, ARGV[5], ARGV[6], ARGV[7], ARGV[8])
  stash_replaced(takeover)
end
redis.call('HSET', MEMBERS, 'conn:' .. user, ARGV[11], 'seat:' .. user, ARGV[12])
redis.call('HDEL', MEMBERS, 'until:' .. user)
renew(node, epoch, leaseTtl)
keep_record(leaseTtl)
if takeover then return { 1, epoch, member_pairs(user), takeover[1], takeover[2], takeover[3], takeover[4], fmt(now) } end
return { 1, epoch, member_pairs(user) }
`,
);

/**
 * The host holds a dropped member's seat. ARGV: node, epoch, leaseTtl, fenceTtl, userId, connectionId,
 * heldForMs. Replies `{ -2, host, epoch }` when refused, `{ 1 }` when the seat is held (until now + heldForMs, never
 * past the member's token expiry), `{ 0 }` when the member is not there through that connection or not resumable.
 */
export const RECONNECTING_SCRIPT = new LuaScript(
  'rtc-reconnecting',
  `${ROOM_LIB}
local user = ARGV[5]
if not holds(ARGV[1], ARGV[2]) then return fenced() end
if redis.call('HGET', MEMBERS, 'conn:' .. user) ~= ARGV[6] or redis.call('HEXISTS', MEMBERS, 'seat:' .. user) == 0 then return { 0 } end
local deadline = now_ms() + tonumber(ARGV[7])
local exp = tonumber(redis.call('HGET', MEMBERS, 'exp:' .. user))
if exp and exp < deadline then deadline = exp end
redis.call('HSET', MEMBERS, 'until:' .. user, fmt(deadline))
return { 1 }
`,
);

/**
 * ARGV: node, epoch, leaseTtl, fenceTtl, userId, connectionId. Replies `{ -2, host, epoch }` when refused, else
 * `{ outcome, stamp }`: 0 (not there through that connection), 1 (removed), 2 (removed, room gone).
 */
export const LEAVE_SCRIPT = new LuaScript(
  'rtc-leave',
  `${ROOM_LIB}
local node, epoch, user = ARGV[1], ARGV[2], ARGV[5]
FENCE_TTL = ARGV[4]
if not holds(node, epoch) then return fenced() end
local stamp = next_stamp()
if redis.call('HGET', MEMBERS, 'conn:' .. user) ~= ARGV[6] then return { 0, stamp } end
forget_member(user)
if redis.call('HLEN', MEMBERS) == 0 then
  redis.call('DEL', META, MEMBERS)
  return { 2, stamp }
end
return { 1, stamp }
`,
);

/** ARGV: node, epoch, leaseTtl, fenceTtl, userId, media. Replies `{ -2, host, epoch }` when refused, `{ 1 }` when the member exists, else `{ 0 }`. */
export const MEDIA_STATE_SCRIPT = new LuaScript(
  'rtc-media-state',
  `${ROOM_LIB}
if not holds(ARGV[1], ARGV[2]) then return fenced() end
if redis.call('HEXISTS', MEMBERS, 'conn:' .. ARGV[5]) == 0 then return { 0 } end
redis.call('HSET', MEMBERS, 'media:' .. ARGV[5], ARGV[6])
return { 1 }
`,
);

/** Returns { meta as flat pairs, members as flat pairs, Redis's time (ms) }, read at one instant. */
export const READ_ROOM_SCRIPT = new LuaScript(
  'rtc-read-room',
  `local t = redis.call('TIME')
return { redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), string.format('%.0f', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) }`,
);

/**
 * Returns { host or '', the node its record names or '', the lease's epoch or '' }. An orphaned record
 * names no node: it outlives a holder that is gone or gave it up, and its held seats may be resumed
 * wherever placement puts the room.
 */
export const READ_HOLDER_SCRIPT = new LuaScript(
  'rtc-read-holder',
  `local owner = redis.call('HMGET', KEYS[1], 'nodeId', 'orphaned')
return { redis.call('GET', KEYS[3]) or '', owner[2] ~= '1' and owner[1] or '', redis.call('HGET', KEYS[4], 'epoch') or '' }`,
);

/**
 * Rewrites a room exactly as this node holds it (after Redis came back, or a write that may have landed
 * late), renewing the lease. ARGV: node, epoch, leaseTtl, fenceTtl, minStamp (presence times this node
 * issued while Redis was away: later ones must be larger), communityId, mediaRefMode, mediaRef, graceMs,
 * then per member userId, connectionId, media, joinedAt, proof, exp, heldForMs ('' = none). Replies
 * `{ -2, host, epoch }` when refused, else `{ 1 }`.
 */
export const REASSERT_ROOM_SCRIPT = new LuaScript(
  'rtc-reassert-room',
  `${ROOM_LIB}
local node, epoch, leaseTtl = ARGV[1], ARGV[2], ARGV[3]
FENCE_TTL = ARGV[4]
if not holds(node, epoch) then return fenced() end
renew(node, epoch, leaseTtl)
redis.call('HSET', FENCE, 'stamp', fmt(math.max(tonumber(redis.call('HGET', FENCE, 'stamp')) or 0, tonumber(ARGV[5]))))
redis.call('DEL', META, MEMBERS)
write_meta(node, epoch, ARGV[6], ARGV[7] == 'set' and 'set' or 'clear', ARGV[8], ARGV[9])
local now = now_ms()
for i = 10, #ARGV, 7 do write_member(i, now) end
keep_record(leaseTtl)
return { 1 }
`,
);

/**
 * The holder's heartbeat renews its lease and keeps the record alive. ARGV: node, epoch, leaseTtl,
 * fenceTtl. Replies `{ 1 }` (renewed), `{ 0 }` (renewed, but the record is missing or another's: rewrite
 * it) or `{ -2, host, epoch }` (refused: another node held the room since).
 */
export const REFRESH_ROOM_SCRIPT = new LuaScript(
  'rtc-refresh-room',
  `${ROOM_LIB}
local node, epoch, leaseTtl = ARGV[1], ARGV[2], ARGV[3]
FENCE_TTL = ARGV[4]
if not holds(node, epoch) then return fenced() end
renew(node, epoch, leaseTtl)
local owner = redis.call('HMGET', META, 'nodeId', 'epoch')
if owner[1] ~= node or owner[2] ~= epoch then return { 0 } end
keep_record(leaseTtl)
return { 1 }
`,
);

/**
 * The holder closes the room (its last member left) or drops one it no longer has: its lease goes, and its
 * record, the fence stays. A record another holder left (a claim that never became a join or resume) is
 * not this node's to remove: its members are reported by whoever removes them; nor is an orphaned one,
 * kept for its held seats. ARGV: node, epoch. Replies `{ -2, host, epoch }` when refused, else `{ 1 }`.
 */
export const CLOSE_ROOM_SCRIPT = new LuaScript(
  'rtc-close-room',
  `${ROOM_LIB}
if not holds(ARGV[1], ARGV[2]) then return fenced() end
local owner = redis.call('HMGET', META, 'nodeId', 'epoch', 'orphaned')
if not owner[1] or (owner[1] == ARGV[1] and owner[2] == ARGV[2] and owner[3] ~= '1') then redis.call('DEL', META, MEMBERS) end
redis.call('DEL', HOST)
return { 1 }
`,
);

/**
 * Removes the members of a record whose holder is gone, except those whose seats are held. ARGV: node,
 * epoch, fenceTtl, mode, leaseTtl, except (a member that goes whatever its seat, '' = none), stash ('1':
 * also return, and remove, what the takeover that wrote this record removed; see stash_replaced),
 * deadSince (`dead`: Redis ms when the reaper found the node dead, '' = unchecked). Modes:
 * - `dead`: the record of a dead node (any epoch); its lease is revoked too (its epoch superseded) unless
 *   another node holds the room by now. Not when the node renewed the room's lease after deadSince: it
 *   came back (a paused process resumed) before this reap reached Redis, and serves the room under that
 *   renewal without asking until it runs out; revoking it would free the room for a second host;
 * - `abandon`: this node gives up a room (another node took it, or a first write here may have taken a
 *   record over without an answer): only the record of the epoch it held, unless already orphaned; its
 *   lease goes too if still its.
 *   Epoch '' (a write sent without a lease, which took one this node never heard of): the room's current
 *   epoch, unless another node holds the lease;
 * - `held`: a record already orphaned, revisited once a held seat may have run out.
 * Resumable members keep their seats until their deadline (see held_until); the others go. With no seat
 * left the record goes; otherwise it is marked orphaned and kept until its last deadline.
 * Replies `{ 0 }` when the mode does not apply, else `{ 1, meta, removed, stamp, held, first, stash }`: the
 * removed members' fields, the removal's presence time, how many seats are still held and the earliest
 * deadline among them ('' when none), and the stash asked for ('' when none).
 */
export const REAP_ROOM_SCRIPT = new LuaScript(
  'rtc-reap-room',
  `${ROOM_LIB}
local node, epoch, mode, leaseTtl = ARGV[1], ARGV[2], ARGV[4], tonumber(ARGV[5])
FENCE_TTL = ARGV[3]
-- Every lease lasts leaseTtl from its renewal: one that runs out later than deadSince + leaseTtl was
-- renewed after the node was found dead, so the node lives.
if mode == 'dead' and ARGV[8] and ARGV[8] ~= '' and redis.call('GET', HOST) == node then
  local left = redis.call('PTTL', HOST)
  if left > 0 and now_ms() + left > tonumber(ARGV[8]) + leaseTtl then return { 0 } end
end
if mode == 'abandon' and epoch == '' then
  local host = redis.call('GET', HOST)
  epoch = (not host or host == node) and redis.call('HGET', FENCE, 'epoch') or false
end
local owner = redis.call('HMGET', META, 'nodeId', 'epoch', 'orphaned')
local applies
if mode == 'held' then applies = owner[3] == '1'
elseif mode == 'abandon' then
  -- An orphaned record is no holder's any more (its revisits reap it), even one this node gave up itself
  -- under the same epoch: a give-up of a write that never reached Redis must not take its seats.
  applies = owner[1] == node and owner[2] == epoch and owner[3] ~= '1'
else applies = owner[1] == node end
local reply = { 0 }
if applies then
  local now = now_ms()
  local meta = redis.call('HGETALL', META)
  local stash = ARGV[7] == '1' and redis.call('HGET', META, 'replaced') or false
  if stash then redis.call('HDEL', META, 'replaced') end
  local held, gone, count = classify(now, ARGV[6] ~= '' and ARGV[6] or nil)
  local removed, _, first, last = split(held, gone, nil)
  if count == 0 then
    redis.call('DEL', META, MEMBERS)
    reply = { 1, meta, removed, 0, 0, '', stash or '' }
  else
    redis.call('HSET', META, 'orphaned', '1')
    for _, key in ipairs({ META, MEMBERS }) do
      if redis.call('PTTL', key) < last - now + leaseTtl then redis.call('PEXPIRE', key, fmt(last - now + leaseTtl)) end
    end
    reply = { 1, meta, removed, 0, count, fmt(first), stash or '' }
  end
end
if mode == 'abandon' and redis.call('GET', HOST) == node and redis.call('HGET', FENCE, 'epoch') == epoch then
  redis.call('DEL', HOST)
end
if mode == 'dead' then
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
 * holder is still ARGV[1] (the dead node the caller saw) and has not renewed the lease since the caller
 * found it dead, with a new epoch. ARGV: expectedHolder ('' = none), candidate, leaseTtl, fenceTtl (for a
 * lookup's claim, the lease's: the fence of a room never hosted expires with the claim; a longer one
 * already there is kept), deadSince (Redis ms when the caller found the holder dead, '' = unchecked),
 * holderTtl (how long a holder's renewal keeps its lease). A holder that renewed after deadSince came
 * back (a paused process resumed) and serves under that renewal without asking: taking it would give the
 * room a second host. Replies `{ holder, epoch }` as they are afterwards. A claim nobody joins leaves
 * nothing behind once `leaseTtl` passes.
 */
export const CLAIM_ROOM_SCRIPT = new LuaScript(
  'rtc-claim-room',
  `${ROOM_LIB}
FENCE_TTL = ARGV[4]
local current = redis.call('GET', HOST)
local function renewed_since(since, ttl)
  if not since or since == '' then return false end
  local left = redis.call('PTTL', HOST)
  return left > 0 and now_ms() + left > tonumber(since) + tonumber(ttl)
end
if not current or (ARGV[1] ~= '' and current == ARGV[1] and not renewed_since(ARGV[5], ARGV[6])) then
  local epoch = new_epoch()
  redis.call('SET', HOST, ARGV[2], 'PX', ARGV[3])
  return { ARGV[2], epoch }
end
return { current, redis.call('HGET', FENCE, 'epoch') or '' }
`,
);
