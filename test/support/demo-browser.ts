import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a closed network (no background calls home) and a fake camera and microphone. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

export interface DemoBrowser {
  readonly browser: Browser;
  /**
   * Opens the demo page and joins `roomId` as `userId` (`?user=` fixes the id the page would otherwise make
   * up) under `displayName` (default: the user id); resolves once the join reply arrived.
   */
  openAndJoin(httpUrl: string, roomId: string, userId: string, displayName?: string): Promise<Page>;
  close(): Promise<void>;
}

export const launchDemoBrowser = async (): Promise<DemoBrowser> => {
  // Playwright gives each launch a fresh, empty profile of its own.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  return {
    browser,
    async openAndJoin(httpUrl, roomId, userId, displayName = userId) {
      const page = await browser.newPage();
      await openDemo(page, httpUrl, roomId, userId, displayName);
      await page.click('#join');
      await page.waitForSelector('#status[data-state="joined"]', { timeout: 15_000 });
      return page;
    },
    async close() {
      await browser.close();
    },
  };
};

/** Opens the demo's pre-join screen for `roomId` (its `?room=` link) as `userId`, with the name filled in. */
export const openDemo = async (page: Page, httpUrl: string, roomId: string, userId: string, displayName = userId): Promise<void> => {
  await page.goto(`${httpUrl}/?room=${encodeURIComponent(roomId)}&user=${encodeURIComponent(userId)}`);
  if ((await page.locator('#name').count()) === 0) {
    // The demo before issue 17 (DEMO_STATIC_DIR, to see the e2e tests fail on it): one field for the id and name.
    await page.fill('#room', roomId);
    await page.fill('#user', userId);
    return;
  }
  await page.fill('#name', displayName);
  // The camera preview is up (or the page settled for less): joining now sends the real device state.
  await page.waitForSelector('#prejoin[data-devices="ready"]', { state: 'attached', timeout: 10_000 });
};

/** Decoded video frames per remote participant, read from the page's RTCPeerConnection stats. */
export const framesDecoded = (page: Page): Promise<Record<string, number>> =>
  page.evaluate(() => (globalThis as unknown as { demo: { framesDecoded(): Promise<Record<string, number>> } }).demo.framesDecoded());

/** Waits until the page decodes video from every one of `peers`. */
export const waitForVideoFrom = async (page: Page, peers: readonly string[], timeoutMs = 20_000): Promise<Record<string, number>> => {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, number> = {};
  while (Date.now() < deadline) {
    last = await framesDecoded(page);
    if (peers.every((p) => (last[p] ?? 0) > 0)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no video from all of ${peers.join(', ')} within ${timeoutMs} ms; frames: ${JSON.stringify(last)}`);
};
