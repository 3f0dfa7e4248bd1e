// Bundles first-frame-trace.ts (TypeScript, importing the test fixtures) with esbuild and runs it.
// Needs the demo page built (node scripts/build-demo.mjs) in each tree and Janus installed.
// Usage: node scripts/bench/first-frame-trace.mjs [runs] [source tree ...]
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForNode, ROOT } from './lib/servers.mjs';

const out = bundleForNode(resolve(dirname(fileURLToPath(import.meta.url)), 'first-frame-trace.ts'), 'first-frame-trace.cjs');
const run = spawnSync(process.execPath, [out, ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
process.exit(run.status ?? 1);
