import { launchDemoBrowser, openDemo, waitForVideoFrom, type DemoBrowser } from '../support/demo-browser';
import { startJanus, type JanusFixture } from '../support/janus-fixture';
import { startTestServer } from '../support/start-server';
import type { RunningNode } from '../../src/start-node';

jest.setTimeout(180_000);

const VIDEO_TIMEOUT_MS = 45_000;
/** Janus dies with a closed socket, noticed at once; the bound leaves room for a loaded machine. */
const LOSS_NOTICE_BOUND_MS = 5_000;
const ROOM = 'c-e2e-janus-loss';

describe('demo page in headless Chromium when Janus dies mid-session', () => {
  let janus: JanusFixture;
  let node: RunningNode;
  let browser: DemoBrowser;

  beforeAll(async () => {
    janus = await startJanus();
    node = await startTestServer({
      MEDIA_BACKEND: 'janus',
      JANUS_URL: janus.url,
      JANUS_RECONNECT_MIN_MS: '200',
      JANUS_RECONNECT_MAX_MS: '2000',
    });
    browser = await launchDemoBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    await janus?.stop();
  });

  it('shows the loss on every page (reconnecting banner), and the pages rejoin by themselves once Janus is back: video flows again', async () => {
    const alice = await browser.openAndJoin(node.httpUrl, ROOM, 'alice');
    const bob = await browser.openAndJoin(node.httpUrl, ROOM, 'bob');
    await waitForVideoFrom(alice, ['bob'], VIDEO_TIMEOUT_MS);
    await waitForVideoFrom(bob, ['alice'], VIDEO_TIMEOUT_MS);

    const killedAt = Date.now();
    await janus.kill();
    for (const page of [alice, bob]) {
      // The server took everyone out with mediaServerUnavailable: the client library goes round again.
      await page.waitForSelector('#status[data-state="reconnecting"]', { timeout: LOSS_NOTICE_BOUND_MS });
      expect(await page.isVisible('#banner')).toBe(true);
      expect(await page.textContent('#log')).toContain("mediaServerUnavailable: the media server lost this room's media");
      // Still the call screen, not a half-joined page: the user waits for it to come back.
      expect(await page.isVisible('#call')).toBe(true);
    }
    expect(Date.now() - killedAt).toBeLessThan(LOSS_NOTICE_BOUND_MS * 2);

    // Someone joining meanwhile is refused and stays on the pre-join screen, told why in plain words.
    const carol = await browser.browser.newPage();
    await openDemo(carol, node.httpUrl, ROOM, 'carol');
    await carol.click('#join');
    // The node waits up to MEDIA_TIMEOUT_MS (10 s) for Janus before it refuses.
    await carol.waitForSelector('#status[data-state="left"][data-code="mediaServerUnavailable"]', { timeout: 20_000 });
    expect(await carol.textContent('#prejoin-message')).toMatch(/media server is not available/i);
    expect(await carol.isVisible('#prejoin')).toBe(true);
    expect(await carol.locator('#tiles .tile').count()).toBe(0);
    await carol.close();

    // Janus comes back; the signaling node was never restarted, and nobody clicked anything.
    await janus.restart();
    for (const page of [alice, bob]) await page.waitForSelector('#status[data-state="joined"]', { timeout: VIDEO_TIMEOUT_MS });
    const frames = await Promise.all([waitForVideoFrom(alice, ['bob'], VIDEO_TIMEOUT_MS), waitForVideoFrom(bob, ['alice'], VIDEO_TIMEOUT_MS)]);
    expect(frames[0].bob).toBeGreaterThan(0);
    expect(frames[1].alice).toBeGreaterThan(0);
    expect(await janus.listRooms()).toEqual([expect.objectContaining({ num_participants: 2 })]);

    await alice.click('#leave');
    await bob.click('#leave');
    await alice.close();
    await bob.close();
  });
});
