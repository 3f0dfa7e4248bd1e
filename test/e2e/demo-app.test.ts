import type { Page } from 'playwright-core';
import { launchDemoBrowser, openDemo, waitForVideoFrom, type DemoBrowser } from '../support/demo-browser';
import { artefact, audioPacketsFrom, demoStatic, denyCamera, tileState, waitForTile } from '../support/demo-app';
import { startJanus, type JanusFixture } from '../support/janus-fixture';
import { startNodeProcess, type NodeProcess } from '../support/node-process';
import { freePort } from '../support/redis/free-port';
import { startTestServer } from '../support/start-server';
import type { RunningNode } from '../../src/start-node';

jest.setTimeout(180_000);

/** Generous: pages encode and decode video on two shared cores. */
const VIDEO_TIMEOUT_MS = 45_000;
const UI_TIMEOUT_MS = 15_000;

const eventually = async (what: string, check: () => Promise<boolean>, timeoutMs = UI_TIMEOUT_MS): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/**
 * The demo as a user meets it, for each numbered failure of issue 17, on mesh and on Janus: a refused join,
 * camera/mic state across a rejoin, a SIGKILLed node, a denied camera, a `?room=` link, a phone screen.
 */
describe.each([['mesh'], ['janus']] as const)('demo app in Chromium, %s', (backend) => {
  let janus: JanusFixture | undefined;
  let node: RunningNode;
  let browser: DemoBrowser;
  const pages: Page[] = [];
  const env = (): Record<string, string> => ({
    MEDIA_BACKEND: backend,
    ...(janus ? { JANUS_URL: janus.url } : {}),
    ROOM_CAPACITY: '2',
    ...demoStatic(),
  });
  const open = async (room: string, userId: string, name = userId, httpUrl = node.httpUrl): Promise<Page> => {
    const page = await browser.browser.newPage();
    pages.push(page);
    await openDemo(page, httpUrl, room, userId, name);
    return page;
  };
  const join = async (room: string, userId: string, name = userId, httpUrl = node.httpUrl): Promise<Page> => {
    const page = await open(room, userId, name, httpUrl);
    await page.click('#join');
    await page.waitForSelector('#status[data-state="joined"]', { timeout: UI_TIMEOUT_MS });
    return page;
  };

  beforeAll(async () => {
    if (backend === 'janus') janus = await startJanus();
    node = await startTestServer(env());
    browser = await launchDemoBrowser();
  });
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    await janus?.stop();
  });

  it('1. a refused join (room full) returns to the pre-join screen with a plain message, nothing half-joined', async () => {
    const room = `${backend}-full`;
    await join(room, 'alice');
    await join(room, 'bob');
    const carol = await open(room, 'carol');
    await carol.click('#join');
    await carol.waitForSelector('#status[data-state="left"][data-code="roomFull"]', { timeout: UI_TIMEOUT_MS });
    expect(await carol.isVisible('#prejoin')).toBe(true);
    expect(await carol.isHidden('#call')).toBe(true);
    expect(await carol.textContent('#prejoin-message')).toMatch(/room is full/i);
    expect(await carol.isEnabled('#join')).toBe(true);
    expect(await carol.locator('#tiles .tile').count()).toBe(0);
  });

  it('1. joining with the server down returns to the pre-join screen with a plain message and no stale tile', async () => {
    const down = await startTestServer(env());
    const page = await open(`${backend}-down`, 'dora', 'Dora', down.httpUrl);
    await down.stop();
    await page.click('#join');
    await page.waitForSelector('#status[data-state="left"]', { timeout: UI_TIMEOUT_MS });
    expect(await page.textContent('#prejoin-message')).toMatch(/cannot reach/i);
    expect(await page.isVisible('#prejoin')).toBe(true);
    expect(await page.locator('#tiles .tile').count()).toBe(0);
    expect(await page.isEnabled('#join')).toBe(true);
  });

  it('2. camera and microphone state are sent on join and kept across leaving and joining again', async () => {
    const room = `${backend}-state`;
    const alice = await open(room, 'alice', 'Alice Smith');
    await alice.click('#prejoin-camera');
    expect(await alice.getAttribute('#prejoin-camera', 'aria-pressed')).toBe('false');
    await alice.click('#join');
    await alice.waitForSelector('#status[data-state="joined"]', { timeout: UI_TIMEOUT_MS });
    const bob = await join(room, 'bob', 'José');
    await waitForTile(bob, 'alice', { video: 'false', audio: 'true' });
    expect(await bob.textContent('#tiles [data-user-id="alice"] .label')).toBe('Alice Smith · camera off');
    await alice.click('#toggle-mic');
    await waitForTile(bob, 'alice', { audio: 'false' });

    await alice.click('#leave');
    await bob.waitForSelector('#tiles [data-user-id="alice"]', { state: 'detached', timeout: UI_TIMEOUT_MS });
    expect(await alice.getAttribute('#prejoin-camera', 'aria-pressed')).toBe('false');
    await alice.click('#join');
    await alice.waitForSelector('#status[data-state="joined"]', { timeout: UI_TIMEOUT_MS });
    await waitForTile(bob, 'alice', { video: 'false', audio: 'false' });
    expect(await alice.getAttribute('#toggle-camera', 'aria-pressed')).toBe('false');
    expect(await alice.getAttribute('#toggle-mic', 'aria-pressed')).toBe('false');
    expect(await alice.evaluate(() => (globalThis as unknown as { demo: { localTracks(): unknown } }).demo.localTracks())).toEqual({ video: [false], audio: [false] });
    // Turned on again, the others see it.
    await alice.click('#toggle-camera');
    await waitForTile(bob, 'alice', { video: 'true' });
    await waitForVideoFrom(bob, ['alice'], VIDEO_TIMEOUT_MS);
  });

  it('3. a SIGKILLed node: the reconnecting banner shows, and the call recovers on its own when the node is back (state kept)', async () => {
    const port = await freePort();
    const processEnv = { ...env(), PORT: String(port), RESUME_GRACE_MS: '15000', MAX_CONNECTIONS_PER_IP: '10000', JOINS_PER_MINUTE: '10000' };
    let proc: NodeProcess = await startNodeProcess(processEnv);
    try {
      const room = `${backend}-killed`;
      const alice = await join(room, 'alice', 'Alice', proc.httpUrl);
      const bob = await join(room, 'bob', 'Bob', proc.httpUrl);
      await waitForVideoFrom(alice, ['bob'], VIDEO_TIMEOUT_MS);
      await waitForVideoFrom(bob, ['alice'], VIDEO_TIMEOUT_MS);
      await alice.click('#toggle-mic');
      await waitForTile(bob, 'alice', { audio: 'false' });

      await proc.stop('SIGKILL');
      for (const page of [alice, bob]) {
        await page.waitForSelector('#banner:not([hidden])', { timeout: UI_TIMEOUT_MS });
        expect(await page.textContent('#banner')).toContain('Reconnecting');
        expect(await page.getAttribute('#status', 'data-state')).toBe('reconnecting');
        expect(await page.isVisible('#call')).toBe(true);
      }
      proc = await startNodeProcess(processEnv);
      for (const page of [alice, bob]) {
        await page.waitForSelector('#status[data-state="joined"]', { timeout: 30_000 });
        await page.waitForSelector('#banner', { state: 'hidden', timeout: UI_TIMEOUT_MS });
      }
      // The call is back: each sees the other, with the state it had, and video flows again.
      await waitForTile(bob, 'alice', { audio: 'false', video: 'true' });
      await waitForTile(alice, 'bob', { audio: 'true', video: 'true' });
      await waitForVideoFrom(alice, ['bob'], VIDEO_TIMEOUT_MS);
      await waitForVideoFrom(bob, ['alice'], VIDEO_TIMEOUT_MS);
    } finally {
      await proc.stop('SIGKILL');
    }
  });

  it('4. a denied camera joins audio-only: the others see the camera off and hear the microphone', async () => {
    const room = `${backend}-nocam`;
    const page = await browser.browser.newPage();
    pages.push(page);
    await denyCamera(page);
    await openDemo(page, node.httpUrl, room, 'alice', 'Alice');
    expect(await page.textContent('#device-note')).toMatch(/audio only/i);
    expect(await page.isDisabled('#prejoin-camera')).toBe(true);
    await page.click('#join');
    await page.waitForSelector('#status[data-state="joined"]', { timeout: UI_TIMEOUT_MS });
    const bob = await join(room, 'bob');
    await waitForTile(bob, 'alice', { video: 'false', audio: 'true' });
    await eventually('bob to receive alice\'s audio', async () => ((await audioPacketsFrom(bob)).alice ?? 0) > 20, VIDEO_TIMEOUT_MS);
    await waitForVideoFrom(page, ['bob'], VIDEO_TIMEOUT_MS);
  });

  it('5. a ?room= link opens that room, and the page offers its link to copy', async () => {
    const room = `${backend}-link ünïcode`;
    const dave = await open(room, 'dave');
    expect(await dave.inputValue('#room')).toBe(room);
    await dave.click('#join');
    await dave.waitForSelector('#status[data-state="joined"]', { timeout: UI_TIMEOUT_MS });
    const link = await dave.inputValue('#share-link');
    expect(new URL(link).searchParams.get('room')).toBe(room);
    expect(await dave.textContent('#room-title')).toBe(room);
    // A second user opens the shared link as is.
    const erin = await browser.browser.newPage();
    pages.push(erin);
    await erin.goto(`${link}&user=erin`);
    await erin.fill('#name', 'Erin');
    await erin.waitForSelector('#prejoin[data-devices="ready"]', { state: 'attached' });
    await erin.click('#join');
    await erin.waitForSelector('#status[data-state="joined"]', { timeout: UI_TIMEOUT_MS });
    await waitForTile(erin, 'dave', {});
    await waitForTile(dave, 'erin', {});
    // Arrivals are announced in the live region; the fake microphone's beeps light up a speaker's tile.
    await dave.waitForFunction("/erin joined/i.test(document.getElementById('log').textContent)", undefined, { timeout: UI_TIMEOUT_MS });
    await dave.waitForSelector('#tiles .tile[data-speaking="true"]', { state: 'attached', timeout: UI_TIMEOUT_MS });
    await dave.click('#copy-link');
    // The clipboard write resolves asynchronously; the page announces the copy once it has.
    await dave.waitForFunction("/copied/i.test(document.getElementById('announcer').textContent)", undefined, { timeout: UI_TIMEOUT_MS });
    expect(await dave.textContent('#announcer')).toMatch(/copied/i);
  });

  it('6. on a 390×844 phone the controls stay on screen and are touch-sized; screenshot written', async () => {
    const room = `${backend}-phone`;
    await join(room, 'alice', 'Alice');
    const context = await browser.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    try {
      const phone = await context.newPage();
      await openDemo(phone, node.httpUrl, room, 'bob', 'Bob');
      await phone.screenshot({ path: artefact(`${backend}-prejoin-390x844.png`) });
      // Device pickers list the (fake) camera and microphone, by name once permission was given.
      expect(await phone.locator('#camera-select option').count()).toBeGreaterThanOrEqual(1);
      expect(await phone.locator('#mic-select option').count()).toBeGreaterThanOrEqual(1);
      expect(await phone.isEnabled('#camera-select')).toBe(true);
      const join = await phone.locator('#join').boundingBox();
      expect(join!.height).toBeGreaterThanOrEqual(44);
      await phone.click('#join');
      await phone.waitForSelector('#status[data-state="joined"]', { timeout: UI_TIMEOUT_MS });
      await waitForTile(phone, 'alice', {});
      await phone.screenshot({ path: artefact(`${backend}-call-390x844.png`) });
      for (const id of ['#toggle-mic', '#toggle-camera', '#leave']) {
        const box = await phone.locator(id).boundingBox();
        expect(box).not.toBeNull();
        expect(box!.y).toBeGreaterThanOrEqual(0);
        expect(box!.y + box!.height).toBeLessThanOrEqual(844);
        expect(box!.x + box!.width).toBeLessThanOrEqual(390);
        expect(box!.height).toBeGreaterThanOrEqual(44);
        expect(box!.width).toBeGreaterThanOrEqual(44);
      }
      const bar = await phone.locator('#controls').boundingBox();
      expect(bar!.height).toBeLessThanOrEqual(110);
      // Accessible: toggles say their state, the status is a live region, videos are named.
      expect(await phone.getAttribute('#toggle-mic', 'aria-pressed')).toBe('true');
      await phone.click('#toggle-mic');
      expect(await phone.getAttribute('#toggle-mic', 'aria-pressed')).toBe('false');
      expect(await phone.getAttribute('#status', 'role')).toBe('status');
      expect(await phone.getAttribute('#tiles [data-user-id="alice"] video', 'aria-label')).toBe('Video of Alice');
      expect(await phone.textContent('#count')).toBe('2');
      expect(await phone.getAttribute('link[rel="icon"]', 'href')).toBe('favicon.svg');
      expect((await phone.request.get(`${node.httpUrl}/favicon.svg`)).status()).toBe(200);
    } finally {
      await context.close();
    }
  });
});

/** Janus: existing members receive a newcomer's media once it is published, told by participantPublished. */
describe('demo app in Chromium, Janus newcomer', () => {
  let janus: JanusFixture;
  let node: RunningNode;
  let browser: DemoBrowser;

  beforeAll(async () => {
    janus = await startJanus();
    node = await startTestServer({ MEDIA_BACKEND: 'janus', JANUS_URL: janus.url, ...demoStatic() });
    browser = await launchDemoBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    await janus?.stop();
  });

  /** In the member's page: the absolute time (ms since the epoch) of the first decoded frame from `from`. */
  const FIRST_FRAME_AT = `(async ({ from, timeoutMs }) => {
    const started = performance.now();
    while (performance.now() - started < timeoutMs) {
      const frames = await window.demo.framesDecoded();
      if ((frames[from] ?? 0) > 0) return performance.timeOrigin + performance.now();
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('no frame from ' + from + ' within ' + timeoutMs + ' ms');
  })`;

  it('an existing member asks for a newcomer\'s media when told participantPublished (no polling, no error shown), and sees its first frame', async () => {
    const samples: number[] = [];
    const reactions: number[] = [];
    const errorsShown: number[] = [];
    const roles: string[] = [];
    for (let run = 0; run < 6; run += 1) {
      const room = `janus-newcomer-${run}`;
      const member = await browser.openAndJoin(node.httpUrl, room, 'member');
      // What the member's page sends and receives, in its own clock: subscribe requests and the server's word.
      await member.evaluate(`(() => {
        window.__t = [];
        const note = (what) => window.__t.push([what, performance.timeOrigin + performance.now()]);
        window.demo.client?.on('message', (m) => note(m.id + (m.code ? ':' + m.code : '')));
        const send = WebSocket.prototype.send;
        WebSocket.prototype.send = function (data) {
          if (typeof data === 'string' && data.includes('"subscribe"') && data.includes('newcomer')) note('sent:subscribe');
          return send.call(this, data);
        };
      })()`);
      const newcomer = await browser.browser.newPage();
      await openDemo(newcomer, node.httpUrl, room, 'newcomer');
      const firstFrame = member.evaluate(`${FIRST_FRAME_AT}({ from: 'newcomer', timeoutMs: 20000 })`) as Promise<number>;
      await newcomer.click('#join');
      const at = await firstFrame;
      const sentAt = (await newcomer.evaluate('performance.timeOrigin + window.demo.joinSentAt')) as number;
      const trace = (await member.evaluate('window.__t')) as [string, number][];
      // The member answered Janus's subscription offer as the DTLS server, and Chromium took that answer.
      roles.push((await member.evaluate(`/a=setup:(\\w+)/.exec(window.demo.media.connections()['down:newcomer'].localDescription.sdp)[1]`)) as string);
      const published = trace.find(([what]) => what === 'participantPublished')?.[1];
      const asked = trace.find(([what, t]) => what === 'sent:subscribe' && published !== undefined && t >= published)?.[1];
      // The first run warms codecs and connections up; it is not counted.
      if (run > 0) {
        samples.push(Math.round(at - sentAt));
        reactions.push(published === undefined || asked === undefined ? Number.POSITIVE_INFINITY : Math.round(asked - published));
      }
      process.stderr.write(`[demo-app] janus newcomer run ${run}: ${trace.map(([what, t]) => `${what}@${Math.round(t - sentAt)}`).join(' ')} frame@${Math.round(at - sentAt)} (ms from its joinRoom)\n`);
      if (/not published/.test((await member.textContent('#log')) ?? '')) errorsShown.push(run);
      await Promise.all([member.close(), newcomer.close()]);
    }
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    process.stderr.write(
      `[demo-app] janus: newcomer's first frame at an existing member, from its joinRoom: ${samples.join(', ')} ms; median ${median(samples)} ms; participantPublished → subscribe sent: ${reactions.join(', ')} ms\n`,
    );
    // Asked in reaction to the event, not on a timer (the page before polled every 500 ms).
    expect(median(reactions)).toBeLessThan(100);
    // Janus refusing a subscription before the newcomer's media is up is expected: the page does not show it.
    expect(errorsShown).toEqual([]);
    expect(roles).toEqual(Array(6).fill('passive'));
    // The first-frame figure itself is a benchmark (docs/benchmarks/join-to-first-frame.md), not a bound here.
    expect(samples.every((ms) => ms > 0 && ms < 20_000)).toBe(true);
  });
});
