import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { HttpRoute } from './http-route';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

/** Serves the built demo page. Only names made of safe characters, so no path can leave the folder. */
export const staticFileRoute = (root: string): HttpRoute => ({
  method: 'GET',
  path: /^\/(?<file>[\w.-]*)$/,
  async handle(_req, res, params) {
    const name = params.file === '' || params.file === undefined ? 'index.html' : params.file;
    const path = normalize(join(root, name));
    if (!path.startsWith(normalize(root)) || name.startsWith('.')) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'content-type': TYPES[extname(name)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  },
});
