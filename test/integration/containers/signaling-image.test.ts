import SockJS from 'sockjs-client';
import { SOCKJS_OPEN_TIMEOUT_MS } from '../../support/sockjs-open-timeout';
import type { StartedTestContainer } from 'testcontainers';
import { containerEngine, TEST_LABELS } from '../../support/containers/engine-state.cjs';
import { buildProjectImage, docker, imageSizeMb } from '../../support/containers/docker-cli';
import { SignalingClient } from '../../support/signaling-client';

jest.setTimeout(60_000);

const engine = containerEngine();
if (!engine.ready) process.stderr.write(`[containers] image test skipped: ${engine.reason}\n`);
const DRAIN_DEADLINE_MS = 5_000;

/** Joins a room over SockJS (xhr-streaming: the HTTP transports, not SockJS's own WebSocket). */
const sockJsJoin = (url: string, userId: string, roomId: string): Promise<{ reply: Record<string, unknown>; close: () => void }> =>
  new Promise((resolve, reject) => {
    const sock = new SockJS(url, undefined, { transports: ['xhr-streaming'], timeout: SOCKJS_OPEN_TIMEOUT_MS }) as unknown as WebSocket;
    const timer = setTimeout(() => reject(new Error('no existingParticipants over SockJS')), 10_000);
    sock.onopen = () => sock.send(JSON.stringify({ id: 'joinRoom', userId, roomId, communityId: '1', video: false, audio: true }));
    sock.onerror = () => reject(new Error('SockJS error'));
    sock.onmessage = (event: MessageEvent) => {
      const reply = JSON.parse(String(event.data)) as Record<string, unknown>;
      if (reply.id !== 'existingParticipants') return;
      clearTimeout(timer);
      resolve({ reply, close: () => sock.close() });
    };
  });

(engine.ready ? describe : describe.skip)('the signaling image (docker/Dockerfile)', () => {
  let image: string;
  let container: StartedTestContainer;
  let base: string;

  beforeAll(async () => {
    if (!engine.ready) return;
    const started = Date.now();
    image = await buildProjectImage(engine.images.node);
    process.stderr.write(`[containers] ${image}: ${await imageSizeMb(image)} MB, ready to run after ${Math.round((Date.now() - started) / 1000)} s\n`);
    const { GenericContainer, Wait } = await import('testcontainers');
    container = await new GenericContainer(image)
      .withExposedPorts(8080)
      .withEnvironment({ DRAIN_DEADLINE_MS: String(DRAIN_DEADLINE_MS), NODE_ID: 'image-test' })
      .withLabels(TEST_LABELS)
      .withWaitStrategy(Wait.forHttp('/readyz', 8080))
      .withStartupTimeout(30_000)
      .start();
    base = `http://${container.getHost()}:${container.getMappedPort(8080)}`;
  }, 15 * 60_000);

  afterAll(async () => {
    await container?.stop({ timeout: 0 });
  });

  it('runs the server as an unprivileged user on Node 24', async () => {
    expect((await container.exec(['id', '-u'])).output.trim()).not.toBe('0');
    expect((await container.exec(['node', '--version'])).output.trim()).toMatch(/^v24\./);
    // The files are root's: the server cannot rewrite its own code.
    expect((await container.exec(['stat', '-c', '%U', '/app/dist/main.js'])).output.trim()).toBe('root');
  });

  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', draining: false });
  });

  it('its HEALTHCHECK probes liveness (/healthz) and the engine reports the container healthy', async () => {
    const check = await docker(['image', 'inspect', '--format', '{{json .Config.Healthcheck.Test}}', image]);
    expect(check).toContain('/healthz');
    expect(check).not.toContain('/readyz');
    // The first probe runs one interval (10 s) after start.
    const deadline = Date.now() + 40_000;
    let status = '';
    while (Date.now() < deadline) {
      status = await docker(['inspect', '--format', '{{.State.Health.Status}}', container.getId()]);
      if (status === 'healthy') break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(status).toBe('healthy');
  });

  it('serves the demo page and the Janus backend\'s native module is built for its Node', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script');
    expect((await container.exec(['node', '-e', "require('unix-dgram'); console.log('loaded')"], { workingDir: '/app' })).output).toContain('loaded');
  });

  it('also runs with a read-only root filesystem and no capabilities (as k8s/ runs it)', async () => {
    const id = await docker(['run', '-d', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
      '--label', 'rtc-signaling.test=true', '-p', '127.0.0.1::8080', image]);
    try {
      const port = (await docker(['port', id, '8080/tcp'])).split('\n')[0]?.split(':').pop();
      const deadline = Date.now() + 20_000;
      let status = 0;
      while (Date.now() < deadline && status !== 200) {
        status = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(status).toBe(200);
    } finally {
      await docker(['rm', '-f', id]);
    }
  });

  it('joins one room over WebSocket and over SockJS', async () => {
    const ws = await SignalingClient.connect(`${base.replace('http', 'ws')}/rtc/websocket`);
    expect(await ws.join({ userId: 'ws-user', roomId: 'c-image' })).toMatchObject({ id: 'existingParticipants', members: [] });
    const sj = await sockJsJoin(`${base}/rtc`, 'sj-user', 'c-image');
    expect(sj.reply.members).toEqual([{ userId: 'ws-user', video: true, audio: true }]);
    expect(await ws.next('newParticipantArrived')).toMatchObject({ member: { userId: 'sj-user' } });
    sj.close();
    await ws.close();
  });

  it('on SIGTERM drains (clients told to reconnect, closed with 1001) and exits 0 within DRAIN_DEADLINE_MS', async () => {
    const client = await SignalingClient.connect(`${base.replace('http', 'ws')}/rtc/websocket`);
    await client.join({ userId: 'stayer', roomId: 'c-image-drain' });
    const closed = client.waitClosed(DRAIN_DEADLINE_MS);
    const started = Date.now();
    await docker(['kill', '--signal', 'TERM', container.getId()]);
    const exitCode = await docker(['wait', container.getId()], DRAIN_DEADLINE_MS * 2);
    const took = Date.now() - started;
    expect(exitCode).toBe('0');
    expect(took).toBeLessThan(DRAIN_DEADLINE_MS);
    expect(await client.next('error')).toMatchObject({ code: 'serverShuttingDown', details: { reconnect: true } });
    expect(await closed).toBe(1001);
    process.stderr.write(`[containers] SIGTERM to exit 0: ${took} ms\n`);
  });
});
