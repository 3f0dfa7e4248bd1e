// Bundles join-to-first-frame.ts (TypeScript, importing the test fixtures) with esbuild and runs it.
// Needs the demo page built (node scripts/build-demo.mjs) and Janus installed. Usage: node scripts/bench/join-to-first-frame.mjs [runs]
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForNode, ROOT } from './lib/servers.mjs';

const out = bundleForNode(resolve(dirname(fileURLToPath(import.meta.url)), 'join-to-first-frame.ts'), 'join-to-first-frame.cjs');
const run = spawnSync(process.execPath, [out, ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
process.exit(run.status ?? 1);
