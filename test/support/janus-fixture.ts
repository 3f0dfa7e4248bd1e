import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iceEnforceList, writeJanusConfig } from './janus/janus-config';
import { freeLoopbackPort } from './janus/free-port';
import { janusInfo, listVideoRooms, type VideoRoomInfo } from './janus/janus-probe';

const JANUS_BIN = process.env.JANUS_BIN ?? '/usr/bin/janus';
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const KEPT_LINES = 400;

export interface JanusFixture {
  /** WebSocket API URL, e.g. ws://127.0.0.1:40123 */
  readonly url: string;
  readonly port: number;
  /** The Admin API's WebSocket URL, with `adminApi: true`. */
  readonly adminUrl?: string;
  /** The last lines Janus logged, for failure messages. */
  readonly output: readonly string[];
  /** Abrupt death (SIGKILL): its sessions, handles and rooms are gone. */
  kill(): Promise<void>;
  /** Starts a fresh Janus on the same port (after kill) and waits until it answers. */
  restart(): Promise<void>;
  /** Stops Janus (SIGTERM, then SIGKILL) and removes its config folder. */
  stop(): Promise<void>;
  /** The VideoRoom rooms Janus has now, asked with the `list` request. */
  listRooms(): Promise<VideoRoomInfo[]>;
  isRunning(): boolean;
  /** The Janus process id while it runs. */
  pid(): number | undefined;
}

export interface JanusFixtureOptions {
  readonly sessionTimeoutSecs?: number;
  /** Janus log level 0-7; 4 (info) by default, JANUS_DEBUG_LEVEL overrides. */
  readonly debugLevel?: number;
  /** Extra Janus settings (see JanusConfigOptions). */
  readonly nat?: Readonly<Record<string, string | number | boolean>>;
  readonly media?: Readonly<Record<string, string | number | boolean>>;
  /** Opens Janus's Admin API on another loopback port (adminUrl), e.g. to count handles. */
  readonly adminApi?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A real Janus on 127.0.0.1 with a config folder of its own in a temp dir (see writeJanusConfig). Resolves
 * once Janus answers an `info` request over its WebSocket API.
 */
export const startJanus = async (options: JanusFixtureOptions = {}): Promise<JanusFixture> => {
  const port = await freeLoopbackPort();
  let adminPort: number | undefined;
  while (options.adminApi && (adminPort === undefined || adminPort === port)) adminPort = await freeLoopbackPort();
  const dir = mkdtempSync(join(tmpdir(), 'janus-fixture-'));
  writeJanusConfig(dir, {
    port,
    sessionTimeoutSecs: options.sessionTimeoutSecs ?? 60,
    debugLevel: Number(process.env.JANUS_DEBUG_LEVEL ?? options.debugLevel ?? 4),
    iceEnforceList: iceEnforceList(),
    ...(options.nat ? { nat: options.nat } : {}),
    ...(options.media ? { media: options.media } : {}),
    ...(adminPort !== undefined ? { adminPort } : {}),
  });
  const url = `ws://127.0.0.1:${port}`;
  const output: string[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const keep = (chunk: Buffer): void => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    if (output.length > KEPT_LINES) output.splice(0, output.length - KEPT_LINES);
  };

  const spawnJanus = async (): Promise<void> => {
    const proc = spawn(JANUS_BIN, ['--configs-folder', dir, '--config', join(dir, 'janus.jcfg'), '--disable-colors'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    // A test process that dies without reaching stop() must not leave Janus running.
    const killOnExit = (): void => void proc.kill('SIGKILL');
    process.once('exit', killOnExit);
    exited = new Promise((resolve) =>
      proc.once('exit', () => {
        process.removeListener('exit', killOnExit);
        resolve();
      }),
    );
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) break;
      try {
        await janusInfo(url);
        return;
      } catch (error) {
        lastError = error;
        await sleep(100);
      }
    }
    proc.kill('SIGKILL');
    await exited;
    throw new Error(`janus did not answer on ${url} (${String(lastError)}); last output:\n${output.slice(-30).join('\n')}`);
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  try {
    await spawnJanus();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url,
    port,
    ...(adminPort !== undefined ? { adminUrl: `ws://127.0.0.1:${adminPort}` } : {}),
    output,
    kill: () => halt('SIGKILL'),
    restart: async () => {
      await halt('SIGKILL');
      await spawnJanus();
    },
    stop: async () => {
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    listRooms: () => listVideoRooms(url),
    isRunning: () => !!child && child.exitCode === null && child.signalCode === null,
    pid: () => (child && child.exitCode === null && child.signalCode === null ? child.pid : undefined),
  };
};
