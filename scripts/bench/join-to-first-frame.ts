/*
 * Join-to-first-remote-frame, mesh vs Janus, in the test harness: one signaling node in this process,
 * a real Janus (test fixture), one headless Chromium with the fake camera. Per run a first page joins a
 * fresh room and settles; a second page then joins, and the time from the moment it sends joinRoom to
 * the first decoded video frame from the first page is measured inside the page (performance.now()).
 * Writes docs/benchmarks/join-to-first-frame.md. Run: node scripts/bench/join-to-first-frame.mjs [runs]
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, type } from 'node:os';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launchDemoBrowser, openDemo, type DemoBrowser } from '../../test/support/demo-browser';
import { startJanus, type JanusFixture } from '../../test/support/janus-fixture';
import { janusInfo } from '../../test/support/janus/janus-probe';
import { startTestServer } from '../../test/support/start-server';

const RUNS = Math.max(5, Number(process.argv[2] ?? 7));
const SETTLE_MS = 1_500;
const FRAME_TIMEOUT_MS = 30_000;
// Run from the repository root (the .mjs launcher does that).
const OUT = resolve(process.cwd(), 'docs', 'benchmarks', 'join-to-first-frame.md');
// DEMO_STATIC_DIR: another build of the demo page (to compare with an older one).
const STATIC_DIR = process.env.DEMO_STATIC_DIR ?? resolve(process.cwd(), 'dist', 'public');

type Backend = 'mesh' | 'janus';
interface Result {
  readonly backend: Backend;
  /** The newcomer's first frame from the member. */
  readonly samples: number[];
  /** The member's first frame from the newcomer (both from the newcomer's joinRoom). */
  readonly seenBy: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs in the page: polls the demo's stats every 10 ms until a remote video frame is decoded. */
const FIRST_FRAME = `(async (timeoutMs) => {
  const demo = window.demo;
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (demo.joinSentAt !== undefined) {
      const frames = await demo.framesDecoded();
      if (Object.values(frames).some((n) => n > 0)) return performance.now() - demo.joinSentAt;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no remote frame within ' + timeoutMs + ' ms');
})`;

/** Runs in the member's page: the epoch time of its first decoded frame from \`second\`. */
const FIRST_FRAME_FROM_SECOND = `(async (timeoutMs) => {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    const frames = await window.demo.framesDecoded();
    if ((frames.second ?? 0) > 0) return performance.timeOrigin + performance.now();
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no frame from second within ' + timeoutMs + ' ms');
})`;

const openPage = async (browser: DemoBrowser, httpUrl: string, room: string, user: string): Promise<Page> => {
  const page = await browser.browser.newPage();
  await openDemo(page, httpUrl, room, user);
  return page;
};

const oneRun = async (browser: DemoBrowser, httpUrl: string, room: string): Promise<[number, number]> => {
  const first = await browser.openAndJoin(httpUrl, room, 'first');
  await sleep(SETTLE_MS);
  const second = await openPage(browser, httpUrl, room, 'second');
  const seen = first.evaluate(`${FIRST_FRAME_FROM_SECOND}(${FRAME_TIMEOUT_MS})`) as Promise<number>;
  await second.click('#join');
  const ms = (await second.evaluate(`${FIRST_FRAME}(${FRAME_TIMEOUT_MS})`)) as number;
  const seenMs = (await seen) - ((await second.evaluate('performance.timeOrigin + window.demo.joinSentAt')) as number);
  await second.click('#leave');
  await first.click('#leave');
  await Promise.all([first.close(), second.close()]);
  await sleep(300);
  return [ms, seenMs];
};

const measure = async (backend: Backend, browser: DemoBrowser, janus: JanusFixture): Promise<Result> => {
  const env: Record<string, string> = {
    STATIC_DIR,
    ...(backend === 'janus' ? { MEDIA_BACKEND: 'janus', JANUS_URL: janus.url } : { MEDIA_BACKEND: 'mesh' }),
  };
  const node = await startTestServer(env);
  try {
    await oneRun(browser, node.httpUrl, `c-bench-${backend}-warmup`); // codec and connection warm-up, not counted
    const samples: number[] = [];
    const seenBy: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const [ms, seenMs] = await oneRun(browser, node.httpUrl, `c-bench-${backend}-${i}`);
      samples.push(Math.round(ms));
      seenBy.push(Math.round(seenMs));
      process.stdout.write(`${backend} run ${i + 1}/${RUNS}: ${Math.round(ms)} ms; the member saw the newcomer after ${Math.round(seenMs)} ms\n`);
    }
    return { backend, samples, seenBy };
  } finally {
    await node.stop();
  }
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
};

const main = async (): Promise<void> => {
  const janus = await startJanus();
  const browser = await launchDemoBrowser();
  const load = loadavg().map((l) => l.toFixed(2)).join(' / ');
  try {
    const info = (await janusInfo(janus.url)) as { version_string?: string };
    const results = [await measure('mesh', browser, janus), await measure('janus', browser, janus)];
    const cpu = cpus();
    const rows = results.flatMap((r) => [
      `| ${r.backend} | newcomer sees the member | ${median(r.samples)} | ${Math.min(...r.samples)} | ${Math.max(...r.samples)} | ${r.samples.join(', ')} |`,
      `| ${r.backend} | the member sees the newcomer | ${median(r.seenBy)} | ${Math.min(...r.seenBy)} | ${Math.max(...r.seenBy)} | ${r.seenBy.join(', ')} |`,
    ]);
    const doc = `# Join to first remote frame

Time from the moment a participant's page **sends \`joinRoom\`** to the **first decoded video frame** from
another participant who is already in the room (\`framesDecoded > 0\` in that page's
\`RTCPeerConnection.getStats()\`), for the mesh backend and for Janus (VideoRoom SFU); and, from the same
moment, until the member already in the room decodes the newcomer's first frame (with Janus the member
subscribes when the server says \`participantPublished\`).

Measured ${new Date().toISOString().slice(0, 10)} with \`node scripts/bench/join-to-first-frame.mjs ${RUNS}\`.

## Results (milliseconds, ${RUNS} runs each after one warm-up run)

| backend | who sees whom | median | min | max | all runs |
|---|---|---|---|---|---|
${rows.join('\n')}

## Method

- One signaling node in the benchmark process (\`startTestServer\`, in-memory state), a real Janus
  ${info.version_string ?? ''} started by the test fixture (WebSocket transport and VideoRoom only), and one
  headless Chromium (Playwright, \`--use-fake-device-for-media-stream\`, 320x240 fake camera) running the
  demo page. Everything on this one machine; media over the host's own address.
- Per run: page 1 joins a fresh room and settles for ${SETTLE_MS} ms (with Janus its publisher connection is
  up by then). Page 2 then clicks Join: it opens the camera and the WebSocket, and the clock starts when it
  sends \`joinRoom\` (\`performance.now()\` in the page). A loop in page 2 polls \`getStats()\` every 10 ms and
  stops the clock at the first decoded remote frame. Both pages leave and close; the next run uses a new room.
- Mesh: page 2 asks page 1 for an upstream (\`subscribe\` → \`peerSubscribe\`), page 1 offers, page 2 answers,
  ICE and DTLS run between the two pages. Janus: page 2 publishes (its offer, Janus's answer) and subscribes
  (\`subscribe\` → Janus's offer → \`subscribeAnswer\` → \`start\`), ICE and DTLS run to Janus, which forwards
  page 1's stream after asking page 1 for a key frame. The member subscribes to the newcomer when told
  \`participantPublished\` (Janus's webrtcup of the newcomer's publisher).
- Where the member's time goes, step by step, and what each change bought: [first-frame-timeline.md](first-frame-timeline.md)
  (\`node scripts/bench/first-frame-trace.mjs\`).
- Resolution is the 10 ms poll plus one \`getStats()\` call.
- Reading the numbers: everything runs on one host, so there is no network latency for the SFU hop to
  add. Mesh needs a signaling round trip through the other page (it must be asked, build an offer and gather
  candidates) before ICE starts; with Janus the subscription offer comes straight from the server and Janus
  asks the publisher for a key frame when the subscriber starts. Across real networks the extra hop through
  the SFU adds its round-trip time.

## Machine

- ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${type()}; load average at start ${load}
  (the machine was shared with other jobs, so absolute numbers carry noise; compare the two rows).
- Node ${process.version}, Chromium ${browser.browser.version()}, Janus ${info.version_string ?? 'unknown'}.
`;
    process.stdout.write(`${JSON.stringify(results.map((r) => ({ backend: r.backend, median: median(r.samples), samples: r.samples, seenByMedian: median(r.seenBy), seenBy: r.seenBy })))}\n`);
    // DEMO_STATIC_DIR measures another page: the figures are not the project's, so the document is left alone.
    if (!process.env.DEMO_STATIC_DIR) {
      writeFileSync(OUT, doc);
      process.stdout.write(`wrote ${OUT}\n`);
    }
  } finally {
    await browser.close();
    await janus.stop();
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
