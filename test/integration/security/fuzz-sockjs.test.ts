import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { ERROR_CODES } from '../../../src/domain';
import { startNodeProcess, type NodeProcess } from '../../support/node-process';
import { SignalingClient } from '../../support/signaling-client';
import { fuzzText, toFrame } from './fuzz-messages';
import { clientFrame, rawWebSocket, rssBytes, watchRss, type FrameReader } from './raw-clients';
import { http } from './security-kit';

jest.setTimeout(240_000);

const MAX_MESSAGE_BYTES = 16 * 1024;
/** A SockJS frame or send body above this closes its session (1009 / 413), as a WebSocket frame does. */
const HARD_LIMIT = 4 * MAX_MESSAGE_BYTES;
/** FUZZ_SOCKJS_RUNS may raise the number of runs, never lower it. */
const RUNS = Math.max(40, Number(process.env.FUZZ_SOCKJS_RUNS ?? 0));
const PER_RUN = 60;
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_607);
/** The node's RSS may grow at most this much over the whole run (docs/security.md). */
const RSS_GROWTH_BOUND = 128 * 1024 * 1024;
const CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** What the node must make of a payload: the messages it carries, or why it is refused. */
type Expected = { readonly kind: 'messages'; readonly texts: string[] } | { readonly kind: 'empty' } | { readonly kind: 'broken' } | { readonly kind: 'tooLarge' };

/** The protocol's rule, written out here rather than taken from the server: a JSON string or an array of them. */
const expectationOf = (payload: Buffer): Expected => {
  if (payload.length > HARD_LIMIT) return { kind: 'tooLarge' };
  if (payload.length === 0) return { kind: 'empty' };
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return { kind: 'broken' };
  }
  if (typeof value === 'string') return { kind: 'messages', texts: [value] };
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return { kind: 'messages', texts: value as string[] };
  return { kind: 'broken' };
};

/** Messages as the fuzzer of the WebSocket adapter makes them (a well-formed join is broken on purpose, so no session enters a room). */
const messageText = fuzzText.map((t) => toFrame(t, MAX_MESSAGE_BYTES).text);
const framedArray = fc.array(messageText, { minLength: 1, maxLength: 12 }).map((texts) => JSON.stringify(texts));
const payloadArb: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: framedArray.map((t) => Buffer.from(t)), weight: 50 },
  { arbitrary: messageText.map((t) => Buffer.from(JSON.stringify(t))), weight: 10 },
  // Broken framing: anything JSON that is not strings, cut-off arrays, random text and bytes.
  { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')), weight: 10 },
  { arbitrary: fc.tuple(framedArray, fc.nat()).map(([t, cut]) => Buffer.from(t.slice(0, cut % Math.max(1, t.length)))), weight: 10 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 300 }).map((t) => Buffer.from(t)), weight: 5 },
  { arbitrary: fc.uint8Array({ maxLength: 2_000 }).map((b) => Buffer.from(b)), weight: 5 },
  // Around and far over the hard limit.
  { arbitrary: fc.integer({ min: HARD_LIMIT - 64, max: 6 * HARD_LIMIT }).map((n) => Buffer.from(JSON.stringify(['y'.repeat(n)]))), weight: 3 },
  { arbitrary: fc.constant(Buffer.alloc(0)), weight: 2 },
);
type Transport = 'xhr_send' | 'jsonp_send (form)' | 'jsonp_send (raw)' | 'websocket' | 'websocket (binary)';
const transportArb = fc.constantFrom<Transport>('xhr_send', 'jsonp_send (form)', 'jsonp_send (raw)', 'websocket', 'websocket (binary)');

/** The replies a session got: each must be a typed error (no fuzzing session is ever in a room). */
const checkReply = (text: string): void => {
  const reply = JSON.parse(text) as Record<string, unknown>;
  if (reply.id !== 'error' || !CODES.has(String(reply.code)) || typeof reply.message !== 'string') throw new Error(`not a typed error: ${text.slice(0, 300)}`);
};

/** Reads a SockJS `a[...]` frame's messages. */
const messagesOf = (frame: string): string[] => JSON.parse(frame.slice(1)) as string[];

class PollingSession {
  /** When the last poll ended: a session without a poll for the disconnect delay (5 s) is closed, as the protocol has it. */
  lastPoll = Date.now();

  private constructor(
    private readonly node: NodeProcess,
    readonly base: string,
  ) {}

  static async open(node: NodeProcess): Promise<PollingSession> {
    const base = `/rtc/000/${randomBytes(8).toString('hex')}`;
    const opened = await (await fetch(`${node.httpUrl}${base}/xhr`, { method: 'POST' })).text();
    if (opened !== 'o\n') throw new Error(`no open frame: ${opened}`);
    return new PollingSession(node, base);
  }

  /** Polls until `count` messages arrived; what else came (a close frame) is returned too. */
  async collect(count: number): Promise<{ messages: string[]; close?: string }> {
    const messages: string[] = [];
    while (messages.length < count) {
      const body = await (await fetch(`${this.node.httpUrl}${this.base}/xhr`, { method: 'POST', signal: AbortSignal.timeout(10_000) })).text();
      this.lastPoll = Date.now();
      if (body.startsWith('a[')) messages.push(...messagesOf(body.trimEnd()));
      else if (body.startsWith('c[')) return { messages, close: body.trimEnd() };
      else throw new Error(`unexpected poll answer ${body.slice(0, 200)}`);
    }
    return { messages };
  }
}

describe(`fuzzing the SockJS transports of a running node (${RUNS * PER_RUN} payloads)`, () => {
  let node: NodeProcess;

  beforeAll(async () => {
    node = await startNodeProcess({
      MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
      MESSAGES_PER_SECOND: '10000000',
      MESSAGE_BURST: '10000000',
      MAX_QUEUED_MESSAGES: '100000',
      MAX_CONNECTIONS_PER_IP: '1000',
      MAX_HTTP_REQUESTS_PER_IP: '1000',
    });
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('answers every payload on every transport with typed errors, a documented status or a documented close; the node stays up and bounded', async () => {
    const rssBefore = rssBytes(node.child.pid!);
    const rss = watchRss(node.child.pid!);
    const tally = new Map<string, number>();
    const count = (what: string): void => void tally.set(what, (tally.get(what) ?? 0) + 1);
    let polling = await PollingSession.open(node);
    let socket: Awaited<ReturnType<typeof rawWebSocket>> | undefined;
    const openWebSocket = async (): Promise<{ socket: Awaited<ReturnType<typeof rawWebSocket>>['socket']; reader: FrameReader }> => {
      const opened = await rawWebSocket(node.port, `/rtc/000/${randomBytes(8).toString('hex')}/websocket`);
      await opened.reader.text((t) => t === 'o');
      return opened;
    };
    const started = Date.now();
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(payloadArb, transportArb), { minLength: PER_RUN, maxLength: PER_RUN }), async (cases) => {
          for (const [payload, transport] of cases) {
            const expected = expectationOf(payload);
            if (transport.startsWith('websocket')) {
              socket ??= await openWebSocket();
              const { reader } = socket;
              const before = reader.frames.length;
              const binary = transport === 'websocket (binary)';
              socket.socket.write(clientFrame(binary ? 2 : 1, payload));
              // Documented: over the hard limit 1009; a text frame that is not UTF-8, 1007 (ws checks it);
              // binary or broken framing 1002; an empty frame is ignored.
              const utf8 = Buffer.from(payload.toString('utf8')).equals(payload);
              const closeCode =
                expected.kind === 'tooLarge' ? 1009 : !binary && !utf8 ? 1007 : binary ? 1002 : expected.kind === 'broken' ? 1002 : undefined;
              if (closeCode !== undefined) {
                // The close frame is what the client sees; a real client answers it, this one just hangs up.
                const deadline = Date.now() + 10_000;
                while (reader.closeCode() === undefined && !socket.socket.destroyed) {
                  if (Date.now() > deadline) throw new Error(`${transport} ${expected.kind}: no close ${closeCode} (payload ${payload.length} bytes)`);
                  await new Promise((r) => setTimeout(r, 5));
                }
                socket.socket.destroy();
                if (reader.closeCode() !== closeCode) throw new Error(`${transport} ${expected.kind}: closed ${reader.closeCode()}, not ${closeCode}`);
                count(`websocket closed ${closeCode}`);
                socket = undefined;
                continue;
              }
              const texts = expected.kind === 'messages' ? expected.texts : [];
              const probe = `probe-${randomBytes(4).toString('hex')}`;
              socket.socket.write(clientFrame(1, JSON.stringify([JSON.stringify({ id: 'fuzzProbe', requestId: probe })])));
              await reader.text((t) => t.includes(probe), 30_000);
              const replies = reader.frames.slice(before).map((f) => f.payload.toString('utf8')).filter((t) => t.startsWith('a['));
              const messages = replies.flatMap(messagesOf);
              if (messages.length !== texts.length + 1) throw new Error(`websocket: ${texts.length} messages got ${messages.length - 1} replies`);
              messages.forEach(checkReply);
              reader.frames.length = 0;
              count(`websocket ${expected.kind}`);
              continue;
            }
            if (Date.now() - polling.lastPoll > 3_000) polling = await PollingSession.open(node);
            const jsonp = transport.startsWith('jsonp');
            const form = transport === 'jsonp_send (form)';
            const body = form ? Buffer.from(`d=${encodeURIComponent(payload.toString('utf8'))}`) : payload;
            const res = await fetch(`${node.httpUrl}${polling.base}/${jsonp ? 'jsonp_send' : 'xhr_send'}`, {
              method: 'POST',
              body,
              headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'text/plain' },
            });
            const answer = await res.text();
            // A form body decodes to the payload as UTF-8 text; its size limit applies to the body as sent.
            const effective = form ? (body.length > HARD_LIMIT ? ({ kind: 'tooLarge' } as const) : expectationOf(Buffer.from(payload.toString('utf8')))) : expected;
            const wanted =
              effective.kind === 'tooLarge' ? [413] : effective.kind === 'empty' ? [500, 'Payload expected.'] : effective.kind === 'broken' ? [500, 'Broken JSON encoding.'] : jsonp ? [200, 'ok'] : [204, ''];
            const got = wanted.length === 1 ? [res.status] : [res.status, answer];
            if (JSON.stringify(got) !== JSON.stringify(wanted)) throw new Error(`${transport} ${effective.kind}: answered ${res.status} ${answer.slice(0, 100)}, wanted ${JSON.stringify(wanted)}`);
            count(`${transport} ${res.status}`);
            if (effective.kind === 'tooLarge') {
              const { close } = await polling.collect(Number.MAX_SAFE_INTEGER);
              if (close !== 'c[1009,"Message too big"]') throw new Error(`after 413 the session closed with ${close}`);
              polling = await PollingSession.open(node);
              continue;
            }
            if (effective.kind !== 'messages') continue;
            const { messages, close } = await polling.collect(effective.texts.length);
            if (close) throw new Error(`${transport}: session closed ${close}`);
            messages.forEach(checkReply);
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    } finally {
      rss.stop();
      socket?.socket.destroy();
    }
    const growth = rss.peak() - rssBefore;
    process.stdout.write(
      `fuzz sockjs: ${RUNS * PER_RUN} payloads in ${((Date.now() - started) / 1000).toFixed(1)} s; RSS ${(rssBefore / 2 ** 20).toFixed(0)} MB before, ` +
        `peak +${(growth / 2 ** 20).toFixed(0)} MB; ${JSON.stringify(Object.fromEntries([...tally].sort()))}\n`,
    );
    expect(growth).toBeLessThan(RSS_GROWTH_BOUND);
    expect(node.child.exitCode).toBeNull();
    expect((await http(node, 'GET', '/healthz')).status).toBe(200);
    // Still serving: a real client joins.
    const client = await SignalingClient.connect(node.wsUrl);
    await client.join({ userId: 'after-fuzz', roomId: 'c-after' });
    await client.close();
  });

  it('answers random requests anywhere under /rtc (any method, path, callback and body) with a documented status', async () => {
    const transports = ['xhr', 'xhr_send', 'xhr_streaming', 'eventsource', 'htmlfile', 'jsonp', 'jsonp_send', 'websocket', 'info', 'iframe.html', 'nonsense'];
    const documented: Record<number, RegExp> = {
      200: /.*/s,
      204: /^$/,
      304: /^$/,
      400: /^(Can "Upgrade" only to "WebSocket"\.|"Connection" must be "Upgrade"\.)$/,
      404: /^Not found\n$/,
      405: /^$/,
      413: /^a body may hold at most/,
      500: /^("callback" parameter required|invalid "callback" parameter|Payload expected\.|Broken JSON encoding\.)$/,
    };
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
        fc.oneof(fc.constantFrom(...transports), fc.string({ maxLength: 20 })),
        fc.oneof(fc.constant(''), fc.string({ maxLength: 40 }).map((c) => `?c=${encodeURIComponent(c)}`)),
        fc.oneof(fc.constant(Buffer.alloc(0)), fc.uint8Array({ maxLength: 3_000 }).map((b) => Buffer.from(b)), fc.integer({ min: 0, max: 4 * HARD_LIMIT }).map((n) => Buffer.alloc(n, 'z'))),
        fc.boolean(),
        async (method, transport, query, body, inSession) => {
          const path = transport === 'info' || transport === 'iframe.html' || !inSession ? `/rtc/${transport}` : `/rtc/000/${randomBytes(4).toString('hex')}/${transport}`;
          const withBody = method !== 'GET' && method !== 'OPTIONS' && body.length > 0;
          let res: Response;
          try {
            res = await fetch(`${node.httpUrl}${encodeURI(path).replace(/\?/g, '%3F').replace(/#/g, '%23')}${query}`, {
              method,
              ...(withBody ? { body } : {}),
              signal: AbortSignal.timeout(5_000),
            });
          } catch (error) {
            throw new Error(`${method} ${path}${query}: ${String(error)}`);
          }
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const pattern = documented[res.status];
          if (!pattern) throw new Error(`${method} ${path}${query}: undocumented status ${res.status}`);
          // A stream answers 200 and goes on: the first bytes are enough, then the request is dropped.
          const reader = res.body?.getReader();
          const first = reader ? await reader.read() : undefined;
          await reader?.cancel();
          const text = first?.value ? Buffer.from(first.value).toString('utf8') : '';
          if (res.status !== 200 && !pattern.test(text)) throw new Error(`${method} ${path}${query}: ${res.status} with ${JSON.stringify(text.slice(0, 100))}`);
        },
      ),
      { numRuns: 1_000, seed: SEED, endOnFailure: true },
    );
    process.stdout.write(`fuzz sockjs requests: statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    expect(node.child.exitCode).toBeNull();
    expect((await http(node, 'GET', '/healthz')).status).toBe(200);
  });
});
