import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Benchmarks are not tests: this only runs the harness with tiny counts so that it cannot rot. It starts the
// three relays, a redis-server and the load generator as real processes, like `npm run bench` does.
jest.setTimeout(120_000);

const root = resolve(__dirname, '..', '..', '..');

interface RelaySummary {
  readonly messagesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly notArrived: number;
}
interface JoinSummary {
  readonly joinsPerSecond: number;
  readonly p99Ms: number;
  readonly joined: number[];
  readonly clients: number;
}
interface Summary {
  readonly relay: Record<'bare' | 'peerjs' | 'ours' | 'bareCoalesced', RelaySummary>;
  readonly ratios: { readonly throughputVsBare: number; readonly throughputVsPeerJs: number; readonly throughputVsBareCoalesced: number };
  readonly realistic: Record<'bare' | 'peerjs' | 'ours', RelaySummary & { readonly processes: number }>;
  readonly realisticRatios: { readonly throughputVsPeerJs: number; readonly peerJsCostVsOurs: number };
  readonly join: Record<string, JoinSummary>;
  readonly idle: Record<string, { readonly connected: number; readonly clients: number; readonly kibPerConnection: number }>;
}

const runSmoke = (out: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((done) => {
    const child = spawn(process.execPath, ['scripts/bench.mjs', '--smoke', '--out', out], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });

describe('bench harness smoke (node scripts/bench.mjs --smoke)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures all three benchmarks and writes the report to the given file, not to docs/', async () => {
    const out = join(dir, 'smoke.md');
    const started = Date.now();
    const { code, stdout, stderr } = await runSmoke(out);
    expect({ code, stderr: code === 0 ? '' : stderr.slice(-2000) }).toEqual({ code: 0, stderr: '' });
    expect(Date.now() - started).toBeLessThan(100_000);

    const last = stdout.trim().split('\n').pop() ?? '';
    const { summary, json } = JSON.parse(last) as { summary: Summary; json: string };
    expect(json).toBe(join(dir, 'smoke.json'));
    expect(existsSync(json)).toBe(true);

    for (const target of ['bare', 'peerjs', 'ours', 'bareCoalesced'] as const) {
      const relay = summary.relay[target];
      expect(relay.messagesPerSecond).toBeGreaterThan(0);
      expect(relay.p50Ms).toBeGreaterThan(0);
      expect(relay.p99Ms).toBeGreaterThanOrEqual(relay.p50Ms);
      expect(relay.errors).toBe(0);
    }
    expect(summary.ratios.throughputVsBare).toBeGreaterThan(0);
    expect(summary.ratios.throughputVsPeerJs).toBeGreaterThan(0);
    expect(summary.ratios.throughputVsBareCoalesced).toBeGreaterThan(0);
    // The realistic mode: every frame its own write, from two generator processes.
    for (const target of ['bare', 'peerjs', 'ours'] as const) {
      const relay = summary.realistic[target];
      expect(relay.messagesPerSecond).toBeGreaterThan(0);
      expect(relay.processes).toBe(2);
      expect(relay.errors).toBe(0);
    }
    expect(summary.realisticRatios.throughputVsPeerJs).toBeGreaterThan(0);
    expect(summary.realisticRatios.peerJsCostVsOurs).toBeGreaterThan(0);

    expect(Object.keys(summary.join).sort()).toEqual(['memory, 500 joins/s', 'memory, all at once', 'redis, 500 joins/s', 'redis, all at once']);
    for (const storm of Object.values(summary.join)) {
      expect(storm.joined).toEqual([storm.clients]);
      expect(storm.joinsPerSecond).toBeGreaterThan(0);
      expect(storm.p99Ms).toBeGreaterThan(0);
    }

    const idle = summary.idle.ours;
    expect(idle).toBeDefined();
    expect(idle?.connected).toBe(idle?.clients);
    expect(Number.isFinite(idle?.kibPerConnection)).toBe(true);

    const report = readFileSync(out, 'utf8');
    for (const heading of ['## 1. Relay throughput and latency', '## 1b. Relay with realistic clients', '## 2. Join storm', '## 3. Idle connections', '## Targets']) {
      expect(report).toContain(heading);
    }
    expect(report).toContain('Smoke run');
  });
});
