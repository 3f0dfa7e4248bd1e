import type { StartedTestContainer } from 'testcontainers';
import { TEST_LABELS } from '../containers/engine-state.cjs';

const READY_LOG = 'Ready to accept connections';
const NO_PERSISTENCE = ['--save', '', '--appendonly', 'no'];

// Loaded only when a container is wanted: the package is slow to load.
const testcontainers = () => import('testcontainers');

/**
 * One Redis in a container through Testcontainers, on a host port chosen by the caller, so that
 * respawn() brings a fresh Redis back where the clients look for it. The image is the official
 * `redis:7` where a registry answers, else Debian's redis-server built by scripts/container-engine.sh;
 * both take the same command line.
 */
export class RedisContainer {
  private constructor(
    readonly image: string,
    readonly port: number,
    private container: StartedTestContainer | undefined,
  ) {}

  static async start(image: string, port: number): Promise<RedisContainer> {
    return new RedisContainer(image, port, await RedisContainer.run(image, port));
  }

  get id(): string | undefined {
    return this.container?.getId();
  }

  private static async run(image: string, port: number): Promise<StartedTestContainer> {
    const { GenericContainer, Wait } = await testcontainers();
    return new GenericContainer(image)
      .withExposedPorts({ container: 6379, host: port })
      .withCommand(['redis-server', '--bind', '0.0.0.0', '--protected-mode', 'no', ...NO_PERSISTENCE])
      .withLabels(TEST_LABELS)
      .withWaitStrategy(Wait.forLogMessage(READY_LOG))
      .withStartupTimeout(30_000)
      .start();
  }

  /** `docker pause` / `unpause`: the container's processes freeze with their connections open. */
  async freeze(frozen: boolean): Promise<void> {
    const id = this.container?.getId();
    if (!id) throw new Error('redis container is not running');
    await pauseContainers([id], frozen);
  }

  /** SIGKILL and removal: clients see the connection drop, nothing is saved. */
  async halt(): Promise<void> {
    const container = this.container;
    this.container = undefined;
    await container?.stop({ timeout: 0 });
  }

  async respawn(): Promise<void> {
    await this.halt();
    this.container = await RedisContainer.run(this.image, this.port);
  }
}

/**
 * Three Redis masters in containers joined into a Redis Cluster. They share the host's network
 * namespace: a cluster tells clients the address every node announces, and a host client cannot follow
 * a container's bridge address through published ports. Announcing the bridge gateway with ports
 * published on it (cluster-announce-ip/-port/-bus-port) worked as well when measured here, but needs a
 * port binding Testcontainers does not offer; host networking keeps to its public API.
 */
export class RedisClusterContainers {
  private constructor(
    readonly ports: readonly number[],
    private readonly containers: StartedTestContainer[],
  ) {}

  static async start(image: string, ports: readonly number[]): Promise<RedisClusterContainers> {
    const { GenericContainer, Wait } = await testcontainers();
    const started = await Promise.allSettled(
      ports.map((port) =>
        new GenericContainer(image)
          .withNetworkMode('host')
          .withCommand([
            'redis-server',
            '--port', String(port),
            '--bind', '127.0.0.1',
            '--protected-mode', 'no',
            '--cluster-enabled', 'yes',
            '--cluster-config-file', `nodes-${port}.conf`,
            '--cluster-node-timeout', '3000',
            ...NO_PERSISTENCE,
          ])
          .withLabels(TEST_LABELS)
          .withWaitStrategy(Wait.forLogMessage(READY_LOG))
          .withStartupTimeout(30_000)
          .start(),
      ),
    );
    const containers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const cluster = new RedisClusterContainers(ports, containers);
    try {
      const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      await cluster.create();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  private async create(): Promise<void> {
    const first = this.containers[0];
    if (!first) throw new Error('no Redis container to create the cluster from');
    const created = await first.exec([
      'redis-cli', '--cluster', 'create', ...this.ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes',
    ]);
    if (created.exitCode !== 0) throw new Error(`redis-cli --cluster create failed:\n${created.output}`);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const states = await Promise.all(
        this.containers.map((c, i) => c.exec(['redis-cli', '-p', String(this.ports[i] ?? 6379), 'cluster', 'info'])),
      );
      if (states.every((s) => /cluster_state:ok/.test(s.output) && /cluster_slots_assigned:16384/.test(s.output))) return;
      if (Date.now() > deadline) throw new Error('the Redis Cluster in containers did not reach cluster_state:ok within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  get ids(): string[] {
    return this.containers.map((c) => c.getId());
  }

  /** Every master at once, as `RedisContainer.freeze`. */
  async freeze(frozen: boolean): Promise<void> {
    await pauseContainers(this.ids, frozen);
  }

  async stop(): Promise<void> {
    await Promise.all(this.containers.splice(0).map((c) => c.stop({ timeout: 0 })));
  }
}

/**
 * `docker pause`/`unpause` (Testcontainers has no pause). The engine's address comes from the environment
 * the test command exported (DOCKER_HOST), passed explicitly: Jest hands tests a copy of process.env.
 */
const pauseContainers = async (ids: readonly string[], frozen: boolean): Promise<void> => {
  const { execFile } = await import('node:child_process');
  await new Promise<void>((resolve, reject) =>
    execFile('docker', [frozen ? 'pause' : 'unpause', ...ids], { env: { ...process.env } }, (error) => (error ? reject(error) : resolve())),
  );
};
