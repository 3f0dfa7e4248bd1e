// Bundles join-to-first-frame.ts (TypeScript, importing the test fixtures) with esbuild and runs it.
// Needs the demo page built (node scripts/build-demo.mjs) and Janus installed. Usage: node scripts/bench/join-to-first-frame.mjs [runs]
import { buildSync } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const out = resolve(root, '.tmp', 'bench', 'join-to-first-frame.cjs');
mkdirSync(dirname(out), { recursive: true });
buildSync({
  entryPoints: [resolve(here, 'join-to-first-frame.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  outfile: out,
  logLevel: 'error',
});
const run = spawnSync(process.execPath, [out, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
