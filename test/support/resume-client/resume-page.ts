import { resolve } from 'node:path';
import { buildSync } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { CallEvent } from './page/call-event';

export type { CallEvent } from './page/call-event';

let bundled: string | undefined;

/** The page module, bundled once per test process (it is browser TypeScript, see page/tsconfig.json). */
const pageScript = (): string => {
  bundled ??= buildSync({
    entryPoints: [resolve(__dirname, 'page', 'page-entry.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  }).outputFiles[0]!.text;
  return bundled;
};

interface Lab {
  start(options: { url: string; roomId: string; userId: string; rtcConfig?: Record<string, unknown> }): Promise<void>;
  call?: {
    state: string;
    events: CallEvent[];
    framesDecoded(): Promise<Record<string, number>>;
    linkIdentities(): Record<string, { id: number; ufrag: string }>;
    servers(): unknown[];
    selectedPairs(): Promise<Record<string, string>>;
    dropConnection(): void;
    leave(): void;
  };
}
type LabWindow = { resumeLab: Lab };

export interface ResumePageOptions {
  readonly wsUrl: string;
  readonly roomId: string;
  readonly userId: string;
  /** Merged over the server's ICE servers, e.g. `{ iceTransportPolicy: 'relay' }`. */
  readonly rtcConfig?: Record<string, unknown>;
}

/**
 * One Chromium page running the resuming call client (page/resuming-call.ts), in a browser context of its
 * own so that its network can be taken offline alone.
 */
export class ResumePage {
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly userId: string,
  ) {}

  static async open(browser: Browser, options: ResumePageOptions): Promise<ResumePage> {
    const context = await browser.newContext();
    const page = await context.newPage();
    // A document the signaling node itself serves (its 404 page will do): loopback, so a secure context for
    // getUserMedia, and a real address, so Chromium's local-network checks let it reach the node (a page
    // Playwright's router fulfils has no address, and its WebSockets to loopback are blocked).
    await page.goto(new URL('/resume-lab', options.wsUrl.replace(/^ws/, 'http')).toString());
    await page.addScriptTag({ content: pageScript() });
    await page.evaluate(
      (o) => (globalThis as unknown as LabWindow).resumeLab.start(o),
      { url: options.wsUrl, roomId: options.roomId, userId: options.userId, ...(options.rtcConfig ? { rtcConfig: options.rtcConfig } : {}) },
    );
    const opened = new ResumePage(context, page, options.userId);
    await opened.waitForState('joined', 15_000);
    return opened;
  }

  state(): Promise<string> {
    return this.page.evaluate(() => (globalThis as unknown as LabWindow).resumeLab.call?.state ?? 'none');
  }

  events(): Promise<CallEvent[]> {
    return this.page.evaluate(() => [...((globalThis as unknown as LabWindow).resumeLab.call?.events ?? [])]);
  }

  /** The page's clock (performance.now()), to place its events. */
  now(): Promise<number> {
    return this.page.evaluate(() => performance.now());
  }

  framesDecoded(): Promise<Record<string, number>> {
    return this.page.evaluate(() => (globalThis as unknown as LabWindow).resumeLab.call?.framesDecoded() ?? Promise.resolve({}));
  }

  linkIdentities(): Promise<Record<string, { id: number; ufrag: string }>> {
    return this.page.evaluate(() => (globalThis as unknown as LabWindow).resumeLab.call?.linkIdentities() ?? {});
  }

  /** The ICE servers the server handed out. */
  iceServers(): Promise<unknown[]> {
    return this.page.evaluate(() => (globalThis as unknown as LabWindow).resumeLab.call?.servers() ?? []);
  }

  /** Per link, the candidate types of the pair in use (`relay/relay` through TURN). */
  selectedPairs(): Promise<Record<string, string>> {
    return this.page.evaluate(() => (globalThis as unknown as LabWindow).resumeLab.call?.selectedPairs() ?? Promise.resolve({}));
  }

  /** Closes the page's signaling socket from inside it, as a lost connection would. */
  dropConnection(): Promise<void> {
    return this.page.evaluate(() => (globalThis as unknown as LabWindow).resumeLab.call?.dropConnection());
  }

  /** Takes the page's network offline for `ms`, then back. */
  async offline(ms: number): Promise<void> {
    await this.context.setOffline(true);
    await new Promise((r) => setTimeout(r, ms));
    await this.context.setOffline(false);
  }

  async waitForState(state: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await this.state();
      if (now === state) return;
      if (Date.now() > deadline) throw new Error(`${this.userId}: state ${now}, not ${state}, after ${timeoutMs} ms; events ${JSON.stringify(await this.events())}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Resolves with the first event of `type` (and `detail`, if given) at or after page time `since`. */
  async waitForEvent(type: CallEvent['type'], since: number, timeoutMs: number, detail?: string): Promise<CallEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await this.events()).find((e) => e.type === type && e.at >= since && (detail === undefined || e.detail === detail));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`${this.userId}: no ${type}${detail ? ` ${detail}` : ''} within ${timeoutMs} ms; events ${JSON.stringify(await this.events())}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

/** Waits until every page decodes video from every one of `peers` beyond `baseline`; returns when (ms since call). */
export const waitForNewFrames = async (pages: readonly ResumePage[], baseline: Map<string, Record<string, number>>, timeoutMs: number): Promise<number> => {
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (;;) {
    let all = true;
    for (const page of pages) {
      const now = await page.framesDecoded();
      const before = baseline.get(page.userId) ?? {};
      for (const peer of pages) {
        if (peer === page) continue;
        if ((now[peer.userId] ?? 0) <= (before[peer.userId] ?? 0)) all = false;
      }
    }
    if (all) return Date.now() - started;
    if (Date.now() > deadline) {
      const frames = await Promise.all(pages.map(async (p) => [p.userId, await p.framesDecoded()] as const));
      throw new Error(`no new video on every link within ${timeoutMs} ms; baseline ${JSON.stringify([...baseline])}, now ${JSON.stringify(frames)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** Decoded frames per page and peer, now. */
export const frameSnapshot = async (pages: readonly ResumePage[]): Promise<Map<string, Record<string, number>>> =>
  new Map(await Promise.all(pages.map(async (p) => [p.userId, await p.framesDecoded()] as const)));
