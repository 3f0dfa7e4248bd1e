import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSync } from 'esbuild';

const root = resolve(__dirname, '..', '..', '..');
const bundlePath = resolve(root, '.tmp', 'presence-outbox-holder', 'holder.js');
let bundled = false;

/** Bundles the holder script once per test process (npm packages stay external), like node-process.ts. */
function ensureBundle(): string {
  if (!bundled) {
    mkdirSync(resolve(bundlePath, '..'), { recursive: true });
    buildSync({
      entryPoints: [resolve(__dirname, 'outbox-holder.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      outfile: bundlePath,
      logLevel: 'error',
    });
    bundled = true;
  }
  return bundlePath;
}

export interface OutboxHolder {
  readonly child: ChildProcess;
  /** How many events the holder reported persisted in Redis. */
  readonly persisted: number;
  /** SIGKILL: no shutdown code runs, exactly as a crash. Resolves once the process is gone. */
  kill(): Promise<void>;
}

/** Starts the holder process and resolves once every event it notified is in its Redis outbox. */
export async function startOutboxHolder(env: Record<string, string>, timeoutMs = 15_000): Promise<OutboxHolder> {
  const child = spawn(process.execPath, [ensureBundle()], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  let output = '';
  try {
    const persisted = await new Promise<number>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`outbox holder did not persist within ${timeoutMs} ms:\n${output}`)), timeoutMs);
      const collect = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        const match = /PERSISTED (\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          done(Number(match[1]));
        }
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      void exited.then(() => {
        clearTimeout(timer);
        fail(new Error(`outbox holder exited early:\n${output}`));
      });
    });
    return { child, persisted, kill };
  } catch (error) {
    await kill();
    throw error;
  }
}
