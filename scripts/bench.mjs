// `npm run bench`: relay throughput/latency against a bare `ws` relay and the PeerJS server (batched and
// realistic clients), join storms
// (memory and Redis stores), idle connection memory. Medians of several runs go to docs/benchmarks.md and
// the raw numbers to docs/benchmarks/results.json. Every server and the load generator are separate
// processes on loopback; every loop is bounded in count and time.
//
//   node scripts/bench.mjs [--runs N] [--only relay,realistic,join,idle] [--out FILE] [--json FILE] [--note TEXT]
//   node scripts/bench.mjs --smoke [--out FILE]   tiny counts, one run (CI); never writes docs/ unless told
//   node scripts/bench.mjs --profile [--realistic] CPU profile of our server (and the bare relay) under the relay load
//   node scripts/bench.mjs --render-only          rewrite the report from the JSON (after editing docs/benchmarks/notes.md)
// With --only, the sections not run are kept from the existing JSON, so one benchmark can be redone alone.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from './bench/lib/machine.mjs';
import { bundleServer, ROOT } from './bench/lib/servers.mjs';
import { profileRelay } from './bench/profile.mjs';
import { renderReport, summarize } from './bench/report.mjs';
import { idleRun, joinRun, relayRun } from './bench/scenarios.mjs';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    realistic: { type: 'boolean', default: false },
    runs: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'string' },
    note: { type: 'string' },
    'render-only': { type: 'boolean', default: false },
  },
});

const FULL = {
  runs: 3,
  // Five relay runs, not three: this machine's speed drifts between minutes (one server under the same load
  // cost 8.3 to 15.1 µs of CPU per message within one run), and each relay ratio pairs servers measured up
  // to a minute apart, so a median of three per-run ratios moved by ±0.2× from one bench to the next.
  relay: { runs: 5, pairs: 10, window: 16, warmupMs: 1_000, durationMs: 5_000, ratePerClient: 100 },
  // Every frame its own write (issue 20); two generator processes, one is not enough to saturate us.
  realistic: { runs: 5, pairs: 10, window: 16, warmupMs: 1_000, durationMs: 5_000, ratePerClient: 100, perFrameWrites: true, processes: 2 },
  join: { clients: 1_000, rooms: 100, addresses: 25, pacedRate: 500, warmupJoins: 200 },
  idle: { clients: 10_000, warmupClients: 200, settleMs: 2_000, addresses: 250, targets: ['ours', 'bare', 'peerjs'] },
};
const SMOKE = {
  runs: 1,
  relay: { pairs: 2, window: 4, warmupMs: 200, durationMs: 700, ratePerClient: 50 },
  realistic: { pairs: 2, window: 4, warmupMs: 200, durationMs: 700, ratePerClient: 50, perFrameWrites: true, processes: 2 },
  join: { clients: 40, rooms: 4, addresses: 2, pacedRate: 500, warmupJoins: 5 },
  idle: { clients: 200, warmupClients: 20, settleMs: 200, addresses: 5, targets: ['ours'] },
};

const plan = args.smoke ? SMOKE : FULL;
const runs = args.runs ? Number(args.runs) : plan.runs;
if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error(`--runs must be 1..20, got ${args.runs}`);
const sections = new Set((args.only ?? 'relay,realistic,join,idle').split(',').map((s) => s.trim()));
const out = resolve(args.out ?? (args.smoke ? resolve(ROOT, '.tmp', 'bench', 'smoke.md') : resolve(ROOT, 'docs', 'benchmarks.md')));
const jsonOut = resolve(args.json ?? (args.smoke ? out.replace(/\.md$/, '') + '.json' : resolve(ROOT, 'docs', 'benchmarks', 'results.json')));
const log = (line) => process.stderr.write(`[bench] ${line}\n`);
/** The 1-minute load average before each measurement: other jobs on the machine show up here. */
const loadSamples = [];
const noteLoad = () => loadSamples.push(Number(loadavg()[0].toFixed(2)));

const main = async () => {
  const started = Date.now();
  if (args['render-only']) {
    const report = JSON.parse(readFileSync(jsonOut, 'utf8'));
    if (args.note) report.loadNotes = args.note;
    writeFileSync(out, renderReport(report, { root: ROOT, out }));
    writeFileSync(jsonOut, `${JSON.stringify(report, null, 2)}\n`);
    log(`rendered ${out} from ${jsonOut}`);
    return;
  }
  log('bundling src/main.ts');
  const bundle = bundleServer();
  if (args.profile) {
    const file = await profileRelay(bundle, args.realistic ? plan.realistic : plan.relay, log);
    log(`profile summary written to ${file}`);
    return;
  }
  const machine = describeMachine(ROOT);
  const raw = { relay: { bare: [], bareCoalesced: [], peerjs: [], ours: [] }, realistic: { bare: [], peerjs: [], ours: [] }, join: {}, idle: {} };
  const order = ['bare', 'peerjs', 'ours', 'bareCoalesced'];
  const realisticOrder = ['bare', 'peerjs', 'ours'];
  const relayRuns = args.runs ? runs : (plan.relay.runs ?? runs);
  for (let run = 0; run < Math.max(runs, relayRuns); run++) {
    if (sections.has('relay') && run < relayRuns) {
      // Rotated each run, so no server always goes first (or last) on a warming, shared machine.
      const rotated = order.map((_, i) => order[(i + run) % order.length]);
      for (const target of rotated) {
        log(`run ${run + 1}/${relayRuns}: relay against ${target}`);
        noteLoad();
        raw.relay[target].push(await relayRun(target, bundle, plan.relay));
      }
    }
    if (sections.has('realistic') && run < relayRuns) {
      const rotated = realisticOrder.map((_, i) => realisticOrder[(i + run) % realisticOrder.length]);
      for (const target of rotated) {
        log(`run ${run + 1}/${relayRuns}: realistic relay against ${target}`);
        noteLoad();
        raw.realistic[target].push(await relayRun(target, bundle, plan.realistic));
      }
    }
    if (run >= runs) continue;
    if (sections.has('join')) {
      const cases = [
        ['memory, all at once', 'memory', undefined],
        ['redis, all at once', 'redis', undefined],
        [`memory, ${plan.join.pacedRate} joins/s`, 'memory', plan.join.pacedRate],
        [`redis, ${plan.join.pacedRate} joins/s`, 'redis', plan.join.pacedRate],
      ];
      for (const [name, store, rate] of cases) {
        log(`run ${run + 1}/${runs}: join storm, ${name}`);
        noteLoad();
        (raw.join[name] ??= []).push(await joinRun(store, bundle, plan.join, rate));
      }
    }
    if (sections.has('idle')) {
      for (const target of plan.idle.targets) {
        log(`run ${run + 1}/${runs}: ${plan.idle.clients} idle connections on ${target}`);
        noteLoad();
        (raw.idle[target] ??= []).push(await idleRun(target, bundle, plan.idle));
      }
    }
  }
  // A partial run (--only) keeps the other sections' numbers from the previous full run.
  const previous = args.only && !args.smoke && existsSync(jsonOut) ? JSON.parse(readFileSync(jsonOut, 'utf8')) : undefined;
  if (previous) {
    if (!sections.has('relay')) raw.relay = previous.raw.relay;
    if (!sections.has('realistic')) raw.realistic = previous.raw.realistic ?? raw.realistic;
    if (!sections.has('join')) raw.join = previous.raw.join;
    if (!sections.has('idle')) raw.idle = previous.raw.idle;
  }
  const summary = summarize(raw);
  const loadAverages = {
    beforeEachMeasurement: loadSamples,
    atEnd: loadavg().map((v) => Number(v.toFixed(2))),
    // A partial run keeps the load of the run whose sections it kept.
    ...(previous ? { keptRun: previous.loadAverages?.keptRun ?? { startedAt: previous.startedAt, beforeEachMeasurement: previous.loadAverages?.beforeEachMeasurement } } : {}),
  };
  const report = { machine, loadAverages, loadNotes: args.note, smoke: args.smoke, runs, relayRuns: sections.has('relay') ? relayRuns : previous?.relayRuns, plan, sectionsRun: [...sections], previousStartedAt: previous?.loadAverages?.keptRun?.startedAt ?? previous?.startedAt, startedAt: new Date(started).toISOString(), seconds: Math.round((Date.now() - started) / 1000), summary, raw };
  mkdirSync(dirname(out), { recursive: true });
  mkdirSync(dirname(jsonOut), { recursive: true });
  writeFileSync(jsonOut, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(out, renderReport(report, { root: ROOT, out }));
  log(`done in ${report.seconds} s: ${out}, ${jsonOut}`);
  process.stdout.write(`${JSON.stringify({ out, json: jsonOut, summary })}\n`);
};

main().catch((error) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
