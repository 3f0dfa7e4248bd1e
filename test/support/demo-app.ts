import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';

/** Where Chromium tests write their screenshots (test artefacts, never committed: .tmp is ignored). */
export const ARTEFACTS = resolve(__dirname, '..', '..', '.tmp', 'e2e-artifacts');
export const artefact = (name: string): string => {
  mkdirSync(ARTEFACTS, { recursive: true });
  return resolve(ARTEFACTS, name);
};

/** The server settings of the demo e2e tests; DEMO_STATIC_DIR serves another build of the page (an older demo, to see a test fail on it). */
export const demoStatic = (): Record<string, string> => (process.env.DEMO_STATIC_DIR ? { STATIC_DIR: process.env.DEMO_STATIC_DIR } : {});

export const tileState = (page: Page, userId: string, attribute: 'video' | 'audio' | 'reconnecting'): Promise<string | null> =>
  page.locator(`#tiles [data-user-id="${userId}"]`).getAttribute(`data-${attribute}`, { timeout: 10_000 });

export const waitForTile = (page: Page, userId: string, attributes: Record<string, string>, timeoutMs = 15_000): Promise<unknown> =>
  page.waitForSelector(`#tiles [data-user-id="${userId}"]${Object.entries(attributes).map(([k, v]) => `[data-${k}="${v}"]`).join('')}`, { timeout: timeoutMs });

/** Audio packets received per remote participant (from the page's receiving links). */
export const audioPacketsFrom = (page: Page): Promise<Record<string, number>> =>
  page.evaluate(async () => {
    type Stats = { forEach(each: (s: { type: string; kind?: string; packetsReceived?: number }) => void): void };
    const media = (globalThis as unknown as { demo: { media?: { receivers(): Map<string, { getStats(): Promise<Stats> }> } } }).demo.media;
    const out: Record<string, number> = {};
    for (const [userId, pc] of media?.receivers() ?? []) {
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') out[userId] = (out[userId] ?? 0) + (s.packetsReceived ?? 0);
      });
    }
    return out;
  });

/** Makes the page's camera unavailable as a denied permission does: any request for video fails with NotAllowedError. */
export const denyCamera = async (page: Page): Promise<void> => {
  await page.addInitScript({
    content: `(() => {
      const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = (constraints) =>
        constraints && constraints.video ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) : original(constraints);
    })();`,
  });
};
