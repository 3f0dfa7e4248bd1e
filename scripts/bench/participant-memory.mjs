// Memory per joined participant of one node (issue 20: ≤ 20 KiB RSS per participant), measured the same
// way for every build so builds can be compared, and a heap snapshot summary of what each participant holds.
//
//   node scripts/bench/participant-memory.mjs [--bundle .tmp/bench/server.cjs] [--participants 3000]
//        [--room-size 10] [--redis] [--negotiate] [--snapshot] [--env K=V,...]
//
// The node (mesh backend; in-memory store, or a fresh redis-server with --redis) is warmed with 200 clients
// that join and leave, its RSS sampled (median of 5, 200 ms apart), then `participants` clients connect from
// many loopback addresses (every default limit kept) and join rooms of `room-size`, stay idle, and RSS is
// sampled again: per participant = (held − empty) / participants. With --negotiate every room first
// negotiates in full mesh as the capacity bench's joins do (each member offers to every other member with
// a ~5 KB SDP and 8 candidates, each answers with a ~5 KB SDP and 8 candidates), so the state signaling
// leaves behind (relay budgets, ICE budgets, socket buffers) is counted too. With --snapshot the node writes a heap
// snapshot (SIGUSR2, --heapsnapshot-signal) while they are held, summarised by constructor: count and self
// bytes per participant. V8's heap (reserved, used) and external memory are read from the node's metrics
// at both points. Prints one JSON line.
import { readdirSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { median } from './lib/stats.mjs';
import { rssBytes } from './lib/processes.mjs';
import { bundleServer, ROOT, startOurs, startRedis } from './lib/servers.mjs';
import { loopbackAddresses } from './scenarios.mjs';

const { values: args } = parseArgs({
  options: {
    bundle: { type: 'string' },
    participants: { type: 'string', default: '3000' },
    'room-size': { type: 'string', default: '10' },
    redis: { type: 'boolean', default: false },
    snapshot: { type: 'boolean', default: false },
    negotiate: { type: 'boolean', default: false },
    env: { type: 'string', default: '' },
  },
});
const participants = Number(args.participants);
const roomSize = Number(args['room-size']);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const sampleRss = async (pid) => {
  const samples = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssBytes(pid));
    await sleep(200);
  }
  return median(samples);
};

/** V8's heap, reserved and used, and memory outside it (Buffers), from the node's own metrics: where the RSS goes. */
const heapOf = async (port) => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const mib = (name) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number((Number(line.slice(line.lastIndexOf(' ') + 1)) / 2 ** 20).toFixed(1)) : NaN;
  };
  return { heapTotalMiB: mib('nodejs_heap_size_total_bytes'), heapUsedMiB: mib('nodejs_heap_size_used_bytes'), externalMiB: mib('nodejs_external_memory_bytes') };
};

const SDP = JSON.stringify(`v=0\r\n${'a=ssrc:1000000 cname:bench-generator-stream-0\r\n'.repeat(110)}`);
const CANDIDATE = (n) => `{"candidate":"candidate:${842163049 + n} 1 udp 1677729535 192.0.2.${n + 1} ${50000 + n} typ srflx raddr 10.0.0.5 rport ${50000 + n} generation 0 network-cost 999","sdpMid":"0","sdpMLineIndex":0}`;
/** Answers every relayed offer as a browser in a mesh room does: peerAnswer, then 8 candidates. */
const answerOffers = (ws, counts) => {
  ws.on('message', (data) => {
    const text = data.toString();
    if (text.startsWith('{"id":"peerOffer"')) {
      const userId = JSON.parse(text).userId;
      ws.send(`{"id":"peerAnswer","userId":${JSON.stringify(userId)},"sdpAnswer":${SDP}}`);
      for (let n = 0; n < 8; n++) ws.send(`{"id":"peerIceCandidate","userId":${JSON.stringify(userId)},"candidate":${CANDIDATE(n)}}`);
    } else if (text.startsWith('{"id":"receiveVideoAnswer"')) counts.answers += 1;
    else if (text.includes('"iceCandidate"')) counts.candidates += 1;
    else if (text.startsWith('{"id":"error"')) counts.errors.push(text.slice(0, 200));
  });
};

const join = (base, localAddress, userId, roomId) =>
  new Promise((done, fail) => {
    const ws = new WebSocket(base, { localAddress });
    ws.userId = userId;
    const timer = setTimeout(() => fail(new Error(`join of ${userId} timed out`)), 30_000);
    ws.on('open', () => ws.send(JSON.stringify({ id: 'joinRoom', userId, roomId })));
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.includes('"existingParticipants"')) {
        clearTimeout(timer);
        done(ws);
      } else if (text.includes('"error"')) {
        clearTimeout(timer);
        fail(new Error(`join of ${userId}: ${text}`));
      }
    });
    ws.on('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
  });

/** Joins `count` clients in parallel batches, spread over loopback addresses (≤ 40 per address). */
const joinMany = async (base, count, prefix) => {
  const addresses = loopbackAddresses(Math.ceil(count / 40) + 1);
  const sockets = [];
  for (let start = 0; start < count; start += 100) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + 100); i++) batch.push(join(base, addresses[Math.floor(i / 40)], `${prefix}${i}`, `${prefix}room-${Math.floor(i / roomSize)}`));
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
};

const closeAll = async (sockets) => {
  await Promise.all(sockets.map((ws) => new Promise((done) => (ws.readyState === WebSocket.CLOSED ? done() : (ws.once('close', done), ws.close())))));
};

/** Count and self size by constructor name, from a .heapsnapshot. */
const summarizeSnapshot = (snapshot) => {
  const { node_fields: fields, node_types: [types] } = snapshot.snapshot.meta;
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const byName = new Map();
  const nodes = snapshot.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    const name = type === 'object' || type === 'closure' || type === 'native' ? `${type}:${snapshot.strings[nodes[i + nameAt]]}` : type;
    const entry = byName.get(name) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += nodes[i + sizeAt];
    byName.set(name, entry);
  }
  return [...byName.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 40);
};

const main = async () => {
  const bundle = args.bundle ? resolve(args.bundle) : bundleServer('memory.cjs');
  const redis = args.redis ? await startRedis() : undefined;
  const dir = resolve(ROOT, '.tmp', 'bench', 'heap');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const extraEnv = Object.fromEntries(args.env.split(',').filter(Boolean).map((kv) => kv.split('=')));
  const server = await startOurs(bundle, {
    env: { ...(redis ? { STATE_STORE: 'redis', REDIS_URL: redis.url } : {}), ...extraEnv },
    nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`],
  });
  try {
    const base = `ws://127.0.0.1:${server.port}/rtc/websocket`;
    await closeAll(await joinMany(base, 200, 'warm'));
    await sleep(2_000);
    const empty = await sampleRss(server.pid);
    const emptyHeap = await heapOf(server.port);
    const sockets = await joinMany(base, participants, 'p');
    const counts = { answers: 0, candidates: 0, errors: [] };
    if (args.negotiate) {
      for (const ws of sockets) answerOffers(ws, counts);
      // Room by room, each member offering to every other member, 20 rooms at a time.
      for (let r = 0; r < sockets.length; r += roomSize * 20) {
        const group = sockets.slice(r, r + roomSize * 20);
        const expected = counts.answers + group.length * (roomSize - 1);
        for (let i = 0; i < group.length; i++) {
          const room = Math.floor(i / roomSize);
          const members = group.slice(room * roomSize, room * roomSize + roomSize);
          for (const other of members) {
            if (other === group[i]) continue;
            group[i].send(`{"id":"receiveVideoFrom","userId":${JSON.stringify(other.userId)},"sdpOffer":${SDP}}`);
            for (let n = 0; n < 8; n++) group[i].send(`{"id":"onIceCandidate","userId":${JSON.stringify(other.userId)},"candidate":${CANDIDATE(n)}}`);
          }
        }
        for (let i = 0; i < 600 && counts.answers < expected; i++) await sleep(50);
      }
    }
    await sleep(2_000);
    const held = await sampleRss(server.pid);
    const heldHeap = await heapOf(server.port);
    let heap;
    if (args.snapshot) {
      process.kill(server.pid, 'SIGUSR2');
      // Written in pieces: read it once it parses (a partial file does not).
      let parsed;
      for (let i = 0; i < 240 && !parsed; i++) {
        await sleep(500);
        const found = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot'));
        if (!found) continue;
        try {
          parsed = JSON.parse(readFileSync(resolve(dir, found), 'utf8'));
        } catch {
          parsed = undefined;
        }
      }
      if (!parsed) throw new Error('no complete heap snapshot within 120 s');
      heap = summarizeSnapshot(parsed).map(([name, { count, bytes }]) => ({ name, perParticipant: Number((count / participants).toFixed(2)), bytesPerParticipant: Math.round(bytes / participants) }));
    }
    await closeAll(sockets);
    process.stdout.write(`${JSON.stringify({ bundle, participants, roomSize, redis: Boolean(redis), negotiated: args.negotiate ? { answers: counts.answers, candidates: counts.candidates, errors: counts.errors.length, firstErrors: counts.errors.slice(0, 3) } : false, emptyMiB: Number((empty / 2 ** 20).toFixed(1)), heldMiB: Number((held / 2 ** 20).toFixed(1)), kibPerParticipant: Number(((held - empty) / participants / 1024).toFixed(2)), emptyHeap, heldHeap, heap })}\n`);
  } finally {
    await server.stop();
    await redis?.stop();
  }
};

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
