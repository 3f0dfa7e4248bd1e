import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, symlink, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../support/redis/free-port';

jest.setTimeout(120_000);

const root = resolve(__dirname, '../../..');

/** Runs scripts/start.sh (what `npm start` runs) in `dir` until it says where to open the demo page. */
const start = async (dir: string): Promise<{ output: string; port: number }> => {
  const port = await freePort();
  const child = spawn('bash', ['scripts/start.sh'], { cwd: dir, env: { PATH: process.env.PATH ?? '', PORT: String(port), LOG_LEVEL: 'warn' } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    const deadline = Date.now() + 100_000;
    while (!output.includes('open http')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`start.sh did not announce its URL:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    return { output, port };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
};

describe('npm start (scripts/start.sh)', () => {
  let dir: string;

  beforeAll(async () => {
    // A copy of the built checkout, so that a rebuild here never rewrites the dist/ other tests serve.
    dir = await mkdtemp(join(tmpdir(), 'rtc-start-'));
    for (const entry of ['src', 'packages', 'scripts', 'dist', 'package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'tsconfig.build.json']) {
      await cp(join(root, entry), join(dir, entry), { recursive: true, preserveTimestamps: true });
    }
    await symlink(join(root, 'node_modules'), join(dir, 'node_modules'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('on a built checkout starts without building and prints the URL to open once it listens', async () => {
    const { output, port } = await start(dir);
    expect(output).not.toContain('building');
    expect(output).toContain(`open http://localhost:${port}/`);
  });

  it('rebuilds when a source changed since the last build', async () => {
    const later = new Date(Date.now() + 2_000);
    await utimes(join(dir, 'src/main.ts'), later, later);
    const { output } = await start(dir);
    expect(output).toContain('building');
    // Built now: the next start does not build again.
    expect((await start(dir)).output).not.toContain('building');
  });
});
