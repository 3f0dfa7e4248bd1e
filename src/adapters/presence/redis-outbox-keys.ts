import { LuaScript } from '../shared/redis/lua-script';
/** The state store's default key prefix (REDIS_KEY_PREFIX), so presence keys sit next to the room keys. */
export const DEFAULT_OUTBOX_KEY_PREFIX = 'rtc:';

/**
 * Every presence outbox key carries the hash tag `{presence}`: on a Redis Cluster they all live in one
 * slot, so the adopt script can move entries between two nodes' streams atomically. The outboxes are
 * small (bounded, emptied as the presence server acknowledges), so one slot is no hot spot worth fearing.
 */
export interface OutboxKeys {
  /** STREAM of one node's undelivered messages, oldest first. */
  stream(nodeId: string): string;
  /** STRING with a TTL, refreshed by the owning node while it runs: absent means the node is dead. */
  alive(nodeId: string): string;
  /**
   * STRING: the generation of the node's hold on its stream. A node that takes over a dead node's stream
   * raises it, so the owner, if it was only paused, finds its writes refused and learns that its stored
   * notifications are another node's to deliver now.
   */
  epoch(nodeId: string): string;
  /** SET of node ids that may have an outbox, for the dead-node sweep. */
  readonly owners: string;
}

export function outboxKeys(prefix: string): OutboxKeys {
  const base = `${prefix}{presence}:`;
  return {
    stream: (nodeId) => `${base}outbox:${nodeId}`,
    alive: (nodeId) => `${base}alive:${nodeId}`,
    epoch: (nodeId) => `${base}epoch:${nodeId}`,
    owners: `${base}owners`,
  };
}

/** The stream field holding a message's JSON. */
export const MESSAGE_FIELD = 'm';

/** First element of the adopt script's reply when the owner turned out to be alive: nothing was moved. */
export const OWNER_ALIVE = 'alive';
/** First element of the adopt script's reply when the adopting node's own stream was taken over: nothing was moved. */
export const ADOPTER_FENCED = 'fenced';

/**
 * How long the outbox keys live after the last write or heartbeat of their owner: a stream no live node
 * took over within a day is only stale news. Every key the project writes has an expiry.
 */
export const OUTBOX_TTL_MS = 24 * 3_600_000;

/** A new epoch: larger than any before, even after the key expired (Redis's clock). */
const NEXT_EPOCH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local epoch = string.format('%.0f', math.max((tonumber(redis.call('GET', EPOCH)) or 0) + 1, now))
redis.call('SET', EPOCH, epoch, 'PX', TTL)
`;

/** KEYS: epoch. ARGV: ttl. Takes the stream for this process with a new epoch, which it returns. */
export const CLAIM_OUTBOX_SCRIPT = new LuaScript('rtc-outbox-claim', `
local EPOCH, TTL = KEYS[1], ARGV[1]
${NEXT_EPOCH}
return epoch
`);

/**
 * The owner's liveness, refused (0) once another node took the stream over. KEYS: epoch, alive, owners,
 * stream. ARGV: epoch, livenessMs, ttl, nodeId, alive value.
 */
export const OUTBOX_HEARTBEAT_SCRIPT = new LuaScript('rtc-outbox-heartbeat', `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[4])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[4], ARGV[3])
return 1
`);

/** Appends messages; refused (false) once another node took the stream over. KEYS: epoch, stream. ARGV: epoch, ttl, field, json... */
export const OUTBOX_APPEND_SCRIPT = new LuaScript('rtc-outbox-append', `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local ids = {}
for i = 4, #ARGV do ids[#ids + 1] = redis.call('XADD', KEYS[2], '*', ARGV[3], ARGV[i]) end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return ids
`);

/** Deletes delivered messages; refused (-1) once another node took the stream over. KEYS: epoch, stream. ARGV: epoch, ids... */
export const OUTBOX_DELETE_SCRIPT = new LuaScript('rtc-outbox-delete', `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
return redis.call('XDEL', KEYS[2], unpack(ARGV, 2))
`);

/**
 * Moves every entry of a dead node's stream (KEYS[1]) to the end of ours (KEYS[2]), oldest first, deletes
 * the dead stream and forgets the dead node (SREM from KEYS[4]), in one atomic step: two nodes reaping the
 * same dead node cannot both get the entries, and a crash half-way cannot lose or double them. Refuses
 * (returns {'alive'}) when the owner's liveness key (KEYS[3]) exists: a node that came back, or never died,
 * keeps its outbox. Refuses ({'fenced'}) when the adopting node's own epoch (KEYS[6]) is no longer ARGV[4]:
 * a node whose stream another node took over (it was paused) would drop every stored entry, the adopted
 * ones included, on learning of it, and leave them in a stream nobody reads while it lives.
 * Otherwise returns {'moved', newId, json, newId, json, ...}, and raises the dead node's epoch (KEYS[5])
 * so that, if it was only paused, its next write is refused.
 * ARGV: [1] message field, [2] the dead node id, [3] the keys' TTL, [4] the adopting node's epoch.
 */
export const ADOPT_OUTBOX_SCRIPT = new LuaScript('rtc-outbox-adopt', `
if redis.call('GET', KEYS[6]) ~= ARGV[4] then
  return {'${ADOPTER_FENCED}'}
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  return {'${OWNER_ALIVE}'}
end
local EPOCH, TTL = KEYS[5], ARGV[3]
${NEXT_EPOCH}
local moved = {'moved'}
local entries = redis.call('XRANGE', KEYS[1], '-', '+')
for _, entry in ipairs(entries) do
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == ARGV[1] then
      local id = redis.call('XADD', KEYS[2], '*', ARGV[1], fields[i + 1])
      moved[#moved + 1] = id
      moved[#moved + 1] = fields[i + 1]
    end
  end
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[4], ARGV[2])
if #moved > 1 then redis.call('PEXPIRE', KEYS[2], TTL) end
return moved
`);
