import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { containerEngine, noteFallback } from './containers/engine-state.cjs';
import { freeClusterPort, freePort } from './redis/free-port';
import { RedisClusterContainers, RedisContainer } from './redis/redis-container';
import { RedisProcess, waitForPing } from './redis/redis-process';

const run = promisify(execFile);

export interface RedisFixture {
  readonly url: string;
  readonly port: number;
  /** 'container' (Testcontainers; the image scripts/container-engine.sh provides) or 'process' (local redis-server). */
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
  readonly kind: 'container' | 'process';
  stop(): Promise<void>;
  /** Freezes every master at once (SIGSTOP): the whole cluster stops answering with connections open. */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
}

const log = (message: string): void => {
  process.stderr.write(`[redis-fixture] ${message}\n`);
};

/** The Redis image to run, or undefined for a local redis-server (no engine, or REDIS_FIXTURE=process). */
const redisImage = (): string | undefined => {
  if (process.env.REDIS_FIXTURE === 'process') return undefined;
  const engine = containerEngine();
  if (!engine.ready) {
    noteFallback('Redis fixtures start local redis-server processes');
    return undefined;
  }
  return engine.images.redis;
};

/**
 * A real Redis on 127.0.0.1 on a free port, without persistence: in a container through Testcontainers
 * where scripts/container-engine.sh readied an engine (REDIS_FIXTURE=process opts out), else a local
 * redis-server process in its own temp dir.
 */
export const startRedis = async (): Promise<RedisFixture> => {
  const port = await freePort();
  const image = redisImage();
  if (image) {
    const container = await RedisContainer.start(image, port);
    log(`Testcontainers: ${image} container ${container.id?.slice(0, 12)} on port ${port}`);
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      kind: 'container',
      stop: () => container.halt(),
      kill: () => container.halt(),
      restart: () => container.respawn(),
      freeze: () => container.freeze(true),
      thaw: () => container.freeze(false),
    };
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

/** Three Redis masters joined into a Redis Cluster (no replicas), ready when every node says ok. */
export const startRedisCluster = async (): Promise<RedisClusterFixture> => {
  const taken = new Set<number>();
  const image = redisImage();
  if (image) {
    const ports: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const port = await freeClusterPort(taken);
      taken.add(port);
      ports.push(port);
    }
    const cluster = await RedisClusterContainers.start(image, ports);
    log(`Testcontainers: Redis Cluster of three ${image} containers (host network) on ports ${ports.join(', ')}`);
    return {
      nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
      kind: 'container',
      stop: () => cluster.stop(),
      freeze: () => cluster.freeze(true),
      thaw: () => cluster.freeze(false),
    };
  }
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
      kind: 'process',
      stop,
      freeze: async () => servers.forEach((s) => s.signal('SIGSTOP')),
      thaw: async () => servers.forEach((s) => s.signal('SIGCONT')),
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
