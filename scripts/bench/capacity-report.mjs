// Writes docs/benchmarks/capacity.md from the capacity runs kept in docs/benchmarks/capacity/*.json
// (each the output of `node scripts/bench/capacity.mjs --label NAME --out docs/benchmarks/capacity/NAME.json`).
// The reading below the tables is docs/benchmarks/capacity-notes.md, hand-written, embedded as it is.
//
//   node scripts/bench/capacity-report.mjs
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from './lib/servers.mjs';

const DIR = resolve(ROOT, 'docs', 'benchmarks', 'capacity');
export const TARGETS = { participants: 15_000, joinP99Ms: 50, lagMaxMs: 50, kibPerParticipant: 20, threeNodeFactor: 2.7 };
/** prom-client's loop-lag maximum comes from a 20 ms timer, so an idle node reads 20–25 ms: the stall is the excess. */
export const LAG_TIMER_MS = 20;

/** Every run kept as JSON in `dir` (not its subdirectories), by file name. */
const jsonRunsIn = (dir) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => JSON.parse(readFileSync(resolve(dir, f), 'utf8')))
    : [];
/** Ramps with each node held to a CPU quota: one node, three independent ones, three on one Redis. */
export const loadQuotaRuns = () => jsonRunsIn(resolve(DIR, 'quota'));
/** Single-level runs, one node and three on one Redis taking turns (capacity/quota/ab/), in the order run. */
export const loadQuotaAbRuns = () => jsonRunsIn(resolve(DIR, 'quota', 'ab')).sort((a, b) => a.measuredAt.localeCompare(b.measuredAt));

export const loadRuns = () => jsonRunsIn(DIR);

const fmt = (v, digits = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const sumOf = (values) => values.reduce((a, b) => a + b, 0);

/** Recorded from the second 2026-12-01 session on; for older runs worked out from the window's nominal length (≈). */
const redisUs = (l, seconds) => {
  if (l.redisUsPerCommand !== undefined) return fmt(l.redisUsPerCommand, 1);
  const commands = sumOf(Object.values(l.redisCommands ?? {}));
  return commands > 0 ? `≈ ${fmt((l.redisCpu * seconds * 1e6) / commands, 1)}` : 'n/a';
};

const levelRow = (l, seconds) =>
  `| ${fmt(l.participants)} | ${fmt(l.rooms)} | ${fmt(l.joinsPerSecond, 1)} | ${fmt(l.joinMs.p50, 1)} | **${fmt(l.joinMs.p99, 1)}** | ${fmt(l.joinMs.max, 0)} | ${l.nodeCpu.map((c, i) => `${fmt(c, 2)}${l.nodeThrottledShare ? ` (${fmt(l.nodeThrottledShare[i] * 100, 0)}%)` : ''}`).join(' / ')} | ${fmt(l.redisCpu, 2)} | ${fmt(sumOf(l.generatorCpu), 2)} | ${l.lagMaxMs.map((v) => fmt(v, 0)).join(' / ')} | ${fmt(l.kibPerParticipant, 1)} | ${fmt(l.redisCommandsPerJoin, 1)} | ${
    Object.keys(l.errors).length ? Object.entries(l.errors).map(([k, v]) => `${k} ${v}`).join(', ') : 'none'
  } | ${fmt(l.otherJobsCpu, 2)}${l.hostStealCpu !== undefined ? ` (steal ${fmt(l.hostStealCpu, 2)})` : ''} / ${fmt(l.loadAverageBefore, 1)} | ${redisUs(l, seconds)} |`;

const runTable = (run) => `#### ${run.label ?? 'run'} — ${run.settings.nodes} node${run.settings.nodes > 1 ? 's' : ''}, rooms of ${run.settings.roomSize}, ${run.settings.store}${run.settings.presence === 'on' ? ' + presence' : ''}

Measured ${run.measuredAt.slice(0, 16).replace('T', ' ')} UTC; ${run.settings.seconds} s of churn per level at ${run.settings.joinsPerSecond} joins/s + as many leaves; ${run.settings.generators} generator processes; generators ${Number(run.settings.loadNice) > 0 ? `at nice ${run.settings.loadNice}` : 'not niced (at the node\'s priority)'}; bundle \`${run.settings.bundle.split('/').pop()}\`${Object.keys(run.settings.env ?? {}).length ? `; env ${JSON.stringify(run.settings.env)}` : ''}${run.settings.nodeFlags ? `; node flags \`${run.settings.nodeFlags}\`` : ''}${run.settings.nodeCpuQuota ? `; **each node held to ${run.settings.nodeCpuQuota} of a core** (a cgroup CPU quota, 10 ms period; "node CPU" shows in brackets the share of periods in which the node used up its quota and waited)` : ''}. Stopped: ${run.stopReason}. **Held: ${fmt(run.held)} participants.**

| participants | rooms | joins/s | join p50 ms | join p99 ms | join max ms | node CPU | Redis CPU | generators CPU | loop lag max ms | KiB/participant | Redis cmds/join | errors | other jobs CPU (host steal) / load avg | Redis µs/cmd |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${run.levels.map((l) => levelRow(l, run.settings.seconds)).join('\n')}
`;

const span = (values, digits) => {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? fmt(lo, digits) : `${fmt(lo, digits)}–${fmt(hi, digits)}`;
};

/**
 * One row per load per node: each kind of run side by side at the same participants and joins/s per node,
 * every node held to the same CPU quota. Kinds: one node alone; three independent one-node systems run at
 * the same time (each its own Redis: the machine as loaded as by three nodes, nothing shared); three
 * nodes on one Redis. Several runs of a kind are shown as a range.
 */
const quotaComparison = (runs) => {
  if (runs.length === 0) return '';
  const kinds = [
    ['one node', runs.filter((r) => r.settings.nodes === 1 && !/^independent/.test(r.label ?? ''))],
    ['3 independent', runs.filter((r) => r.settings.nodes === 1 && /^independent/.test(r.label ?? ''))],
    ['3 on one Redis, old placement', runs.filter((r) => r.settings.nodes === 3 && /placement before/.test(r.label ?? ''))],
    ['3 on one Redis', runs.filter((r) => r.settings.nodes === 3 && !/placement before/.test(r.label ?? ''))],
  ].filter(([, list]) => list.length > 0);
  const perNode = new Set(runs.flatMap((r) => r.levels.map((l) => l.level / r.settings.nodes)));
  const cell = (list, load) => {
    const levels = list.flatMap((r) => r.levels.filter((l) => l.level / r.settings.nodes === load));
    if (levels.length === 0) return ' | ';
    const cpu = levels.flatMap((l) => l.nodeCpu);
    const throttled = levels.flatMap((l) => l.nodeThrottledShare ?? []).map((t) => t * 100);
    // How far the busiest or idlest node was from an even share, in %.
    const spread = levels
      .filter((l) => l.participantsPerNode)
      .map((l) => {
        const even = l.participantsPerNode.reduce((a, b) => a + b, 0) / l.participantsPerNode.length;
        return Math.max(...l.participantsPerNode.map((n) => Math.abs(n - even))) / even * 100;
      });
    return `${span(levels.map((l) => l.joinMs.p50), 1)} / **${span(levels.map((l) => l.joinMs.p99), 0)}** | ${span(cpu, 2)} (${span(throttled, 0)}%)${spread.length ? `; ±${span(spread, 1)}%` : ''}`;
  };
  const quota = runs[0].settings.nodeCpuQuota;
  return `### Three nodes against one, each node held to ${quota} of a core

Generated from [capacity/quota/](capacity/quota/). Rows: participants per node (rooms of 10, Redis + presence), at
${fmt(runs.find((r) => r.settings.nodes === 1)?.settings.joinsPerSecond ?? NaN)} joins/s + as many leaves per node. Cells: join p50 / **p99** ms; node CPU (share of 10 ms periods throttled)${
    runs.some((r) => r.levels.some((l) => l.participantsPerNode)) ? '; for three nodes on one Redis, ± how far the most unevenly loaded node was from an even share of the participants' : ''
  }. Kinds of run: **one node** alone; **3 independent**: three one-node systems run at the same time, each
with its own Redis and generator (the machine as busy as with three nodes, nothing shared); **3 on one Redis**:
three nodes sharing one Redis, rooms placed by load (**old placement**: before bookings were weighted as an
average room, commit 5bcc86d). Several runs of a kind show as a range; every figure of every level is in the runs' JSON files.

| participants per node | ${kinds.map(([name]) => `${name}: join ms | ${name}: node CPU`).join(' | ')} |
|---|${kinds.map(() => '---|---|').join('')}
${[...perNode].sort((a, b) => a - b).map((load) => `| ${fmt(load)} | ${kinds.map(([, list]) => cell(list, load)).join(' | ')} |`).join('\n')}
`;
};

export const renderCapacity = (runs) => {
  const notesPath = resolve(ROOT, 'docs', 'benchmarks', 'capacity-notes.md');
  const notes = existsSync(notesPath) ? readFileSync(notesPath, 'utf8').trim() : '';
  return `# Capacity of a node

Written by \`node scripts/bench/capacity-report.mjs\` from the runs in [capacity/](capacity/) (raw numbers, one JSON per
run of \`node scripts/bench/capacity.mjs\`). Method in the script's header and below; targets (issue 20): ≥ ${fmt(TARGETS.participants)}
participants in rooms of 10 on one node with Redis and presence, join p99 < ${TARGETS.joinP99Ms} ms at 50 joins/s + 50 leaves/s,
loop lag max < ${TARGETS.lagMaxMs} ms, ≤ ${TARGETS.kibPerParticipant} KiB RSS per participant; three nodes ≥ ${TARGETS.threeNodeFactor}× one.

"loop lag max" is the node's own \`nodejs_eventloop_lag_max_seconds\` (prom-client, a ${LAG_TIMER_MS} ms timer), scraped every 5 s, the
largest scrape of the level; it includes the ${LAG_TIMER_MS} ms timer period (an idle node reads ${LAG_TIMER_MS}–25 ms), so a stall is
the excess over ${LAG_TIMER_MS}. "node CPU" is per node (1.00 = one core). "Redis cmds/join" is every command Redis ran
(\`INFO commandstats\`, commands inside scripts included: the join, its leave, presence's \`XADD\`/\`XDEL\`, toggles,
heartbeats and lease renewals) divided by the joins of the level. "other jobs CPU" is the CPU the rest of
this shared 2-core machine used during the level's window (busy time in \`/proc/stat\` less this run's own
processes); a level where it passed 0.25 of a core was measured again (up to four times, the last kept);
it includes "host steal", the time the hypervisor took this VM's virtual CPUs away (\`/proc/stat\`'s steal,
recorded from 2026-12-01 on); "load avg" is the 1-minute load average before the level. "Redis µs/cmd" is Redis's
CPU per command it ran (recorded from the second 2026-12-01 session on): Redis does the same work whatever the node
does, so it gauges how fast this VM ran during the window — runs of one build read 7 to 12 µs, and every process's
CPU moved with it (no steal shows it). The generators run at nice 19 unless a run says otherwise: the kernel then
gives the node a core first, as a node whose clients are on other machines has one.

${runs.map(runTable).join('\n')}
${quotaComparison(loadQuotaRuns())}
${notes}
`;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = resolve(ROOT, 'docs', 'benchmarks', 'capacity.md');
  writeFileSync(out, renderCapacity(loadRuns()));
  process.stderr.write(`wrote ${out}\n`);
}
