/*
 * Where the Janus member's "first frame of a newcomer" time goes, and A/B comparisons of it.
 *
 * Per run, like join-to-first-frame.ts: page `first` joins a fresh room and settles, page `second` joins;
 * the clock starts when `second` sends joinRoom and stops when `first` decodes its first frame from
 * `second`. Here both pages also record, with epoch timestamps, every signaling frame they send and
 * receive and every state change of their RTCPeerConnections (an init script wraps WebSocket and
 * RTCPeerConnection, so any build of the demo page is traced the same way), and the signaling node logs
 * at debug (pino's `time`). Printed per run: each step's offset from joinRoom, and the median per step.
 *
 * A/B: each variant is a source tree (its src/main.ts is bundled and run as a separate node process, its
 * dist/public is the demo page). Runs alternate A, B, A, B... in one Janus and one Chromium, so a change in
 * machine load hits both alike.
 *   node scripts/bench/first-frame-trace.mjs [runs] [root ...]   (default: this tree only)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { buildSync } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launchDemoBrowser, openDemo } from '../../test/support/demo-browser';
import { startJanus, type JanusFixture } from '../../test/support/janus-fixture';

const RUNS = Math.max(1, Number(process.argv[2] ?? 5));
/**
 * A variant: a source tree, optionally with `#flag,flag`: `passive` (the pages answer offers with
 * a=setup:passive, so Janus is the DTLS client), `janus.<nat or media setting>=<value>` (its own Janus).
 */
const VARIANTS = process.argv.slice(3).length > 0 ? process.argv.slice(3) : [process.cwd()];
const ROOTS = VARIANTS.map((v) => resolve(v.split('#')[0]!));
const FLAGS = VARIANTS.map((v) => (v.split('#')[1] ?? '').split(',').filter(Boolean));
const JANUS_KEYS = new Set(['ice_lite', 'full_trickle', 'ice_nomination', 'ice_keepalive_conncheck']);
const janusSettings = (flags: readonly string[]) => {
  const nat: Record<string, string | number | boolean> = {};
  const media: Record<string, string | number | boolean> = {};
  for (const flag of flags) {
    const m = /^janus\.(\w+)=(.*)$/.exec(flag);
    if (!m) continue;
    const value = m[2] === 'true' ? true : m[2] === 'false' ? false : /^\d+$/.test(m[2]!) ? Number(m[2]) : m[2]!;
    (JANUS_KEYS.has(m[1]!) ? nat : media)[m[1]!] = value;
  }
  return { nat, media };
};

const PASSIVE_INIT = `(() => {
  const sld = RTCPeerConnection.prototype.setLocalDescription;
  RTCPeerConnection.prototype.setLocalDescription = function (d) {
    if (d && d.type === 'answer' && d.sdp) d = { type: 'answer', sdp: d.sdp.replace(/a=setup:active/g, 'a=setup:passive') };
    return d ? sld.call(this, d) : sld.call(this);
  };
})()`;
const SETTLE_MS = 1_500;
const FRAME_TIMEOUT_MS = 30_000;

interface Node {
  readonly httpUrl: string;
  readonly lines: string[];
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const startNode = async (root: string, index: number, janusUrl: string): Promise<Node> => {
  const out = resolve(process.cwd(), '.tmp', 'bench', `trace-server-${index}.cjs`);
  // Bundled into this tree's .tmp so npm packages resolve from this tree's node_modules for every variant.
  buildSync({ entryPoints: [resolve(root, 'src', 'main.ts')], bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', outfile: out, logLevel: 'error' });
  const child: ChildProcess = spawn(process.execPath, [out], {
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'debug',
      MEDIA_BACKEND: 'janus',
      JANUS_URL: janusUrl,
      STATE_STORE: 'memory',
      STATIC_DIR: resolve(root, 'dist', 'public'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let pending = '';
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`node did not start:\n${lines.join('\n')}`)), 20_000);
    const collect = (chunk: Buffer): void => {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (!line.includes('signaling node listening')) continue;
        const record = JSON.parse(line) as { port?: number };
        if (typeof record.port === 'number') {
          clearTimeout(timer);
          done(record.port);
        }
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
  });
  return {
    httpUrl: `http://127.0.0.1:${port}`,
    lines,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
};

/** Installed before any page script: timestamps of signaling frames and peer-connection states. */
const TRACE_INIT = `(() => {
  const trace = [];
  window.__trace = trace;
  const now = () => performance.timeOrigin + performance.now();
  const idOf = (data) => { try { const m = JSON.parse(data); return m.id + (m.userId ? ':' + m.userId : ''); } catch { return '?'; } };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) { trace.push([now(), 'ws>', idOf(data)]); return send.call(this, data); };
  const NativeWs = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new NativeWs(...args);
    ws.addEventListener('message', (e) => trace.push([now(), 'ws<', idOf(e.data)]));
    return ws;
  };
  window.WebSocket.prototype = NativeWs.prototype;
  Object.setPrototypeOf(window.WebSocket, NativeWs);
  const Native = window.RTCPeerConnection;
  let n = 0;
  window.RTCPeerConnection = function (...args) {
    const pc = new Native(...args);
    const id = 'pc' + (n += 1);
    trace.push([now(), id, 'created']);
    for (const name of ['createOffer', 'createAnswer']) {
      const f = pc[name].bind(pc);
      pc[name] = (...a) => { trace.push([now(), id, name + '>']); return f(...a).then((r) => { trace.push([now(), id, name + '<']); return r; }); };
    }
    const on = (ev, f) => pc.addEventListener(ev, () => trace.push([now(), id, f()]));
    on('iceconnectionstatechange', () => 'ice:' + pc.iceConnectionState);
    on('connectionstatechange', () => 'conn:' + pc.connectionState);
    on('icegatheringstatechange', () => 'gather:' + pc.iceGatheringState);
    on('track', () => 'track');
    const sld = pc.setLocalDescription.bind(pc);
    pc.setLocalDescription = (...a) => { trace.push([now(), id, 'sld>']); return sld(...a).then((r) => { trace.push([now(), id, 'sld<' + (pc.localDescription && pc.localDescription.type)]); return r; }); };
    const srd = pc.setRemoteDescription.bind(pc);
    pc.setRemoteDescription = (...a) => { trace.push([now(), id, 'srd>' + (a[0] && a[0].type)]); return srd(...a).then((r) => { trace.push([now(), id, 'srd<']); return r; }); };
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, Native);
})()`;

/** In the member's page: epoch times of the first inbound video packet, frame received and frame decoded from \`second\`. */
const FIRST_FRAME_FROM_SECOND = `(async (timeoutMs) => {
  const started = performance.now();
  const marks = {};
  while (performance.now() - started < timeoutMs) {
    const pc = window.demo.media && window.demo.media.connections()['down:second'];
    if (pc) {
      const stats = await pc.getStats();
      stats.forEach((s) => {
        if (s.type !== 'inbound-rtp') return;
        const t = performance.timeOrigin + performance.now();
        if (s.kind === 'audio') { if (!marks.audio && s.packetsReceived > 0) marks.audio = t; return; }
        if (!marks.packet && s.packetsReceived > 0) marks.packet = t;
        if (!marks.received && s.framesReceived > 0) marks.received = t;
        if (!marks.decoded && s.framesDecoded > 0) marks.decoded = t;
      });
      if (marks.decoded) return marks;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('no frame from second within ' + timeoutMs + ' ms');
})`;

type Trace = [number, string, string][];

/** In the newcomer's page: epoch times at which its published video's PLI count and key frames encoded change. */
const PUBLISHER_WATCH = `(() => {
  const out = window.__pub = [];
  let pli = 0, kf = 0;
  const tick = async () => {
    const pc = window.demo.media && window.demo.media.connections()['up:self'];
    if (pc) {
      (await pc.getStats()).forEach((s) => {
        if (s.type !== 'outbound-rtp' || s.kind !== 'video') return;
        const t = performance.timeOrigin + performance.now();
        if ((s.pliCount || 0) + (s.firCount || 0) > pli) { pli = (s.pliCount || 0) + (s.firCount || 0); out.push([t, 'pli' + pli]); }
        if ((s.keyFramesEncoded || 0) > kf) { kf = s.keyFramesEncoded; out.push([t, 'kf' + kf]); }
      });
    }
    if (out.length < 20) setTimeout(tick, 5);
  };
  tick();
})()`;

const oneRun = async (browser: Browser, node: Node, room: string, flags: readonly string[]): Promise<Record<string, number>> => {
  const first = await browser.newPage();
  if (flags.includes('passive')) await first.addInitScript(PASSIVE_INIT);
  await first.addInitScript(TRACE_INIT);
  await openDemo(first, node.httpUrl, room, 'first');
  await first.click('#join');
  await first.waitForSelector('#status[data-state="joined"]', { timeout: 15_000 });
  await sleep(SETTLE_MS);
  const second: Page = await browser.newPage();
  if (flags.includes('passive')) await second.addInitScript(PASSIVE_INIT);
  await second.addInitScript(TRACE_INIT);
  await openDemo(second, node.httpUrl, room, 'second');
  const logFrom = node.lines.length;
  const seen = first.evaluate(`${FIRST_FRAME_FROM_SECOND}(${FRAME_TIMEOUT_MS})`) as Promise<Record<string, number>>;
  await second.click('#join');
  void second.evaluate(PUBLISHER_WATCH);
  const marks = await seen;
  const pub = (await second.evaluate('window.__pub')) as [number, string][];
  await sleep(100);
  const t1 = (await first.evaluate('window.__trace')) as Trace;
  const t2 = (await second.evaluate('window.__trace')) as Trace;
  const logs = node.lines.slice(logFrom).flatMap((l) => {
    try {
      return [JSON.parse(l) as { time: number; msg: string; userId?: string; link?: string; publisher?: string }];
    } catch {
      return [];
    }
  });
  await second.click('#leave');
  await first.click('#leave');
  await Promise.all([first.close(), second.close()]);
  await sleep(300);

  const t0 = t2.find((e) => e[1] === 'ws>' && e[2].startsWith('joinRoom'))?.[0];
  if (t0 === undefined) throw new Error('no joinRoom in the trace');
  const steps: Record<string, number> = {};
  const mark = (name: string, t: number | undefined): void => {
    if (t !== undefined && steps[name] === undefined) steps[name] = Math.round(t - t0);
  };
  const firstAfter = (trace: Trace, kind: string, prefix: string): number | undefined => trace.find((e) => e[0] >= t0 && e[1] === kind && e[2].startsWith(prefix))?.[0];
  mark('second: joined (reply)', firstAfter(t2, 'ws<', 'existingParticipants'));
  mark('second: publish sent', firstAfter(t2, 'ws>', 'publish'));
  mark('second: publish answer in', firstAfter(t2, 'ws<', 'receiveVideoAnswer'));
  const upConnected = t2.find((e) => e[0] >= t0 && e[2] === 'conn:connected');
  mark('second: a pc connected', upConnected?.[0]);
  const webrtcup = logs.find((l) => l.msg === 'janus peer connection up' && l.userId === 'second' && l.link === 'publish');
  mark('server: second publisher webrtcup', webrtcup?.time);
  mark('first: newParticipantArrived', firstAfter(t1, 'ws<', 'newParticipantArrived'));
  mark('first: participantPublished', firstAfter(t1, 'ws<', 'participantPublished'));
  const published = steps['first: participantPublished'] ?? 0;
  const lastSubscribe = t1.filter((e) => e[0] >= t0 && e[1] === 'ws>' && e[2] === 'subscribe:second').pop();
  mark('first: subscribe sent (last)', lastSubscribe?.[0]);
  mark('first: subscribeOffer in', firstAfter(t1, 'ws<', 'subscribeOffer'));
  mark('first: subscribeAnswer sent', firstAfter(t1, 'ws>', 'subscribeAnswer'));
  const downPc = t1.find((e) => e[0] >= t0 && e[1].startsWith('pc') && e[2] === 'srd>offer')?.[1];
  const pcStep = (label: string, state: string): void => mark(label, t1.find((e) => e[0] >= t0 && e[1] === downPc && e[2] === state)?.[0]);
  pcStep('first: down ice checking', 'ice:checking');
  pcStep('first: down ice connected', 'ice:connected');
  pcStep('first: down pc connected (dtls)', 'conn:connected');
  const subUp = logs.find((l) => l.msg === 'janus peer connection up' && l.userId === 'first' && l.link === 'subscribe');
  mark('server: first subscriber webrtcup', subUp?.time);
  const upPc = t2.find((e) => e[0] >= t0 && e[1].startsWith('pc') && e[2] === 'sld>')?.[1];
  mark('second: up pc created', t2.find((e) => e[0] >= t0 && e[1] === upPc && e[2] === 'created')?.[0]);
  mark('second: up createOffer start', t2.find((e) => e[0] >= t0 && e[1] === upPc && e[2] === 'createOffer>')?.[0]);
  mark('second: up sld start', t2.find((e) => e[0] >= t0 && e[1] === upPc && e[2] === 'sld>')?.[0]);
  mark('second: up sld done', t2.find((e) => e[0] >= t0 && e[1] === upPc && e[2].startsWith('sld<'))?.[0]);
  mark('second: up ice connected', t2.find((e) => e[0] >= t0 && e[1] === upPc && e[2] === 'ice:connected')?.[0]);
  pcStep('first: down pc created', 'created');
  pcStep('first: down srd start', 'srd>offer');
  pcStep('first: down createAnswer start', 'createAnswer>');
  pcStep('first: down createAnswer done', 'createAnswer<');
  pcStep('first: down srd done', 'srd<');
  pcStep('first: down sld start', 'sld>');
  pcStep('first: down sld done', 'sld<answer');
  for (const [t, what] of pub) mark(`second: ${what.replace(/\d+$/, '')} #${what.replace(/^\D+/, '')}`, t);
  mark('first: first audio packet', marks.audio);
  mark('first: first video packet', marks.packet);
  mark('first: first frame received', marks.received);
  mark('first: first frame decoded', marks.decoded);
  void published;
  return steps;
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
};

const main = async (): Promise<void> => {
  const januses = new Map<string, JanusFixture>();
  const browser = await launchDemoBrowser();
  const nodes: Node[] = [];
  try {
    for (const [i, root] of ROOTS.entries()) {
      const settings = janusSettings(FLAGS[i]!);
      const key = JSON.stringify(settings);
      if (!januses.has(key)) januses.set(key, await startJanus(settings));
      nodes.push(await startNode(root, i, januses.get(key)!.url));
    }
    process.stdout.write(`load at start: ${loadavg().map((l) => l.toFixed(2)).join(' / ')}\n`);
    for (const [i, node] of nodes.entries()) await oneRun(browser.browser, node, `trace-warmup-${i}`, FLAGS[i]!);
    const results: Record<string, number>[][] = nodes.map(() => []);
    for (let run = 0; run < RUNS; run += 1) {
      for (const [i, node] of nodes.entries()) {
        const steps = await oneRun(browser.browser, node, `trace-${i}-${run}`, FLAGS[i]!);
        results[i]!.push(steps);
        process.stdout.write(`variant ${i} (${VARIANTS[i]}) run ${run + 1}: ${JSON.stringify(steps)}\n`);
      }
    }
    process.stdout.write(`load at end: ${loadavg().map((l) => l.toFixed(2)).join(' / ')}\n`);
    for (const [i, runs] of results.entries()) {
      process.stdout.write(`\nvariant ${i}: ${VARIANTS[i]} — median offset from joinRoom (ms), and each run\n`);
      const names = [...new Set(runs.flatMap((r) => Object.keys(r)))];
      names.sort((a, b) => median(runs.map((r) => r[a] ?? Infinity)) - median(runs.map((r) => r[b] ?? Infinity)));
      for (const name of names) {
        const xs = runs.map((r) => r[name]).filter((x): x is number => x !== undefined);
        process.stdout.write(`  ${String(median(xs)).padStart(5)}  ${name.padEnd(36)} ${xs.join(', ')}\n`);
      }
    }
  } finally {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    await browser.close();
    await Promise.allSettled([...januses.values()].map((j) => j.stop()));
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
