import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Children still running, killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Sends PING on a raw socket; true on +PONG (a loading server answers -LOADING instead). */
export const ping = (port: number, timeoutMs = 500): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
    socket.on('error', () => finish(false));
  });

export const waitForPing = async (port: number, timeoutMs: number, alive: () => boolean = () => true): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ping(port)) return;
    if (!alive()) throw new Error(`redis-server on port ${port} exited before answering`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
};

/** One local redis-server process on 127.0.0.1, no persistence, in a directory of its own. */
export class RedisProcess {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly extraArgs: readonly string[],
  ) {}

  static async start(port: number, extraArgs: readonly string[] = []): Promise<RedisProcess> {
    const dir = await mkdtemp(join(tmpdir(), `redis-${port}-`));
    const server = new RedisProcess(port, dir, extraArgs);
    await server.spawn();
    return server;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async spawn(): Promise<void> {
    const args = [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--save', '',
      '--appendonly', 'no',
      '--dir', this.dir,
      '--daemonize', 'no',
      '--logfile', '',
      ...this.extraArgs,
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(child);
    this.output = '';
    const collect = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-4_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', () => running.delete(child));
    try {
      await waitForPing(this.port, 10_000, () => child.exitCode === null && child.signalCode === null);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n${this.output}`);
    }
  }

  /** SIGSTOP / SIGCONT: Redis freezes with its connections open (a hung server, a paused VM), then resumes. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) throw new Error('redis-server is not running');
    this.child.kill(signal);
  }

  /** SIGTERM, or SIGKILL for a crash; resolves once the process is gone. */
  async halt(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  async remove(): Promise<void> {
    await this.halt('SIGTERM');
    await rm(this.dir, { recursive: true, force: true });
  }
}
