import { chromium, type Browser } from 'playwright-core';
import { seedClientSite, SeedClientPage, until, type SockJsTransport } from '../support/seed-client/seed-client-page';
import { startTestServer } from '../support/start-server';
import type { RunningNode } from '../../src/start-node';

jest.setTimeout(240_000);

const kurentoUrl = process.env.KURENTO_URL;
if (!kurentoUrl) throw new Error('KURENTO_URL is not set: run this suite with scripts/real-kms-suite.mjs');

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--disable-background-networking'];
/** Generous: three pages encode, KMS forwards six streams, three pages decode, on two shared cores. */
const MEDIA_TIMEOUT_MS = 60_000;

/**
 * The seed's own kind of client, unchanged, against the Kurento backend with the real KMS: SockJS on each
 * of its transports, typed names as user ids, the client offering for itself and for every member, ICE
 * trickled before the answers, string booleans on the toggles. Every peer connection must reach `stable`
 * and every receiving one decode the others' video.
 */
describe(`seed-style clients in Chromium through the real KMS at ${kurentoUrl}`, () => {
  let browser: Browser;
  let node: RunningNode;
  const pages: SeedClientPage[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    node = await startTestServer({ MEDIA_BACKEND: 'kurento', KURENTO_URL: kurentoUrl, KURENTO_JOIN_WAIT_MS: '10000', STATIC_DIR: seedClientSite() });
  });
  afterAll(async () => {
    for (const page of pages) await page.close().catch(() => undefined);
    await browser?.close();
    await node?.stop();
  });

  it('three pages (websocket, xhr-streaming, xhr-polling) reach stable on all nine connections and decode each other', async () => {
    const cast: [SockJsTransport, string][] = [['websocket', '김희동'], ['xhr-streaming', 'heedong kim'], ['xhr-polling', "o'brien"]];
    for (const [transport, name] of cast) pages.push(await SeedClientPage.open(browser, node.httpUrl, transport, '회의실', name));
    const everyone = cast.map(([, name]) => name);

    for (const page of pages) {
      await until(`${page.userId}: every peer connection stable`, () => page.signalingStates(), (s) => everyone.every((n) => s[n] === 'stable'), MEDIA_TIMEOUT_MS);
    }
    const frames = await Promise.all(
      pages.map((page) =>
        until(
          `${page.userId}: video decoded from every other page`,
          () => page.framesDecoded(),
          (f) => everyone.filter((n) => n !== page.userId).every((n) => (f[n] ?? 0) > 0),
          MEDIA_TIMEOUT_MS,
        ),
      ),
    );
    for (const f of frames) expect(Object.values(f)).toEqual([expect.any(Number), expect.any(Number)]);
    for (const page of pages) expect(await page.connectionStates()).toEqual(Object.fromEntries(everyone.map((n) => [n, 'connected'])));

    // The Vue app's toggles: booleans as strings, answered to the whole room as booleans.
    await pages[0]!.toggleVideo(false);
    await pages[2]!.toggleAudio(false);
    for (const page of pages) {
      await page.waitForMessage((m) => m.id === 'videoStateAnswer' && m.userId === '김희동' && m.video === false, 10_000, 'videoStateAnswer');
      await page.waitForMessage((m) => m.id === 'audioStateAnswer' && m.userId === "o'brien" && m.audio === false, 10_000, 'audioStateAnswer');
    }

    // One leaves: the others hear of it and keep receiving each other.
    await pages[1]!.leave();
    for (const page of [pages[0]!, pages[2]!]) await page.waitForMessage((m) => m.id === 'participantLeft' && m.userId === 'heedong kim', 10_000, 'participantLeft');
    const before = (await pages[0]!.framesDecoded())["o'brien"] ?? 0;
    await until("김희동 still decodes o'brien", () => pages[0]!.framesDecoded(), (f) => (f["o'brien"] ?? 0) > before, 20_000);
    for (const page of pages) expect((await page.messages()).filter((m) => m.id === 'error')).toEqual([]);
  });
});
