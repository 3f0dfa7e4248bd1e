import type { StartedTestContainer } from 'testcontainers';

/**
 * `redis:7` in a container, when a container engine answers. The host port is bound explicitly so that
 * restart() brings Redis back where the clients look for it.
 */
export class RedisContainer {
  private constructor(
    readonly port: number,
    private container: StartedTestContainer | undefined,
  ) {}

  static async start(port: number, timeoutMs: number): Promise<RedisContainer> {
    return new RedisContainer(port, await RedisContainer.run(port, timeoutMs));
  }

  private static async run(port: number, timeoutMs: number): Promise<StartedTestContainer> {
    // Loaded only here: the package is slow to load and most machines running these tests have no engine.
    const { GenericContainer, Wait } = await import('testcontainers');
    const starting = new GenericContainer('redis:7')
      .withExposedPorts({ container: 6379, host: port })
      .withCommand(['redis-server', '--save', '', '--appendonly', 'no'])
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
      .withStartupTimeout(timeoutMs)
      .start();
    let timer: NodeJS.Timeout | undefined;
    let gaveUp = false;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        gaveUp = true;
        reject(new Error(`no container within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    // A start that finishes after we gave up must not leave a container behind.
    starting.then((late) => (gaveUp ? late.stop() : undefined)).catch(() => undefined);
    try {
      return await Promise.race([starting, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** `docker pause` / `unpause`: the container's processes freeze with their connections open. */
  async freeze(frozen: boolean): Promise<void> {
    const id = this.container?.getId();
    if (!id) throw new Error('redis container is not running');
    const { execFile } = await import('node:child_process');
    await new Promise<void>((resolve, reject) =>
      execFile('docker', [frozen ? 'pause' : 'unpause', id], (error) => (error ? reject(error) : resolve())),
    );
  }

  async halt(): Promise<void> {
    const container = this.container;
    this.container = undefined;
    await container?.stop({ timeout: 0 });
  }

  async respawn(timeoutMs: number): Promise<void> {
    await this.halt();
    this.container = await RedisContainer.run(this.port, timeoutMs);
  }
}
