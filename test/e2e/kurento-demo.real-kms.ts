import { launchDemoBrowser, waitForVideoFrom, type DemoBrowser } from '../support/demo-browser';
import { startTestServer } from '../support/start-server';
import type { RunningNode } from '../../src/start-node';

jest.setTimeout(240_000);

const kurentoUrl = process.env.KURENTO_URL;
if (!kurentoUrl) throw new Error('KURENTO_URL is not set: run this suite with scripts/real-kms-suite.mjs');

const VIDEO_TIMEOUT_MS = 60_000;

/**
 * The demo page uses the server-offered flow wherever the backend offers it (Kurento does): publish with
 * its own offer, then `subscribe` → `subscribeOffer` (KMS's generateOffer) → `subscribeAnswer`. Three pages
 * through the real KMS must each decode the two others.
 */
describe(`demo pages in Chromium through the real KMS at ${kurentoUrl} (server-offered subscriptions)`, () => {
  let node: RunningNode;
  let browser: DemoBrowser;

  beforeAll(async () => {
    node = await startTestServer({ MEDIA_BACKEND: 'kurento', KURENTO_URL: kurentoUrl, KURENTO_JOIN_WAIT_MS: '10000' });
    browser = await launchDemoBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  it('three pages decode each other’s video, the subscriptions offered by KMS', async () => {
    const alice = await browser.openAndJoin(node.httpUrl, 'c-demo-kms', 'alice');
    const bob = await browser.openAndJoin(node.httpUrl, 'c-demo-kms', 'bob');
    const carol = await browser.openAndJoin(node.httpUrl, 'c-demo-kms', 'carol');
    expect(await alice.textContent('#status')).toContain('(kurento)');
    const frames = await Promise.all([
      waitForVideoFrom(alice, ['bob', 'carol'], VIDEO_TIMEOUT_MS),
      waitForVideoFrom(bob, ['alice', 'carol'], VIDEO_TIMEOUT_MS),
      waitForVideoFrom(carol, ['alice', 'bob'], VIDEO_TIMEOUT_MS),
    ]);
    for (const f of frames) expect(Object.values(f).filter((n) => n > 0)).toHaveLength(2);
    for (const page of [alice, bob, carol]) await page.close();
  });
});
