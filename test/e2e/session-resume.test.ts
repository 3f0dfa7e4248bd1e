import { launchDemoBrowser, type DemoBrowser } from '../support/demo-browser';
import { startJanus, type JanusFixture } from '../support/janus-fixture';
import { frameSnapshot, ResumePage, waitForNewFrames } from '../support/resume-client/resume-page';
import { cutAndResume } from '../support/resume-client/resume-scenario';
import { startTestServer } from '../support/start-server';
import type { RunningNode } from '../../src/start-node';

jest.setTimeout(240_000);

/** Generous: three pages encode and decode on two shared cores. */
const VIDEO_TIMEOUT_MS = 45_000;
const USERS = ['alice', 'bob', 'carol'] as const;

interface Backend {
  readonly name: 'mesh' | 'janus';
  readonly env: () => Record<string, string>;
}

const measured: string[] = [];

/**
 * Calls in headless Chromium where one page's connection is cut, with the resuming call client of
 * test/support/resume-client (what a client library does): its WebSocket closed from inside the page, and
 * its network taken offline for 3 s. Nobody rejoins: the page resumes its seat and renegotiates its links
 * (ICE restarts on the same peer connections), and video flows again on every link of every page.
 */
describe.each<Backend>([
  { name: 'mesh', env: () => ({}) },
  { name: 'janus', env: () => ({ MEDIA_BACKEND: 'janus', JANUS_URL: janus.url }) },
])('session resume in Chromium: $name', (backend) => {
  let node: RunningNode;
  let browser: DemoBrowser;
  let pages: ResumePage[] = [];

  beforeAll(async () => {
    if (backend.name === 'janus') janus = await startJanus();
    node = await startTestServer({ RESUME_GRACE_MS: '15000', ...backend.env() });
    browser = await launchDemoBrowser();
  });
  afterAll(async () => {
    for (const page of pages) await page.close().catch(() => undefined);
    await browser?.close();
    await node?.stop();
    if (backend.name === 'janus') await janus?.stop();
    if (backend.name === 'janus') process.stderr.write(`[session-resume] ${measured.join('; ')}\n`);
  });

  const open = async (roomId: string): Promise<ResumePage[]> => {
    pages = [];
    for (const userId of USERS) pages.push(await ResumePage.open(browser.browser, { wsUrl: node.wsUrl, roomId, userId }));
    await waitForNewFrames(pages, new Map(), VIDEO_TIMEOUT_MS);
    return pages;
  };

  const resume = async (label: string, cut: (alice: ResumePage) => Promise<void>): Promise<void> => {
    const figure = await cutAndResume({ pages, backend: backend.name, label, inPlace: true, cut, videoTimeoutMs: VIDEO_TIMEOUT_MS });
    measured.push(figure);
    process.stderr.write(`[session-resume] ${figure}\n`);
  };

  it('the WebSocket closed from the page: it resumes, renegotiates its links, and video flows again on every page', async () => {
    await open(`c-resume-ws-${backend.name}`);
    await resume('socket closed', (alice) => alice.dropConnection());
  });

  it('the network offline for 3 s and back: it resumes on its own once online, and video flows again on every page', async () => {
    let during = '';
    await resume('offline 3 s', async (alice) => {
      await alice.context.setOffline(true);
      const before = await frameSnapshot(pages);
      await new Promise((r) => setTimeout(r, 3_000));
      const after = await frameSnapshot(pages);
      await alice.context.setOffline(false);
      // What the emulation does to media: frames alice's peers decoded from her while she was "offline".
      during = pages.filter((p) => p !== alice).map((p) => `${p.userId} +${(after.get(p.userId)?.alice ?? 0) - (before.get(p.userId)?.alice ?? 0)}`).join(', ');
    });
    measured.push(`${backend.name}: frames of alice decoded during the 3 s offline: ${during}`);
    process.stderr.write(`[session-resume] ${backend.name}: frames of alice decoded during the 3 s offline: ${during}\n`);
  });
});

let janus: JanusFixture;
