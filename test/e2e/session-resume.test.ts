import { launchDemoBrowser, type DemoBrowser } from '../support/demo-browser';
import { startJanus, type JanusFixture } from '../support/janus-fixture';
import { frameSnapshot, ResumePage, waitForNewFrames } from '../support/resume-client/resume-page';
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

  /** Cuts alice's connection with `cut`, then checks the resume and measures how long media took to flow again. */
  const cutAndResume = async (label: string, cut: (alice: ResumePage) => Promise<void>): Promise<void> => {
    const [alice, bob, carol] = pages as [ResumePage, ResumePage, ResumePage];
    const linksBefore = await alice.linkIdentities();
    const othersBefore = await Promise.all([bob.linkIdentities(), carol.linkIdentities()]);
    const since = await alice.now();
    const othersSince = await Promise.all([bob.now(), carol.now()]);

    await cut(alice);
    const lost = await alice.waitForEvent('connectionLost', since, 10_000);
    const resumed = await alice.waitForEvent('resumed', since, 20_000);
    // Every link of alice renegotiated (answer applied) after the resume.
    const linkNames = Object.keys(linksBefore);
    await Promise.all(linkNames.map((name) => alice.waitForEvent('renegotiated', resumed.at, 20_000, name)));
    const renegotiatedAt = Math.max(...(await alice.events()).filter((e) => e.type === 'renegotiated' && e.at >= resumed.at).map((e) => e.at));
    const baseline = await frameSnapshot(pages);
    const framesAfter = await waitForNewFrames(pages, baseline, VIDEO_TIMEOUT_MS);
    // In alice's page clock, as her events: from the resume reply to new frames seen on every link (±50 ms polling).
    const mediaAgainMs = Math.round((await alice.now()) - resumed.at);

    // The same peer connections, restarted: ids kept, ICE credentials new (mesh and Janus renegotiate in place).
    const linksAfter = await alice.linkIdentities();
    expect(Object.keys(linksAfter).sort()).toEqual(linkNames.sort());
    for (const name of linkNames) {
      expect(linksAfter[name]!.id).toBe(linksBefore[name]!.id);
      expect(linksAfter[name]!.ufrag).not.toBe(linksBefore[name]!.ufrag);
    }
    const othersAfter = await Promise.all([bob.linkIdentities(), carol.linkIdentities()]);
    for (const [i, before] of othersBefore.entries()) {
      for (const [name, link] of Object.entries(before)) expect(othersAfter[i]![name]!.id).toBe(link.id);
    }
    // The others heard alice reconnect (mesh and SFU alike), never leave, and never rejoined themselves.
    for (const [i, other] of [bob, carol].entries()) {
      const events = (await other.events()).filter((e) => e.at >= othersSince[i]!);
      expect(events.filter((e) => e.type === 'member').map((e) => e.detail)).toEqual(expect.arrayContaining(['participantReconnected:alice']));
      expect(events.some((e) => e.detail === 'participantLeft:alice')).toBe(false);
      expect(events.some((e) => e.type === 'rejoined' || e.type === 'resumed')).toBe(false);
    }
    expect((await alice.events()).some((e) => e.at >= since && (e.type === 'rejoined' || e.type === 'resumeFailed'))).toBe(false);

    const figure = `${backend.name}, ${label}: lost→resumed ${Math.round(resumed.at - lost.at)} ms, resumed→links renegotiated ${Math.round(renegotiatedAt - resumed.at)} ms, resumed→new frames on every link ${mediaAgainMs} ms (${framesAfter} ms after renegotiation)`;
    measured.push(figure);
    process.stderr.write(`[session-resume] ${figure}\n`);
  };

  it('the WebSocket closed from the page: it resumes, renegotiates its links, and video flows again on every page', async () => {
    await open(`c-resume-ws-${backend.name}`);
    await cutAndResume('socket closed', (alice) => alice.dropConnection());
  });

  it('the network offline for 3 s and back: it resumes on its own once online, and video flows again on every page', async () => {
    let during = '';
    await cutAndResume('offline 3 s', async (alice) => {
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
