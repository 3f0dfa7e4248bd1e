import { Redis } from 'ioredis';

export interface RoomInRedis {
  readonly nodeId: string | undefined;
  readonly host: string | null;
  /** userId → connectionId */
  readonly members: ReadonlyMap<string, string>;
}

/**
 * Reads what the signaling nodes wrote under one key prefix, straight from Redis, so tests check the
 * stored truth rather than what the adapters say about it.
 */
export class RedisInspector {
  readonly client: Redis;

  constructor(url: string, readonly prefix: string) {
    this.client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 100, lazyConnect: false });
    this.client.on('error', () => undefined);
  }

  private async scan(pattern: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  }

  /** Every room that has a record (meta or members) under the prefix. */
  async rooms(): Promise<Map<string, RoomInRedis>> {
    const keys = await this.scan(`${this.prefix}{room:*}:*`);
    const ids = new Set<string>();
    for (const key of keys) {
      const match = /\{room:(.*)\}:(meta|members)$/.exec(key);
      if (match?.[1] !== undefined) ids.add(match[1]);
    }
    const rooms = new Map<string, RoomInRedis>();
    for (const roomId of [...ids].sort()) {
      const base = `${this.prefix}{room:${roomId}}:`;
      const [meta, fields, host] = await Promise.all([
        this.client.hgetall(`${base}meta`),
        this.client.hgetall(`${base}members`),
        this.client.get(`${base}host`),
      ]);
      const members = new Map<string, string>();
      for (const [field, value] of Object.entries(fields)) {
        if (field.startsWith('conn:')) members.set(field.slice(5), value);
      }
      rooms.set(roomId, { nodeId: meta.nodeId, host, members });
    }
    return rooms;
  }

  async room(roomId: string): Promise<RoomInRedis | undefined> {
    return (await this.rooms()).get(roomId);
  }

  /** Ids of the nodes whose heartbeat key is alive now. */
  async liveNodes(): Promise<string[]> {
    const keys = await this.scan(`${this.prefix}{nodes}:alive:*`);
    return keys.map((k) => k.slice(`${this.prefix}{nodes}:alive:`.length)).sort();
  }

  async registeredNodes(): Promise<string[]> {
    return (await this.client.smembers(`${this.prefix}{nodes}:all`)).sort();
  }

  async roomIndex(nodeId: string): Promise<string[]> {
    return (await this.client.smembers(`${this.prefix}{nodes}:rooms:${nodeId}`)).sort();
  }

  close(): void {
    this.client.disconnect();
  }
}

/** userId → connectionId of a room as a plain object, for readable assertions. */
export const membersOf = (room: RoomInRedis | undefined): Record<string, string> | undefined =>
  room ? Object.fromEntries([...room.members.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) : undefined;
