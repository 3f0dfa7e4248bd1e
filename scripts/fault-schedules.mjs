#!/usr/bin/env node
// `npm run faults`: many more randomized fault schedules than `npm test` runs (see
// test/integration/multi-node/fault-schedules.test.ts), on one Redis and on a 3-master Redis Cluster, and
// prints the figures that docs/multi-node.md reports. FAULT_SCHEDULES (default 30) and FAULT_STEPS
// (default 12) per target; FAULT_SEED to replay a run. Takes about 10 s per schedule on 2 cores.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const schedules = process.env.FAULT_SCHEDULES ?? '30';
const steps = process.env.FAULT_STEPS ?? '12';
const rows = [];
let failed = false;
for (const target of ['redis', 'cluster']) {
  const run = spawnSync('npx', ['jest', 'test/integration/multi-node/fault-schedules.test.ts'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, FAULT_SCHEDULES: schedules, FAULT_STEPS: steps, FAULT_TARGET: target },
  });
  failed ||= run.status !== 0;
  rows.push(JSON.parse(readFileSync(resolve(root, '.tmp', 'fault-schedules.json'), 'utf8')));
}
console.log('\n| target | schedules | steps | joins | refused joins | clients moved | violations | time |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.target === 'cluster' ? '3-master Redis Cluster' : 'one Redis'} | ${r.schedules} | ${r.steps} | ${r.joins} | ${r.refusedJoins} | ${r.movedClients} | ${r.violations} | ${r.seconds} s |`);
}
process.exit(failed ? 1 : 0);
