import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** A single Redis server or a cluster: every adapter that runs scripts takes either. */
export type ScriptClient = Redis | Cluster;

/**
 * A Lua script run by its SHA1 (EVALSHA), falling back to EVAL once when the server does not know it yet
 * (in the shared kit: the room store, the node registry and the presence outbox all load scripts this way)
 * (first use, or after a restart). Every key the script touches is passed in KEYS, so on a cluster
 * ioredis routes it by the first key and Redis can check that all keys share one slot.
 */
export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: ScriptClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
