// One measurement each: start the server(s) it needs, run the load generator in its own process, stop
// everything. Each returns plain numbers; bench.mjs repeats them and takes medians.
import { resolve } from 'node:path';
import { median } from './lib/stats.mjs';
import { rssBytes, runLoad } from './lib/processes.mjs';
import { ROOT, SERVERS, startOurs, startRedis } from './lib/servers.mjs';

const LOAD = resolve(ROOT, 'scripts', 'bench', 'load-client.mjs');
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** 127.0.0.2 … : spreads clients over source addresses, so the per-address connection limit keeps its default. */
export const loopbackAddresses = (count) => Array.from({ length: count }, (_, i) => `127.0.${Math.floor((i + 2) / 256)}.${(i + 2) % 256}`);

const withServer = async (start, work) => {
  const server = await start();
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
};

/** Relay throughput at saturation, then latency at a fixed rate, against one server (bare | peerjs | ours). */
export const relayRun = (target, bundle, p) =>
  withServer(
    () => SERVERS[target](bundle, p.serverEnv),
    async (server) => {
      const common = {
        kind: 'relay',
        dialect: target,
        base: `ws://127.0.0.1:${server.port}`,
        serverPid: server.pid,
        pairs: p.pairs,
        warmupMs: p.warmupMs,
        durationMs: p.durationMs,
      };
      const budget = p.warmupMs + p.durationMs + 30_000;
      if (p.perFrameWrites) {
        // The realistic mode: every frame its own write, from several generator processes when one
        // cannot keep up; all of them start their window at the same moment.
        const saturate = await parallelLoad({ ...common, mode: 'saturate', window: p.window, room: 'sat', perFrameWrites: true }, p.processes ?? 1, budget);
        const rate = await parallelLoad({ ...common, mode: 'rate', ratePerClient: p.ratePerClient, room: 'rate', perFrameWrites: true }, p.processes ?? 1, budget);
        return { saturate, rate };
      }
      const saturate = await runLoad(LOAD, { ...common, mode: 'saturate', window: p.window, room: 'sat' }, { cwd: ROOT, timeoutMs: budget });
      const rate = await runLoad(LOAD, { ...common, mode: 'rate', ratePerClient: p.ratePerClient, room: 'rate' }, { cwd: ROOT, timeoutMs: budget });
      return { saturate, rate };
    },
  );

/**
 * `processes` load generators, each with its share of the pairs (whole pairs: a closed loop needs both
 * ends in one process), told to start together once all are connected; their results are added up.
 * Server CPU is read over the first generator's window (they share it to within a few milliseconds).
 */
const parallelLoad = async (scenario, processes, timeoutMs) => {
  const share = (k) => Math.floor(scenario.pairs / processes) + (k < scenario.pairs % processes ? 1 : 0);
  let ready = 0;
  const children = [];
  const runs = Array.from({ length: processes }, (_, k) =>
    runLoad(LOAD, { ...scenario, pairs: share(k), userPrefix: `p${k}u`, waitForGo: true }, {
      cwd: ROOT,
      timeoutMs,
      onPhase: (record, child) => {
        if (record.phase !== 'ready') return;
        children.push(child);
        ready += 1;
        if (ready === processes) for (const c of children) c.stdin.write('go\n');
      },
    }),
  );
  const results = await Promise.all(runs);
  const first = results[0];
  const relayed = results.reduce((a, r) => a + r.relayed, 0);
  const latencies = results.filter((r) => r.latencyMs);
  return {
    ...first,
    clients: results.reduce((a, r) => a + r.clients, 0),
    processes,
    relayed,
    messagesPerSecond: Math.round(relayed / first.seconds),
    serverCpuMicrosPerMessage: relayed > 0 ? Number(((first.serverCpuShare * first.seconds * 1e6) / relayed).toFixed(2)) : NaN,
    generatorCpuShare: Number(results.reduce((a, r) => a + r.generatorCpuShare, 0).toFixed(3)),
    generatorCpuShares: results.map((r) => r.generatorCpuShare),
    // Latency percentiles of the first generator (its clients are a fair sample of all).
    latencyMs: latencies.length ? first.latencyMs : undefined,
    errors: results.reduce((a, r) => a + r.errors, 0),
    errorSamples: results.flatMap((r) => r.errorSamples).slice(0, 3),
    notArrived: results.reduce((a, r) => a + r.notArrived, 0),
  };
};

/** A join storm against a fresh node (and, for redis, a fresh redis-server): all at once or paced. */
export const joinRun = async (store, bundle, p, ratePerSecond) => {
  const redis = store === 'redis' ? await startRedis() : undefined;
  try {
    const env = redis ? { STATE_STORE: 'redis', REDIS_URL: redis.url } : { STATE_STORE: 'memory' };
    return await withServer(
      () => startOurs(bundle, { env }),
      (server) =>
        runLoad(
          LOAD,
          {
            kind: 'join',
            base: `ws://127.0.0.1:${server.port}`,
            serverPid: server.pid,
            clients: p.clients,
            rooms: p.rooms,
            ratePerSecond,
            warmupJoins: p.warmupJoins,
            localAddresses: loopbackAddresses(p.addresses),
            answerTimeoutMs: 30_000,
          },
          { cwd: ROOT, timeoutMs: 90_000 },
        ),
    );
  } finally {
    await redis?.stop();
  }
};

/** Median of a few RSS samples taken `gapMs` apart (GC makes single samples jumpy). */
const sampleRss = async (pid, samples, gapMs) => {
  const values = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(gapMs);
    values.push(rssBytes(pid));
  }
  return median(values);
};

/**
 * Idle connections: the server is warmed with a few hundred connections (so code and pools that any first
 * connection brings are in the baseline), its RSS sampled empty, then `clients` connect and stay idle and
 * RSS is sampled again while they are held. Per connection = (held − empty) / connected.
 */
export const idleRun = (target, bundle, p) =>
  withServer(
    () => (target === 'ours' ? startOurs(bundle) : SERVERS[target](bundle)),
    async (server) => {
      const scenario = (clients) => ({
        kind: 'idle',
        dialect: target,
        base: `ws://127.0.0.1:${server.port}`,
        clients,
        localAddresses: loopbackAddresses(p.addresses),
        holdMaxMs: 60_000,
      });
      const hold = async (clients, measure) => {
        let measured;
        const result = await runLoad(LOAD, scenario(clients), {
          cwd: ROOT,
          timeoutMs: 120_000,
          onPhase: async (record, child) => {
            if (record.phase !== 'connected') return;
            measured = await measure(record);
            child.stdin.write('release\n');
          },
        });
        return { result, measured };
      };
      await hold(p.warmupClients, () => sleep(200));
      await sleep(p.settleMs);
      const emptyRss = await sampleRss(server.pid, 5, 200);
      const { result, measured } = await hold(p.clients, async () => {
        await sleep(p.settleMs);
        return sampleRss(server.pid, 5, 200);
      });
      const connected = result.stillOpen;
      return {
        target,
        clients: p.clients,
        connected,
        failed: result.failed,
        firstError: result.firstError,
        emptyRssBytes: emptyRss,
        heldRssBytes: measured,
        bytesPerConnection: connected > 0 ? (measured - emptyRss) / connected : NaN,
      };
    },
  );
