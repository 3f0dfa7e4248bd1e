import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { freeLoopbackPort } from '../janus/free-port';
import { KmsWireClient } from '../kurento-emulator/kms-wire-client';

const root = resolve(__dirname, '..', '..', '..');
const KMS_SCRIPT = resolve(root, 'scripts', 'kms.sh');
/** First start on a fresh machine scans the GStreamer plugins (a few seconds); later starts take ~1 s. */
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

let prepared = false;

/**
 * Installs KMS's runtime packages if missing and unpacks it once (scripts/kms.sh prepare). Throws with the
 * script's own words when that is impossible (no KMS folder, packages missing and not root): the real-KMS
 * tests fail then, they never skip.
 */
export const prepareRealKms = (): void => {
  if (prepared) return;
  const run = spawnSync('bash', [KMS_SCRIPT, 'prepare'], { encoding: 'utf8', cwd: root });
  if (run.status !== 0) throw new Error(`cannot prepare the real KMS: ${(run.stderr || run.stdout || `exit ${run.status}`).trim()}`);
  prepared = true;
};

export interface RealKms {
  readonly url: string;
  readonly port: number;
  /** The last lines KMS logged, for failure messages. */
  output(): string[];
  pid(): number | undefined;
  isRunning(): boolean;
  /** A crash: SIGKILL, every session and object gone with the process. */
  kill(): Promise<void>;
  /** Starts a fresh KMS on the same port (after kill or stop) and waits until it answers. */
  restart(): Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period; removes its run folder (config and log). */
  stop(): Promise<void>;
  /** `ServerManager.getPipelines`: every pipeline the KMS holds now, whoever made it. */
  pipelines(): Promise<string[]>;
  /** Every pipeline with its children (`MediaPipeline.getChildren`): the KMS's whole object tree. */
  objects(): Promise<Record<string, string[]>>;
}

const answersPing = async (url: string): Promise<boolean> => {
  try {
    const client = await KmsWireClient.open(url);
    try {
      return (await client.call('ping', {}, 2_000)).result !== undefined;
    } finally {
      client.close();
    }
  } catch {
    return false;
  }
};

const inspect = async (url: string, withChildren: boolean): Promise<{ pipelines: string[]; children: Record<string, string[]> }> => {
  const client = await KmsWireClient.open(url);
  try {
    const invoke = async (object: string, operation: string): Promise<string[]> => {
      const answer = await client.call('invoke', { object, operation, operationParams: {} });
      if (answer.error) throw new Error(`${operation} failed: ${answer.error.message}`);
      return (answer.result as { value: string[] }).value;
    };
    const pipelines = await invoke('manager_ServerManager', 'getPipelines');
    const children: Record<string, string[]> = {};
    if (withChildren) for (const p of pipelines) children[p] = await invoke(p, 'getChildren');
    return { pipelines, children };
  } finally {
    client.close();
  }
};

/**
 * A real Kurento Media Server (../shared/kms, KMS 7.3.1) on 127.0.0.1 at a free port, as a child of the
 * test process; resolves once it logged that it started and answers a ping.
 */
export const startRealKms = async (port?: number): Promise<RealKms> => {
  prepareRealKms();
  const chosen = port ?? (await freeLoopbackPort());
  const url = `ws://127.0.0.1:${chosen}/kurento`;
  // KMS logs to a file, not to a pipe: a test process busy elsewhere would leave a pipe full and KMS blocked.
  mkdirSync(resolve(root, '.tmp', 'kms-run', String(chosen)), { recursive: true });
  const logFile = resolve(root, '.tmp', 'kms-run', String(chosen), 'kms.log');
  const output = (): string[] => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-60);
    } catch {
      return [];
    }
  };
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const spawnKms = async (): Promise<void> => {
    const fd = openSync(logFile, 'w');
    const proc = spawn('bash', [KMS_SCRIPT, 'run', String(chosen)], { cwd: root, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child = proc;
    const started = (): boolean => output().some((l) => l.includes('Kurento Media Server started'));
    // A test process that dies without reaching stop() must not leave KMS running.
    const killOnExit = (): void => void proc.kill('SIGKILL');
    process.once('exit', killOnExit);
    exited = new Promise((done) =>
      proc.once('exit', () => {
        process.removeListener('exit', killOnExit);
        done();
      }),
    );
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`KMS exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${output().join('\n')}`);
      }
      if (started() && (await answersPing(url))) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`KMS did not start within ${READY_TIMEOUT_MS} ms on port ${chosen}:\n${output().join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  await spawnKms();
  return {
    url,
    port: chosen,
    output,
    pid: () => child?.pid,
    isRunning: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    kill: () => halt('SIGKILL'),
    stop: async () => {
      await halt('SIGTERM');
      rmSync(resolve(root, '.tmp', 'kms-run', String(chosen)), { recursive: true, force: true });
    },
    restart: async () => {
      await halt('SIGKILL');
      await spawnKms();
    },
    pipelines: async () => (await inspect(url, false)).pipelines,
    objects: async () => (await inspect(url, true)).children,
  };
};
