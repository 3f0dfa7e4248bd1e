import { startNodeProcess, type NodeProcess } from '../../support/node-process';
import { SignalingClient } from '../../support/signaling-client';
import { eventually, http } from './security-kit';

jest.setTimeout(90_000);

/** A join (connect + joinRoom) must complete within this while the log reader is stalled. */
const JOIN_BOUND_MS = 1_000;
/** SIGTERM to exit: the node's own drain (10 s deadline) plus the log flush deadline (2 s). */
const EXIT_BOUND_MS = 12_000;

const droppedLines = async (node: NodeProcess): Promise<number> => {
  const text = (await http(node, 'GET', '/metrics')).body;
  const match = /^rtc_log_lines_dropped_total(?:\{[^}]*\})? (\d+)$/m.exec(text);
  return match ? Number(match[1]) : Number.NaN;
};

/** Every debug-logged rejection is a log line: thousands of them fill any pipe. */
const floodLogs = async (node: NodeProcess, lines: number): Promise<void> => {
  const client = await SignalingClient.connect(node.wsUrl);
  // In batches, each read before the next: a client that does not read its replies is cut off itself.
  for (let batch = 0; batch * 1_000 < lines; batch += 1) {
    for (let i = 0; i < 1_000; i += 1) client.sendRaw('{"id":"leaveRoom","requestId":"flood"}');
    client.sendRaw(`{"id":"leaveRoom","requestId":"batch-${batch}"}`);
    await client.next('error', (m) => m.requestId === `batch-${batch}`, 30_000);
    client.drain();
  }
  await client.close();
};

const timedJoin = async (node: NodeProcess, userId: string): Promise<number> => {
  const started = performance.now();
  const client = await SignalingClient.connect(node.wsUrl);
  await client.join({ userId, roomId: 'c-logs' });
  const elapsed = performance.now() - started;
  await client.close();
  return elapsed;
};

describe('a stalled log reader does not stall the node', () => {
  let node: NodeProcess;

  beforeAll(async () => {
    node = await startNodeProcess({ LOG_LEVEL: 'debug', MESSAGES_PER_SECOND: '1000000', MESSAGE_BURST: '1000000', MAX_QUEUED_MESSAGES: '100000' });
  });
  afterAll(async () => {
    if (node.child.exitCode === null) node.child.kill('SIGKILL');
    await node.exited;
  });

  it('joins keep working while stdout is a pipe nobody reads; the dropped lines are counted and reported once it reads again', async () => {
    // Nobody reads the node's stdout from here on: the pipe fills, then the node's own buffer.
    node.child.stdout!.pause();
    await floodLogs(node, 30_000);
    const latencies: number[] = [];
    for (let i = 0; i < 10; i += 1) latencies.push(await timedJoin(node, `u${i}`));
    const dropped = await droppedLines(node);
    process.stdout.write(`stalled log reader: ${dropped} lines dropped; joins meanwhile max ${Math.max(...latencies).toFixed(1)} ms\n`);
    for (const latency of latencies) expect(latency).toBeLessThan(JOIN_BOUND_MS);
    expect(dropped).toBeGreaterThan(0);

    node.child.stdout!.resume();
    await eventually(() => node.output.some((l) => l.includes('log lines were dropped while the log reader was stalled')), 20_000, 'the recovery line');
    const report = JSON.parse(node.output.find((l) => l.includes('log lines were dropped'))!) as { dropped: number; level: number };
    expect(report.level).toBe(40);
    expect(report.dropped).toBe(dropped);
  });

  it('SIGTERM still drains and exits while the reader is stalled', async () => {
    node.child.stdout!.pause();
    await floodLogs(node, 30_000);
    const started = Date.now();
    const code = await Promise.race([node.stop('SIGTERM'), new Promise<string>((resolve) => setTimeout(() => resolve('still running'), EXIT_BOUND_MS))]);
    process.stdout.write(`stalled log reader: SIGTERM to exit ${Date.now() - started} ms\n`);
    expect(code).toBe(0);
  });
});
