import { LuaScript } from './lua-script';

/*
 * Scripts on the node registry. Every key carries the hash tag {nodes}, so each script runs in one slot.
 */

/**
 * KEYS: all, urls, loads, alive:<self>, rooms:<self>. ARGV: nodeId, url, load, expiryMs, registryTtlMs,
 * then the ids of the rooms this node hosts (replacing its index, which repairs any index write missed
 * while a join or leave raced an outage).
 */
export const HEARTBEAT_SCRIPT = new LuaScript(
  'rtc-heartbeat',
  `
local node, keep = ARGV[1], ARGV[5]
redis.call('SADD', KEYS[1], node)
redis.call('HSET', KEYS[2], node, ARGV[2])
redis.call('HSET', KEYS[3], node, ARGV[3])
redis.call('SET', KEYS[4], ARGV[2], 'PX', ARGV[4])
redis.call('DEL', KEYS[5])
local batch = {}
for i = 6, #ARGV do
  batch[#batch + 1] = ARGV[i]
  if #batch == 500 then redis.call('SADD', KEYS[5], unpack(batch)); batch = {} end
end
if #batch > 0 then redis.call('SADD', KEYS[5], unpack(batch)) end
for _, key in ipairs({ KEYS[1], KEYS[2], KEYS[3], KEYS[5] }) do redis.call('PEXPIRE', key, keep) end
return 1
`,
);

/** KEYS: alive:<id>, urls. ARGV: id. The node's URL while its heartbeat is alive, else nil. */
export const LIVE_NODE_URL_SCRIPT = new LuaScript(
  'rtc-live-node-url',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('HGET', KEYS[2], ARGV[1])
`,
);

/**
 * The least-loaded live node among ARGV (ties: smallest id), as { id, url }, or nil when none is alive.
 * Its load is raised by one at once, so a burst of new rooms between two heartbeats spreads out instead
 * of all landing on the node that was idlest at the last heartbeat. KEYS: urls, loads, alive:<ARGV[i]>...
 */
export const PICK_NODE_SCRIPT = new LuaScript(
  'rtc-pick-node',
  `
local best, bestLoad
for i = 1, #ARGV do
  if redis.call('EXISTS', KEYS[i + 2]) == 1 and redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then
    local load = tonumber(redis.call('HGET', KEYS[2], ARGV[i])) or 0
    if not best or load < bestLoad or (load == bestLoad and ARGV[i] < best) then best, bestLoad = ARGV[i], load end
  end
end
if not best then return false end
redis.call('HINCRBY', KEYS[2], best, 1)
return { best, redis.call('HGET', KEYS[1], best) }
`,
);

/** KEYS: alive:<ARGV[i]>... Returns the ids whose heartbeat key has expired. */
export const DEAD_NODES_SCRIPT = new LuaScript(
  'rtc-dead-nodes',
  `
local dead = {}
for i = 1, #ARGV do
  if redis.call('EXISTS', KEYS[i]) == 0 then dead[#dead + 1] = ARGV[i] end
end
return dead
`,
);

/**
 * Removes a node from the registry unless it came back meanwhile. KEYS: all, urls, loads, alive:<id>,
 * rooms:<id>. ARGV: id. Returns 1 when forgotten.
 */
export const FORGET_NODE_SCRIPT = new LuaScript(
  'rtc-forget-node',
  `
if redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[5])
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
