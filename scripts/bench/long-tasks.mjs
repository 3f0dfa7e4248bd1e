// The event-loop turns that ran long, from a V8 .cpuprofile (`node --cpu-prof`): each run of samples
// without an idle one (the thread never went back to waiting for I/O) longer than --min-ms, with where
// its time went (self time by function, and the functions of this project on the stack, inclusive).
// Loop-lag metrics say that the loop stalled; this says what stalled it.
//
//   node scripts/bench/long-tasks.mjs <file.cpuprofile> [--min-ms 40] [--top 8] [--own .cjs] [--from s] [--to s] [--show 5]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'min-ms': { type: 'string', default: '40' },
    top: { type: 'string', default: '8' },
    own: { type: 'string', default: '.cjs' },
    // Seconds into the profile: only turns that started in this window (the measured part of a run).
    from: { type: 'string', default: '0' },
    to: { type: 'string', default: 'Infinity' },
    show: { type: 'string', default: '5' },
  },
});
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const MIN_MS = Number(args['min-ms']);
const TOP = Number(args.top);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const where = (frame) => `${frame.functionName || '(anonymous)'} ${frame.url ? `${basename(frame.url)}:${frame.lineNumber + 1}` : ''}`.trim();
const stackOf = (id) => {
  const frames = [];
  for (let at = id; at !== undefined; at = parent.get(at)) frames.push(byId.get(at).callFrame);
  return frames; // leaf first
};

const tasks = [];
let current;
let t = profile.startTime;
profile.samples.forEach((id, i) => {
  t += profile.timeDeltas[i] ?? 0;
  const leaf = byId.get(id).callFrame.functionName;
  if (leaf === '(idle)') {
    if (current && current.ms >= MIN_MS) tasks.push(current);
    current = undefined;
    return;
  }
  const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
  current ??= { start: (t - profile.startTime) / 1000, ms: 0, samples: [] };
  current.ms += ms;
  current.samples.push({ id, ms });
});
if (current && current.ms >= MIN_MS) tasks.push(current);
const inWindow = tasks.filter((task) => task.start / 1000 >= Number(args.from) && task.start / 1000 <= Number(args.to));
tasks.length = 0;
tasks.push(...inWindow);

const top = (map) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([k, v]) => `    ${v.toFixed(1).padStart(7)} ms  ${k}`)
    .join('\n');

const totalMs = profile.samples.reduce((a, _, i) => a + (profile.timeDeltas[i] ?? 0), 0) / 1000;
console.log(`${positionals[0]}: ${(totalMs / 1000).toFixed(1)} s profiled, ${tasks.length} turns of ${MIN_MS} ms or more`);
const selfAll = new Map();
const ownAll = new Map();
for (const task of tasks.sort((a, b) => b.ms - a.ms)) {
  const self = new Map();
  const own = new Map();
  for (const { id, ms } of task.samples) {
    const stack = stackOf(id);
    const leaf = where(stack[0]);
    self.set(leaf, (self.get(leaf) ?? 0) + ms);
    selfAll.set(leaf, (selfAll.get(leaf) ?? 0) + ms);
    const seen = new Set();
    for (const frame of stack) {
      if (!frame.url.includes(args.own)) continue;
      const key = where(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      own.set(key, (own.get(key) ?? 0) + ms);
      ownAll.set(key, (ownAll.get(key) ?? 0) + ms);
    }
  }
  if (tasks.indexOf(task) < Number(args.show)) {
    console.log(`\nturn at ${(task.start / 1000).toFixed(2)} s: ${task.ms.toFixed(1)} ms\n  self:\n${top(self)}\n  this project's functions on the stack (inclusive):\n${top(own)}`);
  }
}
console.log(`\nall ${tasks.length} long turns together:\n  self:\n${top(selfAll)}\n  this project's functions on the stack (inclusive):\n${top(ownAll)}`);
