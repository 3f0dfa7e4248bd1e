// A/B of two builds of our server under the relay benchmark's load, alternating A and B each round so
// neither always runs first on a machine whose speed drifts. Medians of the rounds are printed.
//
//   node scripts/bench/ab-relay.mjs --bundle .tmp/bench/a.cjs     bundle src/ as it is now (repeat after a change)
//   node scripts/bench/ab-relay.mjs A.cjs B.cjs [rounds]          compare (default 4 rounds)
//   node scripts/bench/ab-relay.mjs --realistic A.cjs B.cjs [rounds]   the same with realistic clients (every frame its own write)
//   a build may carry server environment: WS_NO_BUFFER_UTIL=1@A.cjs (for A/B of an environment switch;
//   the load generator and PeerJS never get it)
//   add --peerjs to run the PeerJS server in every round too (between A and B), and print each build's
//   per-round CPU-per-message ratio against it (PeerJS µs/msg ÷ the build's), with the load average
import { basename } from 'node:path';
import { median } from './lib/stats.mjs';
import { bundleServer } from './lib/servers.mjs';
import { relayRun } from './scenarios.mjs';

import { loadavg } from 'node:os';

const realistic = process.argv.includes('--realistic');
const withPeerJs = process.argv.includes('--peerjs');
const args = process.argv.slice(2).filter((a) => a !== '--realistic' && a !== '--peerjs');
if (args[0] === '--bundle') {
  if (!args[1]) throw new Error('--bundle needs a file name');
  process.stdout.write(`${bundleServer(basename(args[1]))}\n`);
  process.exit(0);
}
const [a, b, roundsArg = '4'] = args;
const rounds = Number(roundsArg);
if (!a || !b || !Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error('usage: ab-relay.mjs A.cjs B.cjs [rounds 1..20]');

const load = { pairs: 10, window: 16, warmupMs: 1_000, durationMs: 4_000, ratePerClient: 100, ...(realistic ? { perFrameWrites: true, processes: 2 } : {}) };
const results = { A: [], B: [], ...(withPeerJs ? { peerjs: [] } : {}) };
for (let round = 0; round < rounds; round++) {
  const pair = round % 2 === 0 ? [['A', a], ['B', b]] : [['B', b], ['A', a]];
  const order = withPeerJs ? [pair[0], ['peerjs', undefined], pair[1]] : pair;
  for (const [name, bundle] of order) {
    const load1 = loadavg()[0];
    const [envText, file] = bundle?.includes('@') ? bundle.split('@') : ['', bundle];
    const serverEnv = Object.fromEntries(envText.split(',').filter(Boolean).map((kv) => kv.split('=')));
    const { saturate, rate } = await relayRun(name === 'peerjs' ? 'peerjs' : 'ours', file, { ...load, serverEnv });
    const row = {
      msgsPerSecond: saturate.messagesPerSecond,
      serverMicrosPerMessage: saturate.serverCpuMicrosPerMessage,
      p50Ms: rate.latencyMs.p50,
      p99Ms: rate.latencyMs.p99,
      serverMicrosPerMessageAtRate: rate.serverCpuMicrosPerMessage,
      generatorCpu: saturate.generatorCpuShare,
      load1: Number(load1.toFixed(2)),
    };
    results[name].push(row);
    process.stdout.write(`${name} ${JSON.stringify(row)}\n`);
  }
}
if (withPeerJs) {
  for (const name of ['A', 'B']) {
    const ratios = results[name].map((r, i) => results.peerjs[i].serverMicrosPerMessage / r.serverMicrosPerMessage);
    const tput = results[name].map((r, i) => r.msgsPerSecond / results.peerjs[i].msgsPerSecond);
    process.stdout.write(`${name} vs PeerJS: CPU/msg ratio per round ${ratios.map((x) => x.toFixed(2)).join(', ')} (median ${median(ratios).toFixed(2)}); throughput ratio median ${median(tput).toFixed(2)}\n`);
  }
}
for (const name of Object.keys(results)) {
  const fields = Object.keys(results[name][0]).map((field) => `${field}=${median(results[name].map((r) => r[field]))}`);
  process.stdout.write(`${name} median ${fields.join(' ')}\n`);
}
