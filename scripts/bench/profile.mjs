// `node scripts/bench.mjs --profile`: our server under the saturating relay load with `node --cpu-prof`;
// writes a summary (self and inclusive time by function) to docs/benchmarks/relay-profile.md and keeps the
// .cpuprofile (open it in Chrome DevTools) under .tmp/bench/profile/.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { runLoad, startServer } from './lib/processes.mjs';
import { RELAY_LIMITS, ROOT, startOurs } from './lib/servers.mjs';

const LOAD = resolve(ROOT, 'scripts', 'bench', 'load-client.mjs');

const where = (frame) => {
  const file = frame.url ? basename(frame.url) : '';
  return `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
};

/** Where a sample's self time goes, coarsely: the kernel write, libraries, our code, the runtime. */
const categoryOf = (frame, ownFile) => {
  const { functionName: fn, url } = frame;
  if (fn === '(idle)') return 'idle (waiting for I/O)';
  if (fn === '(garbage collector)') return 'garbage collector';
  if (fn === 'writev' || fn === 'writeUtf8String' || fn === 'writeBuffer') return 'socket write system call';
  if (fn === 'runMicrotasks') return 'promise jobs (runMicrotasks)';
  if (url.includes('/prom-client/')) return 'prom-client (metrics)';
  if (url.includes('/zod/')) return 'zod (validation)';
  if (url.includes('/node_modules/ws/')) return 'ws library';
  if (url.includes(ownFile)) return 'own code (JSON.parse/stringify included)';
  if (url.includes('/node_modules/')) return 'other libraries';
  return 'Node internals and other native';
};

/** Self time and inclusive time per function (ms), from a V8 .cpuprofile. */
export const summarizeProfile = (profile, ownFile) => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const total = profile.samples.reduce((a, _, i) => a + (profile.timeDeltas[i] ?? 0) / 1000, 0);
  const selfByFn = new Map();
  const byCategory = new Map();
  for (const [id, ms] of self) {
    const key = where(byId.get(id).callFrame);
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + ms);
    const category = categoryOf(byId.get(id).callFrame, ownFile);
    byCategory.set(category, (byCategory.get(category) ?? 0) + ms);
  }
  // Inclusive: each function counted once per stack (recursion does not double it).
  const inclusive = new Map();
  const walk = (node, onStack) => {
    const key = where(node.callFrame);
    const fresh = !onStack.has(key);
    if (fresh) onStack.add(key);
    let sum = self.get(node.id) ?? 0;
    const childSums = [];
    for (const childId of node.children ?? []) childSums.push(walk(byId.get(childId), onStack));
    sum += childSums.reduce((a, b) => a + b, 0);
    if (fresh) {
      inclusive.set(key, (inclusive.get(key) ?? 0) + sum);
      onStack.delete(key);
    }
    return sum;
  };
  walk(profile.nodes[0], new Set());
  const top = (map, n, filter = () => true) =>
    [...map.entries()]
      .filter(([k]) => filter(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([fn, ms]) => ({ fn, ms: Number(ms.toFixed(1)), share: Number(((100 * ms) / total).toFixed(1)) }));
  return {
    totalMs: Number(total.toFixed(0)),
    self: top(selfByFn, 30),
    categories: top(byCategory, 20),
    inclusiveOwn: top(inclusive, 40, (k) => k.includes(ownFile)),
  };
};

const startProfiled = (target, bundle, dir) => {
  const cpuProf = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  if (target === 'ours') return startOurs(bundle, { env: RELAY_LIMITS, nodeArgs: cpuProf });
  return startServer({ name: 'bare ws', args: [...cpuProf, resolve(ROOT, 'scripts', 'bench', 'bare-ws-relay.mjs')], cwd: ROOT });
};

/** One server under the saturating relay load with --cpu-prof; the profile is written when it exits. */
const profileOne = async (target, bundle, params, log) => {
  const dir = resolve(ROOT, '.tmp', 'bench', 'profile', target);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const server = await startProfiled(target, bundle, dir);
  let result;
  try {
    log(`profiling ${target} (pid ${server.pid}) under the saturating relay load`);
    result = await runLoad(
      LOAD,
      {
        kind: 'relay',
        dialect: target,
        base: `ws://127.0.0.1:${server.port}`,
        serverPid: server.pid,
        pairs: params.pairs,
        warmupMs: params.warmupMs,
        durationMs: params.durationMs,
        mode: 'saturate',
        window: params.window,
        room: 'profile',
        perFrameWrites: params.perFrameWrites === true,
      },
      { cwd: ROOT, timeoutMs: params.warmupMs + params.durationMs + 30_000 },
    );
  } finally {
    await server.stop(10_000);
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}: did the server exit cleanly?`);
  const summary = summarizeProfile(JSON.parse(readFileSync(resolve(dir, file), 'utf8')), target === 'ours' ? 'server.cjs' : 'bare-ws-relay.mjs');
  writeFileSync(resolve(dir, 'summary.json'), `${JSON.stringify({ result, summary }, null, 2)}\n`);
  return { result, summary };
};

const categoryTable = (rows, messages) =>
  [
    '| where | ms | % of profile | µs per relayed message |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.fn} | ${r.ms} | ${r.share} | ${((r.ms * 1000) / messages).toFixed(2)} |`),
  ].join('\n');
const table = (rows) => ['| function | ms | % of profile |', '|---|---|---|', ...rows.map((r) => `| \`${r.fn}\` | ${r.ms} | ${r.share} |`)].join('\n');

export const profileRelay = async (bundle, params, log) => {
  const messagesOf = (result) => Math.max(1, Math.round((result.messagesPerSecond * (params.warmupMs + params.durationMs)) / 1000));
  const fmtCount = (n) => n.toLocaleString('en-US');
  const ours = await profileOne('ours', bundle, params, log);
  const bare = await profileOne('bare', bundle, params, log);
  const section = (title, { result, summary }, own) => `## ${title}

${summary.totalMs} ms sampled over the process life (start, clients joining, ${params.warmupMs + params.durationMs} ms of load, shutdown).
During the measured window: ${result.messagesPerSecond} msgs/s, server CPU ${result.serverCpuShare} of a core,
${result.serverCpuMicrosPerMessage} µs of server CPU per relayed message (profiling itself slows the server down).

### Self time by category

Per message: divided by the messages relayed over the ${params.warmupMs + params.durationMs} ms of load (the measured rate × that time, ≈ ${fmtCount(messagesOf(result))}).

${categoryTable(summary.categories, messagesOf(result))}

### Self time, top 30

${table(summary.self)}

### Inclusive time, ${own} (top 40)

${table(summary.inclusiveOwn)}
`;
  const out = resolve(ROOT, 'docs', 'benchmarks', params.perFrameWrites ? 'relay-profile-realistic.md' : 'relay-profile.md');
  writeFileSync(
    out,
    `# CPU profile of the relay hot path

\`node scripts/bench.mjs --profile\` (${new Date().toISOString().slice(0, 10)}): our server (bundled from src/ by esbuild, so
\`server.cjs:<line>\` points into the bundle \`.tmp/bench/server.cjs\`), then the bare \`ws\` relay for comparison, each under
the saturating relay load of the benchmark (${params.pairs} pairs, window ${params.window}${params.perFrameWrites ? ', realistic clients: every frame its own write, one generator process' : ''}) with \`node --cpu-prof\`.
The .cpuprofile files (open them in Chrome DevTools) are under \`.tmp/bench/profile/\`. The profiler samples wall
time on the main thread: time the process spends descheduled inside a system call (\`writev\` on a busy 2-core
machine) counts as that call's self time.

${section('This server', ours, 'our code')}
${section('Bare ws relay (for comparison)', bare, 'the relay script')}`,
  );
  return out;
};
