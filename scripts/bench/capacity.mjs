// Capacity of signaling nodes: how many participants one node (or three on one Redis) carries in
// full-mesh rooms with Redis and presence on, under a steady churn of joins and leaves with their
// signaling, at what join latency, memory and event-loop lag. The load rises level by level until join
// p99 passes the target or a core saturates.
//
//   node scripts/bench/capacity.mjs [--room-size 10] [--levels 2000,4000,...] [--joins-per-second 50]
//        [--nodes 1] [--generators 4] [--store redis|memory] [--presence on|off] [--seconds 40]
//        [--bundle .tmp/bench/x.cjs] [--env K=V,K=V] ['--node-flags=--flag --flag'] [--load-nice 19] [--node-cpu-quota 0.3]
//        [--profile] [--keep-going] [--out file.json]
//
// Processes, all on loopback: a fresh redis-server (no persistence), a presence sink (in this process:
// acknowledges every line, as a presence server does), the node(s) bundled from src/ (or --bundle), and
// `--generators` load-generator processes (scripts/bench/capacity-client.mjs), each owning a share of
// the rooms and its own 20,000 open files. Nodes keep their default limits; clients come from many
// loopback addresses so the per-address connection limit keeps its default too.
//
// Per level: fill new rooms to the level (joins without signaling, not measured), settle, then measure
// `--seconds` of churn: `--joins-per-second` leaves + as many joins, each join with full-mesh signaling,
// every member toggling audio once a minute. Event-loop lag is the node's own
// `nodejs_eventloop_lag_max_seconds`, scraped every 5 s (the maximum since the last scrape); Redis
// commands from `INFO commandstats` (commands inside scripts included), divided by the joins measured.
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { resolve, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { describeMachine } from './lib/machine.mjs';
import { limitCpu } from './lib/cpu-quota.mjs';
import { cpuSeconds, freePort, rssBytes, startServer, withFdLimit } from './lib/processes.mjs';
import { bundleServer, ROOT, startRedis } from './lib/servers.mjs';
import { percentile, round } from './lib/stats.mjs';
import { summarizeProfile } from './profile.mjs';

const { values: args } = parseArgs({
  options: {
    'room-size': { type: 'string', default: '10' },
    levels: { type: 'string', default: '2000,4000,6000,8000,10000,12000,14000,16000,18000' },
    'joins-per-second': { type: 'string', default: '50' },
    nodes: { type: 'string', default: '1' },
    generators: { type: 'string', default: '2' },
    store: { type: 'string', default: 'redis' },
    presence: { type: 'string', default: 'on' },
    seconds: { type: 'string', default: '40' },
    'candidates-per-link': { type: 'string', default: '8' },
    'fill-rate': { type: 'string', default: '400' },
    bundle: { type: 'string' },
    env: { type: 'string' },
    // Extra flags for the node(s), space-separated, given as --node-flags=... (parseArgs takes a value that
    // starts with -- only after '='): V8 flags NODE_OPTIONS refuses, e.g. --heap-growing-percent=30.
    'node-flags': { type: 'string' },
    profile: { type: 'boolean', default: false },
    'gc-log': { type: 'boolean', default: false },
    'keep-going': { type: 'boolean', default: false },
    // CPU affinity (taskset lists, e.g. 0 and 1): the load generators, Redis and the presence sink on
    // --load-cpus, the node(s) on --node-cpus. On two shared cores the generators preempt the node and the
    // loop lag it reports includes that; pinned, it is the node's own (a deployment's clients are elsewhere).
    'load-cpus': { type: 'string' },
    'node-cpus': { type: 'string' },
    // Scheduling priority of the load generators (nice, 0-19; 0 turns it off): with the node at 0, the kernel
    // runs the node first whenever both want a core, as a node whose clients are on other machines runs;
    // unlike --load-cpus the generators may still use both cores while the node does not. Redis and the
    // presence sink stay at 0: they are the node's servers, not its clients.
    'load-nice': { type: 'string', default: '19' },
    // The node's main thread only (its V8 and libuv worker threads, started before, keep every CPU).
    'node-main-cpus': { type: 'string' },
    // Each node held to this many cores (a cgroup CPU quota, lib/cpu-quota.mjs; root only): one node and
    // three compared at the same CPU per node, which two shared cores cannot give them otherwise.
    'node-cpu-quota': { type: 'string' },
    // Other jobs on this shared machine: a level whose window saw them use more than this share of the
    // cores (all of /proc/stat's busy time not spent by this run's processes) is measured again, up to 4 times.
    'max-other-cpu': { type: 'string', default: '0.25' },
    // Churn before the first measured level, not counted: the signaling paths are compiled by then.
    'warmup-seconds': { type: 'string', default: '15' },
    label: { type: 'string' },
    out: { type: 'string' },
  },
});

const ROOM_SIZE = Number(args['room-size']);
const LEVELS = args.levels.split(',').map(Number);
const RATE = Number(args['joins-per-second']);
const NODES = Number(args.nodes);
const GENERATORS = Number(args.generators);
const SECONDS = Number(args.seconds);
const TARGET_P99_MS = 50;
const QUOTA = args['node-cpu-quota'] ? Number(args['node-cpu-quota']) : undefined;
/** A node at this share of the CPU it may use (a core, or its quota) counts as saturated. */
const SATURATED_CPU = 0.95 * (QUOTA ?? 1);
const log = (line) => process.stderr.write(`[capacity] ${line}\n`);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const extraEnv = Object.fromEntries((args.env ?? '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

/** 127.0.1.0 … : a distinct source address per 40 clients keeps MAX_CONNECTIONS_PER_IP at its default (50). */
const addressesFor = (generator, count) =>
  Array.from({ length: count }, (_, i) => {
    const n = generator * count + i;
    return `127.${1 + Math.floor(n / 62_500)}.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
  });

/** A presence server that acknowledges every line at once and counts them. */
const startPresenceSink = async () => {
  let lines = 0;
  const server = createServer((socket) => {
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('utf8');
      let at;
      let replies = '';
      while ((at = pending.indexOf('\r\n')) >= 0) {
        pending = pending.slice(at + 2);
        lines += 1;
        replies += 'OK\r\n';
      }
      if (replies) socket.write(replies);
    });
    socket.on('error', () => undefined);
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return { port: server.address().port, lines: () => lines, stop: () => new Promise((done) => server.close(done)) };
};

const startNode = async (bundle, index, env, nodeArgs) => {
  const port = await freePort();
  const node = await startServer({
    name: `node-${index}`,
    args: [...nodeArgs, bundle],
    cwd: ROOT,
    knownPort: port,
    readyPath: '/readyz',
    startTimeoutMs: 30_000,
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      NODE_ID: `bench-node-${index}`,
      LOG_LEVEL: 'warn',
      MEDIA_BACKEND: 'mesh',
      // The generators' room lookups all come from 127.0.0.1 (their WebSockets from many addresses): thousands of clients.
      ROOM_LOOKUPS_PER_MINUTE: '1000000',
      ...env,
    },
  });
  return { ...node, httpUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/rtc/websocket` };
};

/** A generator process driven by one JSON line per command; `ask` resolves with its one-line reply. */
const startGenerator = (index, config) => {
  const script = resolve(ROOT, 'scripts', 'bench', 'capacity-client.mjs');
  const [fdCmd, fdArgs] = withFdLimit(process.execPath, ['--max-old-space-size=2048', script, JSON.stringify({ ...config, generator: index })]);
  // `nice` applies to every thread the generator starts, which setpriority() after the spawn would not.
  const [cmd, wrapped] = Number(args['load-nice']) > 0 ? ['nice', ['-n', args['load-nice'], fdCmd, ...fdArgs]] : [fdCmd, fdArgs];
  const child = spawn(cmd, wrapped, { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr = (stderr + c.toString()).slice(-4000)));
  const waiting = [];
  let pending = '';
  child.stdout.on('data', (chunk) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) waiting.shift()?.resolve(JSON.parse(line));
  });
  const exited = new Promise((done) => child.once('exit', (code) => done(code)));
  exited.then((code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`generator ${index} exited (${code}): ${stderr}`));
  });
  return {
    pid: child.pid,
    ask: (command, timeoutMs = 600_000) =>
      new Promise((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error(`generator ${index}: no reply to ${command.cmd} in ${timeoutMs} ms\n${stderr}`)), timeoutMs);
        waiting.push({
          resolve: (reply) => {
            clearTimeout(timer);
            if (reply.reply === 'failed') reject(new Error(`generator ${index}: ${reply.error}`));
            else resolvePromise(reply);
          },
          reject,
        });
        child.stdin.write(`${JSON.stringify(command)}\n`);
      }),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.stdin.write(`${JSON.stringify({ cmd: 'stop' })}\n`);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
};

/** The values of a few metrics from a node's /metrics (no labels other than the node's defaults). */
const scrape = async (node) => {
  const text = await (await fetch(`${node.httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const value = (name) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
  };
  return {
    lagMaxMs: value('nodejs_eventloop_lag_max_seconds') * 1000,
    lagP99Ms: value('nodejs_eventloop_lag_p99_seconds') * 1000,
    participants: value('rtc_participants'),
    connections: value('rtc_connections'),
    rooms: value('rtc_rooms'),
    // Where the RSS goes: V8's heap (reserved and live) and memory outside it (Buffers, ws's).
    heapTotalMiB: round(value('nodejs_heap_size_total_bytes') / 2 ** 20, 1),
    heapUsedMiB: round(value('nodejs_heap_size_used_bytes') / 2 ** 20, 1),
    externalMiB: round(value('nodejs_external_memory_bytes') / 2 ** 20, 1),
    // V8's heap by space (reserved): the young generation ("new") is sized by the allocation rate, not by
    // what the participants hold; the old generation by what survived the last full collection.
    heapSpacesMiB: Object.fromEntries(
      text
        .split('\n')
        .map((l) => /^nodejs_heap_space_size_total_bytes\{[^}]*space="([a-z_]+)"[^}]*\} (\S+)/.exec(l))
        .filter(Boolean)
        .map((m) => [m[1], round(Number(m[2]) / 2 ** 20, 1)]),
    ),
  };
};

/**
 * The whole machine's CPU seconds so far (all cores), from /proc/stat: `busy` is all but idle and iowait;
 * `steal` is what the hypervisor took from the virtual CPUs. This machine is a VM: under load its vCPUs
 * were measured losing 6–13% of their time to the host, which stalls the node's event loop as surely as
 * another process would. Steal is counted in busy ("other jobs") too.
 */
const machineCpuSeconds = () => {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const [user, nice, system, , , irq, softirq, steal = 0] = fields;
  return { busy: (user + nice + system + irq + softirq + steal) / 100, steal: steal / 100 };
};

/** Total calls per command since the server started, from INFO commandstats (our own INFO excluded). */
const commandStats = async (redis) => {
  const info = await redis.info('commandstats');
  const counts = {};
  for (const line of info.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match && match[1] !== 'info') counts[match[1]] = Number(match[2]);
  }
  return counts;
};
const diffCounts = (after, before) => Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v > 0));

/** CPU seconds of this run's own processes: this script, the nodes, redis-server and the generators. */
let ownPids = [];
const ownCpu = () => {
  const self = process.cpuUsage();
  return (self.user + self.system) / 1e6 + ownPids.reduce((sum, pid) => {
    try {
      return sum + cpuSeconds(pid);
    } catch {
      return sum;
    }
  }, 0);
};

const main = async () => {
  const started = Date.now();
  const bundle = args.bundle ? resolve(args.bundle) : bundleServer(`capacity-${process.pid}.cjs`);
  const machine = describeMachine(ROOT);
  const redis = args.store === 'redis' ? await startRedis() : undefined;
  const presence = args.presence === 'on' ? await startPresenceSink() : undefined;
  const profileDir = resolve(ROOT, '.tmp', 'bench', 'capacity-profile');
  if (args.profile) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }
  const env = {
    STATE_STORE: args.store,
    ...(redis ? { REDIS_URL: redis.url } : {}),
    ...(presence ? { PRESENCE_TCP: `127.0.0.1:${presence.port}` } : {}),
    ...extraEnv,
  };
  const nodes = [];
  const quotas = [];
  const generators = [];
  const levels = [];
  let stopReason = args['keep-going'] ? 'every level measured (--keep-going)' : 'all levels passed';
  const redisClient = redis ? new Redis(redis.url) : undefined;
  try {
    const gcLog = (i) => resolve(ROOT, '.tmp', 'bench', `capacity-gc-${process.pid}-${i}.log`);
    for (let i = 0; i < NODES; i += 1) {
      const nodeArgs = [
        ...(args['node-flags'] ?? '').split(' ').filter(Boolean),
        ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
        ...(args['gc-log'] ? ['--require', resolve(ROOT, 'scripts', 'bench', 'gc-probe.cjs')] : []),
      ];
      nodes.push(await startNode(bundle, i, { ...env, ...(args['gc-log'] ? { GC_PROBE_FILE: gcLog(i) } : {}) }, nodeArgs));
    }
    if (QUOTA !== undefined) nodes.forEach((n, i) => quotas.push(limitCpu(n.pid, QUOTA, `node-${i}`)));
    log(`${NODES} node(s) up (${args.store}, presence ${args.presence}${QUOTA !== undefined ? `, each held to ${QUOTA} of a core` : ''}); bundle ${bundle}`);
    await sleep(2_000);
    const emptyRss = nodes.map((n) => rssBytes(n.pid));
    const perGenerator = Math.ceil(Math.max(...LEVELS) / GENERATORS);
    for (let g = 0; g < GENERATORS; g += 1) {
      generators.push(
        startGenerator(g, {
          nodes: nodes.map((n) => ({ wsUrl: n.wsUrl, httpUrl: n.httpUrl })),
          roomSize: ROOM_SIZE,
          candidatesPerLink: Number(args['candidates-per-link']),
          addresses: addressesFor(g, Math.ceil((perGenerator * 1.2) / 40)),
        }),
      );
    }
    ownPids = [...nodes.map((n) => n.pid), ...(redis ? [redis.pid] : []), ...generators.map((g) => g.pid)];
    const pin = (cpus, pids, allThreads = true) => {
      for (const pid of pids) execFileSync('taskset', [...(allThreads ? ['-a'] : []), '-pc', cpus, String(pid)], { stdio: 'ignore' });
    };
    if (args['load-cpus']) pin(args['load-cpus'], [process.pid, ...(redis ? [redis.pid] : []), ...generators.map((g) => g.pid)]);
    if (args['node-cpus']) pin(args['node-cpus'], nodes.map((n) => n.pid));
    if (args['node-main-cpus']) pin(args['node-main-cpus'], nodes.map((n) => n.pid), false);
    // Stopped from outside: take every process of the run down with this one.
    for (const signal of ['SIGINT', 'SIGTERM']) {
      process.once(signal, () => {
        for (const pid of ownPids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }
        process.exit(130);
      });
    }
    let roomCount = 0;
    for (const level of LEVELS) {
      const targetRooms = Math.round(level / ROOM_SIZE);
      const fresh = [];
      for (; roomCount < targetRooms; roomCount += 1) fresh.push(`c-cap-${roomCount}`);
      log(`level ${level}: filling ${fresh.length} new rooms`);
      const grown = await Promise.all(
        generators.map((g, i) => g.ask({ cmd: 'grow', rooms: fresh.filter((_, k) => k % GENERATORS === i), joinsPerSecond: Number(args['fill-rate']) / GENERATORS })),
      );
      const fillErrors = grown.reduce((a, r) => a + r.errors, 0);
      if (fillErrors > 0) log(`  fill errors: ${fillErrors} (${grown.find((r) => r.firstError)?.firstError})`);
      if (levels.length === 0 && Number(args['warmup-seconds']) > 0) {
        log(`  warm-up: ${args['warmup-seconds']} s of churn, not measured`);
        await Promise.all(generators.map((g) => g.ask({ cmd: 'churn', joinsPerSecond: RATE / GENERATORS, seconds: Number(args['warmup-seconds']) })));
      }
      await sleep(5_000);
      await Promise.all(nodes.map(scrape)); // resets the lag maximum
      // What a level's window is measured from; taken again when the window is measured again.
      const startOfWindow = async () => ({
        at: performance.now(),
        cpu: nodes.map((n) => cpuSeconds(n.pid)),
        throttling: quotas.map((q) => q.throttling()),
        redisCpu: redis ? cpuSeconds(redis.pid) : 0,
        commands: redisClient ? await commandStats(redisClient) : {},
        presence: presence?.lines() ?? 0,
        load: loadavg()[0],
      });
      const before = await startOfWindow();
      let samples;
      let churned;
      let otherCpu;
      let stealCpu;
      for (let attempt = 1; ; attempt += 1) {
        const ours0 = ownCpu();
        const machine0 = machineCpuSeconds();
        const at0 = performance.now();
        samples = [];
        const scraper = setInterval(() => {
          Promise.all(nodes.map(scrape)).then((s) => samples.push(s), () => undefined);
        }, 5_000);
        churned = await Promise.all(generators.map((g) => g.ask({ cmd: 'churn', joinsPerSecond: RATE / GENERATORS, seconds: SECONDS })));
        clearInterval(scraper);
        samples.push(await Promise.all(nodes.map(scrape)));
        const window = (performance.now() - at0) / 1000;
        const machine1 = machineCpuSeconds();
        otherCpu = round((machine1.busy - machine0.busy - (ownCpu() - ours0)) / window, 2);
        stealCpu = round((machine1.steal - machine0.steal) / window, 2);
        if (otherCpu <= Number(args['max-other-cpu']) || attempt >= 4) break;
        log(`  other jobs used ${otherCpu} of a core during the window: measuring level ${level} again`);
        await Promise.all(nodes.map(scrape));
        Object.assign(before, await startOfWindow());
      }
      const seconds = (performance.now() - before.at) / 1000;
      const after = {
        cpu: nodes.map((n) => cpuSeconds(n.pid)),
        throttling: quotas.map((q) => q.throttling()),
        redisCpu: redis ? cpuSeconds(redis.pid) : 0,
        commands: redisClient ? await commandStats(redisClient) : {},
        presence: presence?.lines() ?? 0,
      };
      const latencies = churned.flatMap((c) => c.latenciesMs);
      const joins = latencies.length;
      const commands = diffCounts(after.commands, before.commands);
      const totalCommands = Object.values(commands).reduce((a, b) => a + b, 0);
      const last = samples.at(-1);
      const participants = last.reduce((a, s) => a + s.participants, 0);
      const rss = nodes.map((n) => rssBytes(n.pid));
      const errors = {};
      for (const c of churned) for (const [code, n] of Object.entries(c.errors)) errors[code] = (errors[code] ?? 0) + n;
      const row = {
        level,
        participants,
        // With several nodes: how evenly placement spread the rooms (the busiest node limits them all).
        ...(NODES > 1 ? { participantsPerNode: last.map((s) => s.participants) } : {}),
        connections: last.reduce((a, s) => a + s.connections, 0),
        rooms: last.reduce((a, s) => a + s.rooms, 0),
        joins,
        joinsPerSecond: round(joins / churned[0].seconds, 1),
        joinMs: { p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2), max: round(percentile(latencies, 100), 2) },
        failures: churned.reduce((a, c) => a + c.failures, 0),
        firstFailure: churned.find((c) => c.firstFailure)?.firstFailure,
        errors,
        errorSamples: churned.flatMap((c) => c.errorSamples).slice(0, 3),
        answers: { expected: churned.reduce((a, c) => a + c.answersExpected, 0), received: churned.reduce((a, c) => a + c.answersReceived, 0) },
        candidatesReceived: churned.reduce((a, c) => a + c.candidatesReceived, 0),
        messagesSent: churned.reduce((a, c) => a + c.sent, 0),
        toggles: churned.reduce((a, c) => a + c.toggles, 0),
        nodeCpu: after.cpu.map((c, i) => round((c - before.cpu[i]) / seconds, 3)),
        // With --node-cpu-quota: the share of scheduler periods in which each node used up its quota and waited.
        ...(QUOTA !== undefined
          ? {
              nodeThrottledShare: after.throttling.map((t, i) =>
                round((t.throttledPeriods - before.throttling[i].throttledPeriods) / Math.max(1, t.periods - before.throttling[i].periods), 3),
              ),
            }
          : {}),
        redisCpu: round((after.redisCpu - before.redisCpu) / seconds, 3),
        generatorCpu: churned.map((c) => c.generatorCpu),
        rssMiB: rss.map((b) => round(b / 2 ** 20, 1)),
        kibPerParticipant: round((rss.reduce((a, b) => a + b, 0) - emptyRss.reduce((a, b) => a + b, 0)) / Math.max(1, participants) / 1024, 2),
        lagMaxMs: nodes.map((_, i) => round(Math.max(...samples.map((s) => s[i].lagMaxMs)), 1)),
        lagMaxPerScrapeMs: samples.map((s) => s.map((x) => round(x.lagMaxMs, 1))),
        heapAtEnd: last.map(({ heapTotalMiB, heapUsedMiB, externalMiB, heapSpacesMiB }) => ({ heapTotalMiB, heapUsedMiB, externalMiB, heapSpacesMiB })),
        redisCommandsPerJoin: joins > 0 ? round(totalCommands / joins, 1) : NaN,
        redisCommands: commands,
        // Redis runs the same commands whatever the node does, so its CPU per command is a gauge of how fast
        // this VM ran during the window: runs of one build read 7 to 12 µs, and every process's CPU moved with it.
        redisUsPerCommand: totalCommands > 0 ? round(((after.redisCpu - before.redisCpu) * 1e6) / totalCommands, 2) : NaN,
        presenceLinesPerJoin: joins > 0 ? round((after.presence - before.presence) / joins, 2) : NaN,
        loadAverageBefore: round(before.load, 2),
        otherJobsCpu: otherCpu,
        hostStealCpu: stealCpu,
      };
      levels.push(row);
      log(
        `level ${level}: ${participants} participants, ${row.joinsPerSecond} joins/s, join p50 ${row.joinMs.p50} p99 ${row.joinMs.p99} max ${row.joinMs.max} ms, ` +
          `CPU node ${row.nodeCpu.join('/')}${row.nodeThrottledShare ? ` (throttled ${row.nodeThrottledShare.join('/')})` : ''} redis ${row.redisCpu} gen ${row.generatorCpu.join('/')}, lag max ${row.lagMaxMs.join('/')} ms, ` +
          `${row.kibPerParticipant} KiB/participant (heap ${JSON.stringify(row.heapAtEnd)}), ${row.redisCommandsPerJoin} Redis cmds/join, other jobs ${otherCpu} CPU, errors ${JSON.stringify(errors)}, failures ${row.failures}, answers ${row.answers.received}/${row.answers.expected}`,
      );
      const saturated = row.nodeCpu.some((c) => c >= SATURATED_CPU);
      if (!args['keep-going'] && (row.joinMs.p99 > TARGET_P99_MS || saturated || row.failures > joins / 10)) {
        stopReason = row.joinMs.p99 > TARGET_P99_MS ? `join p99 ${row.joinMs.p99} ms > ${TARGET_P99_MS} ms` : saturated ? 'a node saturated its core' : 'joins failed';
        break;
      }
    }
  } finally {
    await Promise.all(generators.map((g) => g.stop().catch(() => undefined)));
    await Promise.all(nodes.map((n) => n.stop(20_000)));
    for (const quota of quotas) quota.remove();
    redisClient?.disconnect();
    await redis?.stop();
    await presence?.stop();
    if (!args.bundle) rmSync(bundle, { force: true });
  }
  let profile;
  if (args.profile) {
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (file) profile = summarizeProfile(JSON.parse(readFileSync(resolve(profileDir, file), 'utf8')), bundle.split('/').pop());
  }
  const passed = levels.filter((l) => l.joinMs.p99 <= TARGET_P99_MS && l.nodeCpu.every((c) => c < SATURATED_CPU));
  const result = {
    label: args.label,
    measuredAt: new Date(started).toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    machine,
    settings: { roomSize: ROOM_SIZE, levels: LEVELS, joinsPerSecond: RATE, nodes: NODES, generators: GENERATORS, store: args.store, presence: args.presence, seconds: SECONDS, candidatesPerLink: Number(args['candidates-per-link']), env: extraEnv, bundle, loadCpus: args['load-cpus'] ?? null, nodeCpus: args['node-cpus'] ?? null, nodeMainCpus: args['node-main-cpus'] ?? null, nodeFlags: args['node-flags'] ?? null, loadNice: args['load-nice'] ?? null, nodeCpuQuota: QUOTA ?? null },
    loadAverageAtEnd: loadavg().map((v) => round(v, 2)),
    stopReason,
    held: passed.at(-1)?.participants ?? 0,
    levels,
    profile,
  };
  const text = `${JSON.stringify(result, null, 2)}\n`;
  if (args.out) {
    mkdirSync(dirname(resolve(ROOT, args.out)), { recursive: true });
    writeFileSync(resolve(ROOT, args.out), text);
  }
  log(`held ${result.held} participants (${stopReason}); ${result.seconds} s`);
  process.stdout.write(text);
};

main().catch((error) => {
  process.stderr.write(`[capacity] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
