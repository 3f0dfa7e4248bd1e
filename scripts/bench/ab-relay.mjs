// A/B of two builds of our server under the relay benchmark's load, alternating A and B each round so
// neither always runs first on a machine whose speed drifts. Medians of the rounds are printed.
//
//   node scripts/bench/ab-relay.mjs --bundle .tmp/bench/a.cjs     bundle src/ as it is now (repeat after a change)
//   node scripts/bench/ab-relay.mjs A.cjs B.cjs [rounds]          compare (default 4 rounds)
//   node scripts/bench/ab-relay.mjs --realistic A.cjs B.cjs [rounds]   the same with realistic clients (every frame its own write)
import { basename } from 'node:path';
import { median } from './lib/stats.mjs';
import { bundleServer } from './lib/servers.mjs';
import { relayRun } from './scenarios.mjs';

const realistic = process.argv.includes('--realistic');
const args = process.argv.slice(2).filter((a) => a !== '--realistic');
if (args[0] === '--bundle') {
  if (!args[1]) throw new Error('--bundle needs a file name');
  process.stdout.write(`${bundleServer(basename(args[1]))}\n`);
  process.exit(0);
}
const [a, b, roundsArg = '4'] = args;
const rounds = Number(roundsArg);
if (!a || !b || !Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error('usage: ab-relay.mjs A.cjs B.cjs [rounds 1..20]');

const load = { pairs: 10, window: 16, warmupMs: 1_000, durationMs: 4_000, ratePerClient: 100, ...(realistic ? { perFrameWrites: true, processes: 2 } : {}) };
const results = { A: [], B: [] };
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? [['A', a], ['B', b]] : [['B', b], ['A', a]];
  for (const [name, bundle] of order) {
    const { saturate, rate } = await relayRun('ours', bundle, load);
    const row = {
      msgsPerSecond: saturate.messagesPerSecond,
      serverMicrosPerMessage: saturate.serverCpuMicrosPerMessage,
      p50Ms: rate.latencyMs.p50,
      p99Ms: rate.latencyMs.p99,
      serverMicrosPerMessageAtRate: rate.serverCpuMicrosPerMessage,
      generatorCpu: saturate.generatorCpuShare,
    };
    results[name].push(row);
    process.stdout.write(`${name} ${JSON.stringify(row)}\n`);
  }
}
for (const name of ['A', 'B']) {
  const fields = Object.keys(results[name][0]).map((field) => `${field}=${median(results[name].map((r) => r[field]))}`);
  process.stdout.write(`${name} median ${fields.join(' ')}\n`);
}
