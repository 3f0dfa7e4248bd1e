// The servers a bench run starts: our signaling node (bundled from src/ so the bench measures the current
// sources without `npm run build`), the bare `ws` relay, the PeerJS server and a throwaway redis-server.
import { buildSync } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startServer } from './processes.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BENCH_DIR = resolve(ROOT, 'scripts', 'bench');

/** Bundles src/main.ts like test/support/node-process.ts does (npm packages stay external); returns the file. */
export const bundleServer = (fileName = 'server.cjs') => bundleForNode(resolve(ROOT, 'src', 'main.ts'), fileName);

/** Bundles a TypeScript entry point to .tmp/bench/<fileName> for Node (npm packages stay external). */
export const bundleForNode = (entry, fileName) => {
  const out = resolve(ROOT, '.tmp', 'bench', fileName);
  mkdirSync(dirname(out), { recursive: true });
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    outfile: out,
    logLevel: 'error',
  });
  return out;
};

/**
 * The per-connection abuse limits (src/composition/limits.ts) are sized for browsers: 50 messages/s and
 * 200 candidates per link. A relay benchmark pushes one connection far past both on purpose, so they are
 * raised (the checks still run on every message; only the thresholds move).
 */
export const RELAY_LIMITS = {
  MESSAGES_PER_SECOND: '10000000',
  MESSAGE_BURST: '10000000',
  ICE_CANDIDATES_PER_LINK: '67108863', // the most a budget counts to (ice-candidate-budget.ts)
};

/** Our node: mesh media, logging at warn (the join path logs at info), on a port chosen here. */
export const startOurs = async (bundle, { env = {}, nodeArgs = [] } = {}) => {
  const port = await freePort();
  return startServer({
    name: 'ours',
    args: [...nodeArgs, bundle],
    cwd: ROOT,
    knownPort: port,
    readyPath: '/healthz',
    env: { HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', MEDIA_BACKEND: 'mesh', STATE_STORE: 'memory', ...env },
  });
};

export const startBare = (env = {}) => startServer({ name: 'bare ws', args: [resolve(BENCH_DIR, 'bare-ws-relay.mjs')], cwd: ROOT, env });
export const startPeerJs = () => startServer({ name: 'peerjs', args: [resolve(BENCH_DIR, 'peerjs-server.mjs')], cwd: ROOT });

export const SERVERS = {
  ours: (bundle, env) => startOurs(bundle, { env: { ...RELAY_LIMITS, ...env } }),
  bare: () => startBare(),
  bareCoalesced: () => startBare({ COALESCE_WRITES: '1' }),
  peerjs: () => startPeerJs(),
};

const pingRedis = (port) =>
  new Promise((done) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const finish = (ok) => {
      clearTimeout(timer);
      socket.destroy();
      done(ok);
    };
    const timer = setTimeout(() => finish(false), 500);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
    socket.on('error', () => finish(false));
  });

/** A redis-server on a free loopback port, no persistence, in a temp dir; `stop()` kills it and cleans up. */
export const startRedis = async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output = (output + c.toString()).slice(-4000)));
  child.stderr.on('data', (c) => (output = (output + c.toString()).slice(-4000)));
  const exited = new Promise((done) => child.once('exit', done));
  let spawnError;
  child.once('error', (error) => (spawnError = error));
  const until = Date.now() + 10_000;
  while (!(await pingRedis(port))) {
    if (spawnError || child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on ${port}: ${spawnError?.message ?? ''}\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
