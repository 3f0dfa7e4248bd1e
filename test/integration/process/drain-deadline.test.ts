import { KurentoEmulator } from '../../support/kurento-emulator';
import { startNodeProcess } from '../../support/node-process';
import { SignalingClient } from '../../support/signaling-client';

jest.setTimeout(30_000);

describe('DRAIN_DEADLINE_MS bounds the whole SIGTERM drain', () => {
  let kms: KurentoEmulator;

  beforeAll(async () => {
    kms = new KurentoEmulator();
    await kms.start();
  });
  afterAll(async () => {
    await kms.stop();
  });

  const kurentoNode = (deadlineMs: number) =>
    startNodeProcess({
      MEDIA_BACKEND: 'kurento',
      KURENTO_URL: kms.url,
      // Longer than the drain deadline: only the deadline can end a drain stuck on the media server.
      MEDIA_TIMEOUT_MS: '60000',
      DRAIN_DEADLINE_MS: String(deadlineMs),
    });

  it('a drain stuck on the media server ends at the deadline with exit status 1 and says why', async () => {
    const node = await kurentoNode(2_000);
    const client = await SignalingClient.connect(node.wsUrl);
    expect((await client.join({ userId: 'alice', roomId: 'c-deadline' })).id).toBe('existingParticipants');
    // Every release KMS is asked for from now on goes unanswered.
    kms.hangNext('release', 100);
    const started = Date.now();
    const code = await node.stop('SIGTERM');
    const took = Date.now() - started;
    expect(code).toBe(1);
    expect(took).toBeGreaterThanOrEqual(2_000);
    // The deadline, plus the time a busy 2-core machine takes to run the timer and exit.
    expect(took).toBeLessThan(6_000);
    expect(node.output.join('\n')).toContain('drain did not finish within DRAIN_DEADLINE_MS');
    await client.close();
    kms.clearFaults();
  });

  it('a drain that finishes in time exits 0 well before the deadline', async () => {
    const node = await kurentoNode(20_000);
    const client = await SignalingClient.connect(node.wsUrl);
    expect((await client.join({ userId: 'bob', roomId: 'c-deadline-ok' })).id).toBe('existingParticipants');
    const started = Date.now();
    expect(await node.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(node.output.join('\n')).toContain('"deadlineMs":20000');
  });

  it('refuses a deadline under one second', async () => {
    const starting = startNodeProcess({ DRAIN_DEADLINE_MS: '500' });
    // Should it start after all, it must not outlive the test.
    starting.then((node) => node.stop('SIGKILL'), () => undefined);
    await expect(starting).rejects.toThrow(/DRAIN_DEADLINE_MS/);
  });
});
