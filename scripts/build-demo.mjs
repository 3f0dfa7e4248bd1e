// Bundles the demo page (browser TypeScript) next to the compiled server, in dist/public.
import { build } from 'esbuild';
import { cp, mkdir } from 'node:fs/promises';

const source = 'src/adapters/web/demo';
const out = 'dist/public';
await mkdir(out, { recursive: true });
await build({
  entryPoints: [`${source}/demo.ts`],
  bundle: true,
  format: 'iife',
  target: 'es2022',
  sourcemap: true,
  outfile: `${out}/demo.js`,
  logLevel: 'warning',
});
await cp(`${source}/index.html`, `${out}/index.html`);
await cp(`${source}/demo.css`, `${out}/demo.css`);
await cp(`${source}/favicon.svg`, `${out}/favicon.svg`);
