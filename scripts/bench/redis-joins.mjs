// Redis cost of a join: round trips per join (counted with MONITOR, which tags commands run inside a Lua
// script as "lua", so only what crossed the network is counted) and join latency p50/p99 at fixed join
// rates, with STATE_STORE=redis on a loopback redis-server and, for comparison, STATE_STORE=memory.
//
//   node scripts/bench/redis-joins.mjs [--rates 50,200] [--seconds 10] [--room-size 4] [--out docs/benchmarks/redis-joins.json]
//
// One signaling node process (src/main.ts bundled with esbuild), one redis-server, and this process as the
// load generator; all on 127.0.0.1. Every loop is bounded in count and time.
import { Redis } from 'ioredis';
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { describeMachine } from './lib/machine.mjs';
import { startServer, freePort } from './lib/processes.mjs';
import { bundleServer, ROOT, startRedis } from './lib/servers.mjs';
import { percentile, round } from './lib/stats.mjs';

const { values: args } = parseArgs({
  options: {
    rates: { type: 'string', default: '50,200' },
    seconds: { type: 'string', default: '10' },
    'room-size': { type: 'string', default: '4' },
    out: { type: 'string' },
  },
});
const RATES = args.rates.split(',').map(Number).filter((n) => n > 0);
const SECONDS = Number(args.seconds);
const ROOM_SIZE = Number(args['room-size']);
const COUNTED_ROOMS = 25;

// Each run gets a bundle of its own, so a redis-joins run and `npm run bench` never overwrite each other's file.
const bundle = () => bundleServer(`redis-joins-${process.pid}.cjs`);

const startNode = async (script, env) => {
  const port = await freePort();
  const node = await startServer({
    name: `node (${env.STATE_STORE})`,
    args: [script],
    cwd: ROOT,
    knownPort: port,
    readyPath: '/readyz',
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      NODE_ID: 'bench-node',
      LOG_LEVEL: 'warn',
      MEDIA_BACKEND: 'mesh',
      // Every bench client comes from 127.0.0.1 and joins once; the per-address limits are for browsers.
      MAX_CONNECTIONS_PER_IP: '100000',
      JOINS_PER_MINUTE: '100000',
      ...env,
    },
  });
  return { ...node, httpUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/rtc/websocket` };
};

const open = (url) =>
  new Promise((done, fail) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      socket.terminate();
      fail(new Error('connect timeout'));
    }, 10_000);
    socket.once('open', () => {
      clearTimeout(timer);
      done(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
  });

/** Sends joinRoom on an open socket; resolves with the ms until `existingParticipants` (rejects on `error`). */
const join = (socket, userId, roomId) =>
  new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error('join timeout')), 10_000);
    const onMessage = (data) => {
      const message = JSON.parse(data.toString());
      if (message.id === 'existingParticipants') {
        clearTimeout(timer);
        socket.off('message', onMessage);
        done(performance.now() - started);
      } else if (message.id === 'error') {
        clearTimeout(timer);
        socket.off('message', onMessage);
        fail(new Error(`join refused: ${message.code} ${message.message}`));
      }
    };
    socket.on('message', onMessage);
    const started = performance.now();
    socket.send(JSON.stringify({ id: 'joinRoom', userId, roomId, communityId: '1', audio: true, video: true }));
  });

const closeAll = async (sockets) => {
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise((done) => {
          if (s.readyState === WebSocket.CLOSED) return done();
          s.once('close', done);
          s.close();
          setTimeout(done, 5_000).unref();
        }),
    ),
  );
};

/**
 * Counts the commands each client connection sent Redis between start() and stop(). Commands a script
 * runs arrive tagged "lua" and are not round trips; this monitor's own connection is excluded.
 */
const countRoundTrips = async (redisUrl) => {
  const monitor = await new Redis(redisUrl).monitor();
  const counts = new Map();
  let counting = false;
  monitor.on('monitor', (_time, argv, source) => {
    if (!counting || source === 'lua') return;
    const name = String(argv[0]).toLowerCase();
    counts.set(name, (counts.get(name) ?? 0) + 1);
  });
  return {
    start: () => {
      counts.clear();
      counting = true;
    },
    stop: async () => {
      // MONITOR output trails the commands by a moment.
      await new Promise((r) => setTimeout(r, 200));
      counting = false;
      return Object.fromEntries([...counts].sort());
    },
    close: () => monitor.disconnect(),
  };
};

const total = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);

/** Sequential joins with MONITOR on: round trips of the first join of a room (with the lookup), of a later join, and of a leave. */
const measureRoundTrips = async (node, redisUrl) => {
  const monitor = await countRoundTrips(redisUrl);
  const phases = { lookupNewRoom: [], firstJoin: [], laterJoin: [], leave: [] };
  const sockets = [];
  try {
    for (let r = 0; r < COUNTED_ROOMS; r += 1) {
      const roomId = `rt-${r}`;
      monitor.start();
      const res = await fetch(`${node.httpUrl}/v1/rooms/${roomId}/node`);
      if (res.status !== 200) throw new Error(`lookup answered ${res.status}`);
      phases.lookupNewRoom.push(await monitor.stop());
      for (let u = 0; u < ROOM_SIZE; u += 1) {
        const socket = await open(node.wsUrl);
        sockets.push(socket);
        monitor.start();
        await join(socket, `${roomId}-u${u}`, roomId);
        phases[u === 0 ? 'firstJoin' : 'laterJoin'].push(await monitor.stop());
      }
    }
    for (const socket of sockets) {
      monitor.start();
      await closeAll([socket]);
      // The leave runs when the server sees the close; give it a moment before counting.
      await new Promise((r) => setTimeout(r, 20));
      phases.leave.push(await monitor.stop());
    }
  } finally {
    monitor.close();
    await closeAll(sockets);
  }
  const summary = {};
  for (const [phase, samples] of Object.entries(phases)) {
    const byCommand = {};
    for (const sample of samples) for (const [cmd, n] of Object.entries(sample)) byCommand[cmd] = (byCommand[cmd] ?? 0) + n;
    for (const cmd of Object.keys(byCommand)) byCommand[cmd] = round(byCommand[cmd] / samples.length, 2);
    const totals = samples.map(total);
    summary[phase] = { samples: samples.length, mean: round(totals.reduce((a, b) => a + b, 0) / samples.length, 2), max: Math.max(...totals), byCommand };
  }
  return summary;
};

/** Open-loop load: joins are started at `rate` per second whatever the replies; rooms fill ROOM_SIZE at a time. */
const measureLatency = async (node, rate, label) => {
  const count = Math.round(rate * SECONDS);
  const intervalMs = 1_000 / rate;
  const latencies = [];
  const lookups = [];
  const failures = [];
  const sockets = [];
  const started = performance.now();
  const work = [];
  for (let i = 0; i < count; i += 1) {
    const due = started + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const roomId = `${label}-${Math.floor(i / ROOM_SIZE)}`;
    const first = i % ROOM_SIZE === 0;
    work.push(
      (async () => {
        if (first) {
          const t0 = performance.now();
          const res = await fetch(`${node.httpUrl}/v1/rooms/${roomId}/node`);
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`lookup answered ${res.status}`);
          lookups.push(performance.now() - t0);
        }
        const socket = await open(node.wsUrl);
        sockets.push(socket);
        latencies.push(await join(socket, `u${i}`, roomId));
      })().catch((error) => failures.push(error.message)),
    );
  }
  await Promise.all(work);
  const elapsedS = (performance.now() - started) / 1_000;
  await closeAll(sockets);
  return {
    rate,
    joins: count,
    achievedRate: round(count / elapsedS, 1),
    failures: failures.length,
    firstFailure: failures[0],
    joinMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), max: round(Math.max(...latencies)) },
    lookupMs: { p50: round(percentile(lookups, 50)), p99: round(percentile(lookups, 99)) },
  };
};

const main = async () => {
  const script = bundle();
  process.once('exit', () => rmSync(script, { force: true }));
  const result = {
    measuredAt: new Date().toISOString(),
    machine: describeMachine(ROOT),
    settings: { rates: RATES, seconds: SECONDS, roomSize: ROOM_SIZE, countedRooms: COUNTED_ROOMS },
    roundTrips: undefined,
    latency: { redis: [], memory: [] },
  };
  const redis = await startRedis();
  try {
    // A slow heartbeat keeps its commands out of the counts; the join path does not depend on it.
    const node = await startNode(script, { STATE_STORE: 'redis', REDIS_URL: redis.url, REDIS_HEARTBEAT_MS: '60000', REDIS_NODE_EXPIRY_MS: '180000' });
    try {
      result.roundTrips = await measureRoundTrips(node, redis.url);
      process.stderr.write(`round trips: ${JSON.stringify(result.roundTrips)}\n`);
      for (const rate of RATES) {
        const run = await measureLatency(node, rate, `redis-${rate}`);
        process.stderr.write(`redis ${JSON.stringify(run)}\n`);
        result.latency.redis.push(run);
      }
    } finally {
      await node.stop();
    }
    const memory = await startNode(script, { STATE_STORE: 'memory' });
    try {
      for (const rate of RATES) {
        const run = await measureLatency(memory, rate, `memory-${rate}`);
        process.stderr.write(`memory ${JSON.stringify(run)}\n`);
        result.latency.memory.push(run);
      }
    } finally {
      await memory.stop();
    }
  } finally {
    await redis.stop();
  }
  const text = `${JSON.stringify(result, null, 2)}\n`;
  if (args.out) writeFileSync(resolve(ROOT, args.out), text);
  process.stdout.write(text);
};

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
