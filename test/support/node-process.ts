import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSync } from 'esbuild';

const root = resolve(__dirname, '..', '..');
const bundleDir = resolve(root, '.tmp', 'node-bundle');
// One bundle per test process: several jest runs at once would otherwise rewrite a file another is starting.
const bundlePath = resolve(bundleDir, `main-${process.pid}.js`);
process.once('exit', () => rmSync(bundlePath, { force: true }));
let bundled = false;

/**
 * Bundles `src/main.ts` once per test process, so nodes run as real separate processes from the
 * current sources without depending on `npm run build` having run. npm packages stay external.
 */
const ensureBundle = (): string => {
  if (!bundled) {
    mkdirSync(bundleDir, { recursive: true });
    buildSync({
      entryPoints: [resolve(root, 'src', 'main.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      outfile: bundlePath,
      sourcemap: 'inline',
      logLevel: 'error',
    });
    bundled = true;
  }
  return bundlePath;
};

export interface NodeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** Every line the node wrote to stdout (pino JSON) and stderr so far. */
  readonly output: string[];
  /** Sends a signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/**
 * Starts a signaling node as its own process with `env` as its whole configuration (plus PATH), and
 * resolves once it logs that it listens. Always pass `PORT` (a fixed port lets a restarted node come
 * back at the same address) or leave it out for an ephemeral one.
 */
export const startNodeProcess = async (env: Record<string, string>, startTimeoutMs = 15_000): Promise<NodeProcess> => {
  const script = ensureBundle();
  const staticDir = resolve(root, 'dist', 'public');
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      ...(existsSync(staticDir) ? { STATIC_DIR: staticDir } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => {
      // A node that never came up must not outlive the test (jest would wait for it forever).
      child.kill('SIGKILL');
      fail(new Error(`node did not start within ${startTimeoutMs} ms:\n${output.join('\n')}`));
    }, startTimeoutMs);
    const onLine = (line: string): void => {
      output.push(line);
      if (line.includes('signaling node listening')) {
        try {
          const record = JSON.parse(line) as { port?: number };
          if (typeof record.port === 'number') {
            clearTimeout(timer);
            done(record.port);
          }
        } catch {
          // A non-JSON line that happens to contain the phrase: keep waiting for the real one.
        }
      }
    };
    let pending = '';
    const collect = (chunk: Buffer): void => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(onLine);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`node exited with ${code} before listening:\n${output.join('\n')}`));
    });
  });
  return {
    child,
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/rtc/websocket`,
    output,
    exited,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
};
