import type { Page } from 'playwright-core';
import { launchDemoBrowser, waitForVideoFrom, type DemoBrowser } from '../support/demo-browser';
import { startTestServer } from '../support/start-server';
import type { RunningNode } from '../../src/start-node';

jest.setTimeout(90_000);

describe('demo page in headless Chromium, mesh backend', () => {
  let node: RunningNode;
  let browser: DemoBrowser;

  beforeAll(async () => {
    node = await startTestServer({ MEDIA_BACKEND: 'mesh' });
    browser = await launchDemoBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  const tile = (page: Page, userId: string) => page.locator(`[data-user-id="${userId}"]`);

  it('two pages see each other, see a camera toggle, and see a departure', async () => {
    const alice = await browser.openAndJoin(node.httpUrl, 'c-e2e-mesh', 'alice');
    const bob = await browser.openAndJoin(node.httpUrl, 'c-e2e-mesh', 'bob');

    const aliceFrames = await waitForVideoFrom(alice, ['bob']);
    const bobFrames = await waitForVideoFrom(bob, ['alice']);
    expect(aliceFrames.bob).toBeGreaterThan(0);
    expect(bobFrames.alice).toBeGreaterThan(0);

    await alice.click('#toggle-camera');
    await bob.waitForSelector('[data-user-id="alice"][data-video="false"]', { timeout: 5000 });
    expect(await tile(bob, 'alice').getAttribute('data-video')).toBe('false');
    await alice.click('#toggle-camera');
    await bob.waitForSelector('[data-user-id="alice"][data-video="true"]', { timeout: 5000 });

    await bob.click('#leave');
    await alice.waitForSelector('[data-user-id="bob"]', { state: 'detached', timeout: 5000 });
    expect(await tile(alice, 'bob').count()).toBe(0);
    await alice.close();
    await bob.close();
  });
});
