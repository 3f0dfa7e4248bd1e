/** Key of a node's outbox stream. No `{}` hash tag: one Redis (not Cluster) holds all outboxes. */
export const DEFAULT_OUTBOX_KEY_PREFIX = 'presence:outbox:';

export function outboxKey(prefix: string, nodeId: string): string {
  return `${prefix}${nodeId}`;
}

/** The stream field holding a message's JSON. */
export const MESSAGE_FIELD = 'm';

/**
 * Moves every entry of a dead node's stream (KEYS[1]) to the end of ours (KEYS[2]), oldest first, and
 * deletes the dead stream, in one atomic step: two nodes reaping the same dead node cannot both get the
 * entries, and a crash half-way cannot lose or double them. Returns [newId, json, newId, json, ...].
 */
export const ADOPT_OUTBOX_SCRIPT = `
local moved = {}
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
return moved
`;
