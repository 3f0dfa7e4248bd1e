import { chromium, type Browser } from 'playwright-core';
import { startJanus, type JanusFixture } from '../support/janus-fixture';
import { seedClientSite, SeedClientPage, until, type SeedMessage } from '../support/seed-client/seed-client-page';
import { startTestServer } from '../support/start-server';
import type { RunningNode } from '../../src/start-node';

jest.setTimeout(180_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--disable-background-networking'];

const errorsOf = async (page: SeedClientPage): Promise<SeedMessage[]> => (await page.messages()).filter((m) => m.id === 'error');

/**
 * The seed's client (it offers for itself and for every member) against the backends that do not work the
 * seed's way: every step they cannot do gets its documented typed error (docs/protocol.md, "What the
 * seed's clients get from each backend"), the steps they can do work, and nothing else breaks.
 */
describe('seed-style clients against the mesh and Janus backends', () => {
  let browser: Browser;
  const pages: SeedClientPage[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  });
  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close().catch(() => undefined);
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe('mesh (no media server)', () => {
    let node: RunningNode;
    beforeAll(async () => {
      node = await startTestServer({ MEDIA_BACKEND: 'mesh', STATIC_DIR: seedClientSite() });
    });
    afterAll(() => node?.stop());

    it('publishing gets unsupportedFlow; subscription offers reach the publisher as peerOffer, which a seed client never answers; toggles work', async () => {
      pages.push(await SeedClientPage.open(browser, node.httpUrl, 'websocket', '회의실', '김희동'));
      pages.push(await SeedClientPage.open(browser, node.httpUrl, 'xhr-streaming', '회의실', 'heedong kim'));
      const [kim, heedong] = pages as [SeedClientPage, SeedClientPage];
      for (const page of pages) {
        const refusal = await page.waitForMessage((m) => m.id === 'error' && m.code === 'unsupportedFlow', 15_000, 'unsupportedFlow');
        expect(refusal.message).toMatch(/^mesh: there is no media server to publish to/);
      }
      // heedong joined second and offered for 김희동's media: relayed to 김희동 as the mesh's peerOffer.
      const relayed = await kim.waitForMessage((m) => m.id === 'peerOffer', 15_000, 'peerOffer');
      expect(relayed).toMatchObject({ userId: 'heedong kim', sdpOffer: expect.stringMatching(/^v=0/) });
      // The own-media candidates are refused the same way, each with a typed error, and nothing else is.
      for (const page of pages) expect(new Set((await errorsOf(page)).map((e) => e.code))).toEqual(new Set(['unsupportedFlow']));
      expect((await heedong.messages()).some((m) => m.id === 'receiveVideoAnswer')).toBe(false);

      await heedong.toggleAudio(false);
      for (const page of pages) await page.waitForMessage((m) => m.id === 'audioStateAnswer' && m.userId === 'heedong kim' && m.audio === false, 10_000, 'audioStateAnswer');
    });
  });

  describe('Janus (SFU offering the subscriptions)', () => {
    let janus: JanusFixture;
    let node: RunningNode;
    beforeAll(async () => {
      janus = await startJanus();
      node = await startTestServer({ MEDIA_BACKEND: 'janus', JANUS_URL: janus.url, STATIC_DIR: seedClientSite() });
    });
    afterAll(async () => {
      await node?.stop();
      await janus?.stop();
    });

    it('publishing works; a client-offered subscription gets unsupportedFlow naming subscribe; toggles work', async () => {
      pages.push(await SeedClientPage.open(browser, node.httpUrl, 'websocket', '회의실', '김희동'));
      pages.push(await SeedClientPage.open(browser, node.httpUrl, 'xhr-polling', '회의실', "o'brien"));
      const [kim, obrien] = pages as [SeedClientPage, SeedClientPage];
      // Own media: Janus answers the client's offer, the connection reaches stable.
      for (const page of pages) {
        await until(`${page.userId}: own connection stable`, () => page.signalingStates(), (s) => s[page.userId] === 'stable', 30_000);
      }
      // Each offered for the other's media (o'brien on joining, 김희동 on hearing of o'brien): with Janus the
      // server offers subscriptions, so both are refused, typed, and their offers stay unanswered.
      for (const [page, other] of [[obrien, '김희동'], [kim, "o'brien"]] as const) {
        const refusal = await page.waitForMessage((m) => m.id === 'error' && m.code === 'unsupportedFlow', 15_000, 'unsupportedFlow');
        expect(refusal.message).toMatch(/^janus: subscriptions are offered by the server; send subscribe \{userId\} and answer its subscribeOffer/);
        expect((await page.signalingStates())[other]).toBe('have-local-offer');
        expect(new Set((await errorsOf(page)).map((e) => e.code))).toEqual(new Set(['unsupportedFlow']));
      }

      await kim.toggleVideo(false);
      for (const page of pages) await page.waitForMessage((m) => m.id === 'videoStateAnswer' && m.userId === '김희동' && m.video === false, 10_000, 'videoStateAnswer');
    });
  });
});
