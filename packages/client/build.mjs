// Bundles the client as one ESM file (minified) and reports its size, minified and gzipped.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

const here = fileURLToPath(new URL('.', import.meta.url));
const result = await build({
  entryPoints: [`${here}src/index.ts`],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'neutral',
  minify: true,
  sourcemap: true,
  outfile: `${here}dist/index.mjs`,
  write: true,
  metafile: true,
  logLevel: 'warning',
});
// Declarations: the client's, and the protocol's (src/protocol) its message types are inferred from.
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', `${here}tsconfig.build.json`], { stdio: 'inherit' });
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
const { readFileSync } = await import('node:fs');
const gzipped = gzipSync(readFileSync(`${here}dist/index.mjs`)).length;
console.log(`@rtc-signaling/client: ${bytes} bytes minified, ${gzipped} bytes gzipped`);
