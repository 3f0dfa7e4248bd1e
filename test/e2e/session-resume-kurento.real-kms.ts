import { launchDemoBrowser, type DemoBrowser } from '../support/demo-browser';
import { ResumePage, waitForNewFrames } from '../support/resume-client/resume-page';
import { cutAndResume } from '../support/resume-client/resume-scenario';
import { startTestServer } from '../support/start-server';
import type { RunningNode } from '../../src/start-node';

jest.setTimeout(240_000);

const kurentoUrl = process.env.KURENTO_URL;
if (!kurentoUrl) throw new Error('KURENTO_URL is not set: run this suite with scripts/real-kms-suite.mjs');

const VIDEO_TIMEOUT_MS = 60_000;

/**
 * Session resume through the real KMS: KMS cannot renegotiate an endpoint, so the page that resumes makes
 * new links (a new publish connection, whose endpoint the server connects to everyone's existing
 * subscriptions of it, and a new connection per subscription), while the others keep theirs.
 */
describe(`session resume in Chromium through the real KMS at ${kurentoUrl}`, () => {
  let node: RunningNode;
  let browser: DemoBrowser;
  const pages: ResumePage[] = [];

  beforeAll(async () => {
    node = await startTestServer({ MEDIA_BACKEND: 'kurento', KURENTO_URL: kurentoUrl, KURENTO_JOIN_WAIT_MS: '10000', RESUME_GRACE_MS: '15000' });
    browser = await launchDemoBrowser();
  });
  afterAll(async () => {
    for (const page of pages) await page.close().catch(() => undefined);
    await browser?.close();
    await node?.stop();
  });

  it('the WebSocket closed: the page resumes on new links, the others keep theirs, and video flows again everywhere', async () => {
    for (const userId of ['alice', 'bob', 'carol']) pages.push(await ResumePage.open(browser.browser, { wsUrl: node.wsUrl, roomId: 'c-resume-kms', userId }));
    await waitForNewFrames(pages, new Map(), VIDEO_TIMEOUT_MS);
    const figure = await cutAndResume({ pages, backend: 'kurento (real KMS)', label: 'socket closed', inPlace: false, cut: (alice) => alice.dropConnection(), videoTimeoutMs: VIDEO_TIMEOUT_MS });
    process.stderr.write(`[session-resume] ${figure}\n`);
    expect(figure).toMatch(/new frames on every link/);
  });
});
