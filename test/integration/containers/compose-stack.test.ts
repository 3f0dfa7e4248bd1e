import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { containerEngine, repoRoot } from '../../support/containers/engine-state.cjs';
import { buildProjectImage, dockerEnv } from '../../support/containers/docker-cli';
import { freePortRange } from '../../support/containers/udp-ports';
import { launchDemoBrowser, openDemo, waitForVideoFrom, type DemoBrowser } from '../../support/demo-browser';
import { freePort } from '../../support/redis/free-port';
import { SignalingClient } from '../../support/signaling-client';

const run = promisify(execFile);

/** The little of the browser's RTCPeerConnection the TURN check uses (this project's lib has no DOM types). */
interface ProbePeer {
  onicecandidate: ((event: { candidate: { candidate: string } | null }) => void) | null;
  createDataChannel(label: string): unknown;
  createOffer(): Promise<unknown>;
  setLocalDescription(offer: unknown): Promise<void>;
  close(): void;
}
type ProbePeerClass = new (config: Record<string, unknown>) => ProbePeer;
jest.setTimeout(90_000);

const engine = containerEngine();
const missing = !engine.ready
  ? engine.reason
  : !engine.compose
    ? 'no docker-compose on this machine'
    : !engine.images.kms
      ? 'no KMS image'
      : undefined;
if (missing) process.stderr.write(`[containers] compose stack test skipped: ${missing}\n`);

// One room of two: 2 x 2^2 = 8 KMS ports, 4 relay ports (docker/stack-env.sh).
const ROOM_CAPACITY = 2;

(missing ? describe.skip : describe)('the compose stack (docker/docker-compose.yml): signaling, Redis, coturn and the real KMS', () => {
  const project = `rtc-test-${process.pid}`;
  let dir: string;
  let env: Map<string, string>;
  let httpUrl: string;
  let browser: DemoBrowser | undefined;

  const compose = async (...args: string[]): Promise<string> => {
    if (!engine.ready || !engine.compose) throw new Error('unreachable: the suite is skipped without compose');
    const files = ['-f', join(repoRoot, 'docker/docker-compose.yml'), '-f', join(dir, 'test-labels.yml')];
    const { stdout } = await run(engine.compose, ['-p', project, '--env-file', join(dir, 'stack.env'), ...files, ...args], {
      cwd: repoRoot,
      env: dockerEnv(),
      timeout: 5 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout.trim();
  };
  const token = (userId: string): Promise<string> => compose('exec', '-T', 'signaling', 'node', 'scripts/demo-token.mjs', userId);

  beforeAll(async () => {
    if (!engine.ready) return;
    dir = await mkdtemp(join(tmpdir(), 'rtc-compose-'));
    const image = await buildProjectImage(engine.images.node);
    const signalingPort = await freePort();
    const mediaMin = await freePortRange(2 * ROOM_CAPACITY ** 2);
    const relayMin = await freePortRange(ROOM_CAPACITY ** 2, { avoid: [[mediaMin, mediaMin + 2 * ROOM_CAPACITY ** 2]] });
    const turnPort = await freePortRange(1, { tcp: true, avoid: [[mediaMin, mediaMin + 8], [relayMin, relayMin + 4]] });
    const { stdout } = await run('bash', [
      'docker/stack-env.sh',
      '--public-ip', '127.0.0.1',
      '--public-url', `ws://127.0.0.1:${signalingPort}/rtc/websocket`,
      '--room-capacity', String(ROOM_CAPACITY),
      '--rooms', '1',
      '--media-min-port', String(mediaMin),
      '--relay-min-port', String(relayMin),
    ], { cwd: repoRoot });
    const local = [
      `SIGNALING_IMAGE=${image}`,
      `KMS_IMAGE=${engine.images.kms ?? ''}`,
      `REDIS_IMAGE=${engine.images.redis}`,
      `COTURN_IMAGE=${engine.images.coturn}`,
      // Nothing of the test stack on the network: every published port on loopback.
      'SIGNALING_BIND=127.0.0.1',
      'MEDIA_BIND=127.0.0.1',
      `SIGNALING_PORT=${signalingPort}`,
      `TURN_PORT=${turnPort}`,
    ];
    await writeFile(join(dir, 'stack.env'), `${stdout}\n${local.join('\n')}\n`);
    env = new Map(
      (await readFile(join(dir, 'stack.env'), 'utf8'))
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    // Labels let scripts/container-engine.sh down remove whatever a crashed run leaves.
    const label = '    labels: { rtc-signaling.test: "true" }';
    await writeFile(
      join(dir, 'test-labels.yml'),
      ['services:', ...['signaling', 'kms', 'redis', 'coturn'].flatMap((s) => [`  ${s}:`, label]),
        'volumes:', '  redis-data:', '    labels: { rtc-signaling.test: "true" }',
        'networks:', '  default:', '    labels: { rtc-signaling.test: "true" }', ''].join('\n'),
    );
    const started = Date.now();
    await compose('up', '-d', '--no-build');
    httpUrl = `http://127.0.0.1:${signalingPort}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = await fetch(`${httpUrl}/readyz`).then((r) => r.ok, () => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`the stack did not become ready within 60 s:\n${await compose('logs', '--tail=20')}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    process.stderr.write(`[containers] compose stack up and ready in ${Math.round((Date.now() - started) / 1000)} s\n`);
  }, 15 * 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) {
      await compose('down', '-v', '-t', '0').catch((error: unknown) => process.stderr.write(`compose down failed: ${String(error)}\n`));
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is ready on KMS and Redis, and hands out PUBLIC_URL for its rooms', async () => {
    const ready = await fetch(`${httpUrl}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { mediaBackend: true, stateStore: true } });
    const lookup = await fetch(`${httpUrl}/v1/rooms/c-lookup/node`);
    expect(await lookup.json()).toMatchObject({ nodeId: 'signaling-1', url: env.get('PUBLIC_URL') });
  });

  it('checks tokens by default: a join without one is refused, one with the demo token gets in on the Kurento backend', async () => {
    const client = await SignalingClient.connect(`${httpUrl.replace('http', 'ws')}/rtc/websocket`);
    client.send({ id: 'joinRoom', userId: 'mallory', roomId: 'c-auth', communityId: '1', video: true, audio: true });
    expect(await client.next('error')).toMatchObject({ code: expect.stringMatching(/token|auth/i) });
    const joined = await client.join({ userId: 'alice', roomId: 'c-auth', token: await token('alice') });
    expect(joined).toMatchObject({ id: 'existingParticipants', members: [], media: { backend: 'kurento' } });
    await client.close();
  });

  it('keeps Redis data across a restart (append-only file on a volume)', async () => {
    expect(await compose('exec', '-T', 'redis', 'redis-cli', 'config', 'get', 'appendonly')).toContain('yes');
    expect(await compose('exec', '-T', 'redis', 'redis-cli', 'set', 'rtc-test:kept', 'still here')).toBe('OK');
    await compose('restart', '-t', '10', 'redis');
    const deadline = Date.now() + 20_000;
    let value = '';
    while (Date.now() < deadline) {
      value = await compose('exec', '-T', 'redis', 'redis-cli', 'get', 'rtc-test:kept').catch(() => '');
      if (value === 'still here') break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(value).toBe('still here');
  });

  it('relays through coturn with TURN REST credentials from TURN_SECRET, and refuses others', async () => {
    browser ??= await launchDemoBrowser();
    const page = await browser.browser.newPage();
    const username = `${Math.floor(Date.now() / 1000) + 3600}:alice`;
    const credential = createHmac('sha1', env.get('TURN_SECRET') ?? '').update(username).digest('base64');
    const relayCandidates = (password: string): Promise<string[]> =>
      page.evaluate(
        async ({ url, user, pass }) => {
          const Peer = (globalThis as unknown as { RTCPeerConnection: ProbePeerClass }).RTCPeerConnection;
          const pc = new Peer({ iceServers: [{ urls: url, username: user, credential: pass }], iceTransportPolicy: 'relay' });
          const found: string[] = [];
          const done = new Promise<void>((resolve) => {
            pc.onicecandidate = (e) => (e.candidate ? found.push(e.candidate.candidate) : resolve());
            setTimeout(resolve, 10_000);
          });
          pc.createDataChannel('probe');
          await pc.setLocalDescription(await pc.createOffer());
          await done;
          pc.close();
          return found;
        },
        { url: `turn:127.0.0.1:${env.get('TURN_PORT')}?transport=udp`, user: username, pass: password },
      );
    const relayed = await relayCandidates(credential);
    expect(relayed.length).toBeGreaterThan(0);
    const port = Number(/ 127\.0\.0\.1 (\d+) typ relay/.exec(relayed[0] ?? '')?.[1]);
    expect(port).toBeGreaterThanOrEqual(Number(env.get('RELAY_MIN_PORT')));
    expect(port).toBeLessThanOrEqual(Number(env.get('RELAY_MAX_PORT')));
    expect(await relayCandidates('not-the-password')).toEqual([]);
    await page.close();
  });

  it('carries video between two Chromium pages on the host through the containerized KMS', async () => {
    browser ??= await launchDemoBrowser();
    const pages = [];
    for (const user of ['alice', 'bob']) {
      const page = await browser.browser.newPage();
      await openDemo(page, httpUrl, 'c-media', user);
      await page.click('#join-form details summary');
      await page.fill('#token', await token(user));
      await page.click('#join');
      await page.waitForSelector('#status[data-state="joined"]', { timeout: 15_000 });
      pages.push(page);
    }
    const [alice, bob] = pages;
    expect(await waitForVideoFrom(alice!, ['bob'], 40_000)).toMatchObject({ bob: expect.any(Number) });
    expect(await waitForVideoFrom(bob!, ['alice'], 40_000)).toMatchObject({ alice: expect.any(Number) });
  });
});
