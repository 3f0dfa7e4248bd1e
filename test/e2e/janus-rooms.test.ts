import type { Page } from 'playwright-core';
import { launchDemoBrowser, waitForVideoFrom, type DemoBrowser } from '../support/demo-browser';
import { startJanus, type JanusFixture } from '../support/janus-fixture';
import { eventually } from '../support/janus/browser-peer';
import { startTestServer } from '../support/start-server';
import type { RunningNode } from '../../src/start-node';

jest.setTimeout(180_000);

/** Generous: three pages encode and decode on two shared cores. */
const VIDEO_TIMEOUT_MS = 45_000;
const UI_TIMEOUT_MS = 10_000;
const ROOM = 'c-e2e-janus';

describe('demo page in headless Chromium, Janus SFU', () => {
  let janus: JanusFixture;
  let node: RunningNode;
  let browser: DemoBrowser;

  beforeAll(async () => {
    janus = await startJanus();
    node = await startTestServer({ MEDIA_BACKEND: 'janus', JANUS_URL: janus.url, ROOM_CAPACITY: '4' });
    browser = await launchDemoBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    await janus?.stop();
  });

  const tile = (page: Page, userId: string) => page.locator(`[data-user-id="${userId}"]`);

  it('three pages receive each other\'s video through Janus, see toggles and a departure, and the VideoRoom goes when the last leaves', async () => {
    const alice = await browser.openAndJoin(node.httpUrl, ROOM, 'alice');
    const bob = await browser.openAndJoin(node.httpUrl, ROOM, 'bob');
    const carol = await browser.openAndJoin(node.httpUrl, ROOM, 'carol');

    // Every page gets the two others' video, decoded.
    const frames = await Promise.all([
      waitForVideoFrom(alice, ['bob', 'carol'], VIDEO_TIMEOUT_MS),
      waitForVideoFrom(bob, ['alice', 'carol'], VIDEO_TIMEOUT_MS),
      waitForVideoFrom(carol, ['alice', 'bob'], VIDEO_TIMEOUT_MS),
    ]);
    for (const f of frames) expect(Object.values(f).every((n) => n > 0)).toBe(true);
    expect(await alice.textContent('#status')).toContain('(janus)');

    // One VideoRoom room for the signaling room, sized to ROOM_CAPACITY, with three publishers.
    const rooms = await janus.listRooms();
    expect(rooms).toEqual([expect.objectContaining({ max_publishers: 4, num_participants: 3 })]);

    // Camera and microphone toggles reach the others.
    await alice.click('#toggle-camera');
    for (const page of [bob, carol]) await page.waitForSelector('[data-user-id="alice"][data-video="false"]', { timeout: UI_TIMEOUT_MS });
    expect(await tile(bob, 'alice').textContent()).toContain('camera off');
    await carol.click('#toggle-mic');
    for (const page of [alice, bob]) await page.waitForSelector('[data-user-id="carol"][data-audio="false"]', { timeout: UI_TIMEOUT_MS });
    expect(await tile(alice, 'carol').textContent()).toContain('muted');
    await alice.click('#toggle-camera');
    for (const page of [bob, carol]) await page.waitForSelector('[data-user-id="alice"][data-video="true"]', { timeout: UI_TIMEOUT_MS });

    // Bob leaves: his tile disappears at the others, and Janus no longer has him.
    await bob.click('#leave');
    for (const page of [alice, carol]) await page.waitForSelector('[data-user-id="bob"]', { state: 'detached', timeout: UI_TIMEOUT_MS });
    expect(await tile(alice, 'bob').count()).toBe(0);
    expect(await tile(carol, 'bob').count()).toBe(0);
    await eventually('janus to count two participants', async () => (await janus.listRooms())[0]?.num_participants === 2, UI_TIMEOUT_MS);
    // The two who stay still receive each other.
    await waitForVideoFrom(alice, ['carol'], VIDEO_TIMEOUT_MS);

    await alice.click('#leave');
    expect(await janus.listRooms()).toHaveLength(1);
    await carol.click('#leave');
    await eventually('the VideoRoom room to be destroyed', async () => (await janus.listRooms()).length === 0, UI_TIMEOUT_MS);
    for (const page of [alice, bob, carol]) await page.close();
  });
});
