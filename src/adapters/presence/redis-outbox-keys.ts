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
  /** SET of node ids that may have an outbox, for the dead-node sweep. */
  readonly owners: string;
}

export function outboxKeys(prefix: string): OutboxKeys {
  const base = `${prefix}{presence}:`;
  return {
    stream: (nodeId) => `${base}outbox:${nodeId}`,
    alive: (nodeId) => `${base}alive:${nodeId}`,
    owners: `${base}owners`,
  };
}

/** The stream field holding a message's JSON. */
export const MESSAGE_FIELD = 'm';

/** First element of the adopt script's reply when the owner turned out to be alive: nothing was moved. */
export const OWNER_ALIVE = 'alive';

/**
 * Moves every entry of a dead node's stream (KEYS[1]) to the end of ours (KEYS[2]), oldest first, deletes
 * the dead stream and forgets the dead node (SREM from KEYS[4]), in one atomic step: two nodes reaping the
 * same dead node cannot both get the entries, and a crash half-way cannot lose or double them. Refuses
 * (returns {'alive'}) when the owner's liveness key (KEYS[3]) exists: a node that came back, or never died,
 * keeps its outbox. Otherwise returns {'moved', newId, json, newId, json, ...}.
 * ARGV: [1] message field, [2] the dead node id.
 */
export const ADOPT_OUTBOX_SCRIPT = `
if redis.call('EXISTS', KEYS[3]) == 1 then
  return {'${OWNER_ALIVE}'}
end
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
return moved
`;
