// Writes docs/asyncapi.yaml and docs/schemas/*.schema.json from the protocol's zod schemas (src/protocol).
// Run after changing a message: node scripts/protocol-docs.mjs (the unit tests fail until the files match).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSync } from 'esbuild';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const out = resolve(root, '.tmp', `protocol-docs-${process.pid}.cjs`);
mkdirSync(resolve(root, '.tmp'), { recursive: true });
buildSync({
  stdin: {
    contents: `const { writeFileSync, mkdirSync } = require('node:fs'); const { dirname, resolve } = require('node:path');
const { protocolDocs } = require('./scripts/protocol-docs/generate.ts');
for (const [path, text] of Object.entries(protocolDocs())) { const file = resolve(${JSON.stringify(root)}, path); mkdirSync(dirname(file), { recursive: true }); writeFileSync(file, text); console.log('wrote ' + path); }`,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  packages: 'external',
  outfile: out,
  logLevel: 'error',
});
const run = spawnSync(process.execPath, [out], { cwd: root, stdio: 'inherit' });
rmSync(out, { force: true });
process.exit(run.status ?? 1);
