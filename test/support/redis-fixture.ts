import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freeClusterPort, freePort } from './redis/free-port';
import { RedisContainer } from './redis/redis-container';
import { RedisProcess, waitForPing } from './redis/redis-process';

const run = promisify(execFile);

export interface RedisFixture {
  readonly url: string;
  readonly port: number;
  /** 'container' (testcontainers, redis:7) or 'process' (local redis-server). */
  readonly kind: 'container' | 'process';
  /** Graceful stop and cleanup; call once at the end. */
  stop(): Promise<void>;
  /** Abrupt death (SIGKILL): clients see the connection drop, nothing is saved. */
  kill(): Promise<void>;
  /** Kills Redis and starts an empty one on the same port. */
  restart(): Promise<void>;
  /** Freezes Redis (SIGSTOP, or a paused container): connections stay open, nothing is answered. */
  freeze(): Promise<void>;
  /** Resumes a frozen Redis (SIGCONT): it answers everything that waited. */
  thaw(): Promise<void>;
}

export interface RedisClusterFixture {
  readonly nodes: readonly { host: string; port: number }[];
  stop(): Promise<void>;
  /** Freezes every master at once (SIGSTOP): the whole cluster stops answering with connections open. */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
}

const CONTAINER_TIMEOUT_MS = 4_000;
const log = (message: string): void => {
  process.stderr.write(`[redis-fixture] ${message}\n`);
};

/**
 * A real Redis on 127.0.0.1 on a free port, without persistence. A container engine is tried first
 * (skipped with REDIS_FIXTURE=process); without one, a local redis-server process in its own temp dir.
 */
export const startRedis = async (): Promise<RedisFixture> => {
  const port = await freePort();
  if (process.env.REDIS_FIXTURE !== 'process') {
    try {
      const container = await RedisContainer.start(port, CONTAINER_TIMEOUT_MS);
      log(`using a redis:7 container on port ${port}`);
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        kind: 'container',
        stop: () => container.halt(),
        kill: () => container.halt(),
        restart: () => container.respawn(CONTAINER_TIMEOUT_MS * 5),
        freeze: () => container.freeze(true),
        thaw: () => container.freeze(false),
      };
    } catch (error) {
      log(`no container engine (${(error as Error).message.split('\n')[0]}); using local redis-server`);
    }
  }
  const server = await RedisProcess.start(port);
  log(`using local redis-server pid ${server.pid} on port ${port}`);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kind: 'process',
    stop: () => server.remove(),
    kill: () => server.halt('SIGKILL'),
    restart: async () => {
      await server.halt('SIGKILL');
      await server.spawn();
    },
    freeze: async () => server.signal('SIGSTOP'),
    thaw: async () => server.signal('SIGCONT'),
  };
};

const clusterInfoOk = async (port: number): Promise<boolean> => {
  try {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'cluster', 'info'], { timeout: 2_000 });
    return /cluster_state:ok/.test(stdout) && /cluster_slots_assigned:16384/.test(stdout);
  } catch {
    return false;
  }
};

/** Three local redis-server masters joined into a Redis Cluster (no replicas), ready when every node says ok. */
export const startRedisCluster = async (): Promise<RedisClusterFixture> => {
  const taken = new Set<number>();
  const servers: RedisProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.remove()));
  };
  try {
    for (let i = 0; i < 3; i += 1) {
      const port = await freeClusterPort(taken);
      taken.add(port);
      servers.push(
        await RedisProcess.start(port, [
          '--cluster-enabled', 'yes',
          '--cluster-config-file', `nodes-${port}.conf`,
          '--cluster-node-timeout', '3000',
        ]),
      );
    }
    await Promise.all(servers.map((s) => waitForPing(s.port, 5_000)));
    await run(
      'redis-cli',
      ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 30_000 },
    );
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ok = await Promise.all(servers.map((s) => clusterInfoOk(s.port)));
      if (ok.every(Boolean)) break;
      if (Date.now() > deadline) throw new Error('Redis Cluster did not reach cluster_state:ok within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    log(`Redis Cluster of local redis-server processes on ports ${servers.map((s) => s.port).join(', ')}`);
    return {
      nodes: servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
      stop,
      freeze: async () => servers.forEach((s) => s.signal('SIGSTOP')),
      thaw: async () => servers.forEach((s) => s.signal('SIGCONT')),
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
