// Cold start: how long from starting a node until it serves, for `node dist/main.js` and for `npm start`
// on a built checkout (packages installed, dist/ built). "Ready" is the first 200 from GET /readyz (polled
// every 5 ms) and, separately, the first WebSocket that completes `joinRoom`. Embedded defaults
// (memory store, mesh media), LOG_LEVEL=warn, a free loopback port; each run a fresh process, stopped after.
//
//   node scripts/bench/cold-start.mjs [--runs 5] [--out docs/benchmarks/cold-start.json] [--md docs/benchmarks/cold-start.md]
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { describeMachine } from './lib/machine.mjs';
import { freePort } from './lib/processes.mjs';
import { ROOT } from './lib/servers.mjs';
import { median, round } from './lib/stats.mjs';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '5' }, out: { type: 'string' }, md: { type: 'string' } } });
const RUNS = Number(args.runs);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

const ready = async (port, started, deadline) => {
  while (performance.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(500) });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - started;
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  throw new Error('not ready in time');
};

const firstJoin = (port, started) =>
  new Promise((done, fail) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/rtc/websocket`);
    ws.once('error', fail);
    ws.once('open', () => ws.send(JSON.stringify({ id: 'joinRoom', userId: 'cold', roomId: 'c-cold', communityId: '1' })));
    ws.on('message', (data) => {
      if (!data.toString().startsWith('{"id":"existingParticipants"')) return;
      const ms = performance.now() - started;
      ws.terminate();
      done(ms);
    });
  });

const once = async (command, commandArgs) => {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr = (stderr + c.toString()).slice(-2000)));
  try {
    const readyMs = await ready(port, started, started + 120_000);
    const joinMs = await firstJoin(port, started);
    return { readyMs: round(readyMs, 1), firstJoinMs: round(joinMs, 1) };
  } catch (error) {
    throw new Error(`${command} ${commandArgs.join(' ')}: ${error.message}\n${stderr}`);
  } finally {
    // npm start runs bash → node: end the whole process group.
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((done) => {
      if (child.exitCode !== null) return done();
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
        done();
      }, 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
    });
  }
};

const series = async (label, command, commandArgs) => {
  const runs = [];
  for (let i = 0; i < RUNS; i += 1) runs.push(await once(command, commandArgs));
  const summary = {
    label,
    runs,
    readyMs: { median: round(median(runs.map((r) => r.readyMs)), 1), min: Math.min(...runs.map((r) => r.readyMs)), max: Math.max(...runs.map((r) => r.readyMs)) },
    firstJoinMs: { median: round(median(runs.map((r) => r.firstJoinMs)), 1) },
  };
  process.stderr.write(`${label}: ready ${summary.readyMs.median} ms (${summary.readyMs.min}–${summary.readyMs.max}), first join ${summary.firstJoinMs.median} ms\n`);
  return summary;
};

if (!existsSync(resolve(ROOT, 'dist', 'main.js'))) throw new Error('dist/main.js missing: run npm run build first');
const result = {
  measuredAt: new Date().toISOString(),
  machine: describeMachine(ROOT),
  node: await series('node dist/main.js', process.execPath, ['dist/main.js']),
  npmStart: await series('npm start (built checkout)', 'npm', ['start', '--silent']),
};
const text = `${JSON.stringify(result, null, 2)}\n`;
if (args.out) writeFileSync(resolve(ROOT, args.out), text);
if (args.md) {
  const row = (s) => `| \`${s.label}\` | ${s.readyMs.median} | ${s.readyMs.min}–${s.readyMs.max} | ${s.firstJoinMs.median} | ${s.runs.map((r) => r.readyMs).join(', ')} |`;
  writeFileSync(
    resolve(ROOT, args.md),
    `# Cold start

\`node scripts/bench/cold-start.mjs --runs ${RUNS}\` on ${result.measuredAt.slice(0, 16).replace('T', ' ')} UTC (load average at start ${result.machine.loadAverageAtStart.join(' / ')}):
milliseconds from spawning the command until \`GET /readyz\` first answers 200 (polled every 5 ms) and until a first
WebSocket client got \`existingParticipants\`. Embedded defaults (memory store, mesh), a built checkout
(\`node_modules\` installed, \`dist/\` up to date), each run a fresh process.

| command | ready, median ms | range | first join, median ms | all runs (ready) |
|---|---|---|---|---|
${row(result.node)}
${row(result.npmStart)}
`,
  );
}
process.stdout.write(text);
