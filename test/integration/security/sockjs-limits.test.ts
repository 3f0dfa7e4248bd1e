import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { startNodeProcess, type NodeProcess } from '../../support/node-process';
import { clientFrame, RawHttp, rawWebSocket } from './raw-clients';
import { eventually, http } from './security-kit';

jest.setTimeout(60_000);

const MiB = 1024 * 1024;
const MAX_MESSAGE_BYTES = 64 * 1024;
const HARD_LIMIT = 4 * MAX_MESSAGE_BYTES;

const newSession = (): string => `/rtc/000/${randomBytes(6).toString('hex')}`;

/** Opens an xhr-polling session; resolves with its base path. */
const openPolling = async (node: NodeProcess): Promise<string> => {
  const base = newSession();
  const res = await fetch(`${node.httpUrl}${base}/xhr`, { method: 'POST' });
  expect(await res.text()).toBe('o\n');
  return base;
};

const poll = async (node: NodeProcess, base: string): Promise<string> => (await fetch(`${node.httpUrl}${base}/xhr`, { method: 'POST' })).text();

interface Upload {
  /** Milliseconds from the request's start to its answer's status line. */
  readonly answeredAfterMs: number;
  readonly status: number;
  /** Bytes of body the client managed to hand to its socket before the node answered. */
  readonly bytesSent: number;
}

/**
 * POSTs `totalBytes` of body as fast as the socket takes it, declared with Content-Length or streamed
 * chunked (no length), and resolves once the node answered and hung up. A raw socket: an HTTP client
 * library fails on its next write once the node hangs up, and may lose the answer it already received.
 */
const upload = (node: NodeProcess, path: string, totalBytes: number, declareLength: boolean): Promise<Upload> =>
  new Promise((resolve) => {
    const socket = connect(node.port, '127.0.0.1');
    const started = performance.now();
    const chunk = Buffer.alloc(MiB, 'a');
    const framed = declareLength ? chunk : Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    let head = '';
    let answeredAt: number | undefined;
    let bytesSent = 0;
    socket.on('data', (data: Buffer) => {
      head += data.toString('latin1');
      if (answeredAt === undefined && /^HTTP\/1\.1 \d{3}/.test(head)) answeredAt = performance.now() - started;
    });
    socket.on('error', () => undefined);
    const giveUp = setTimeout(() => socket.destroy(), 10_000);
    socket.once('close', () => {
      clearTimeout(giveUp);
      resolve({ answeredAfterMs: answeredAt ?? Number.POSITIVE_INFINITY, status: Number(head.slice(9, 12)), bytesSent });
    });
    socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${declareLength ? `Content-Length: ${totalBytes}` : 'Transfer-Encoding: chunked'}\r\n\r\n`);
    const pump = (): void => {
      while (bytesSent < totalBytes && answeredAt === undefined && !socket.destroyed) {
        bytesSent += chunk.length;
        if (!socket.write(framed)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });

/** Samples GET /healthz every 20 ms until stopped; resolves with every latency measured. */
const sampleHealth = (node: NodeProcess): { stop(): Promise<number[]> } => {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const res = await fetch(`${node.httpUrl}/healthz`);
      await res.text();
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return latencies;
    },
  };
};

describe('SockJS input limits equal to the WebSocket ones (node process, MAX_MESSAGE_BYTES 64 KiB)', () => {
  let node: NodeProcess;
  const figures: string[] = [];

  beforeAll(async () => {
    node = await startNodeProcess({ MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES), MAX_HTTP_REQUESTS_PER_IP: '1000' });
  });
  afterAll(async () => {
    process.stdout.write(`${figures.join('\n')}\n`);
    await node.stop();
  });

  it.each([
    ['declared with Content-Length', true],
    ['streamed chunked, no length', false],
  ])('a 64 MiB xhr_send (%s) is refused with 413 within 1 s, and /healthz answers in under 100 ms meanwhile', async (_name, declared) => {
    const base = await openPolling(node);
    const health = sampleHealth(node);
    await new Promise((r) => setTimeout(r, 100));
    const answer = await upload(node, `${base}/xhr_send`, 64 * MiB, declared);
    await new Promise((r) => setTimeout(r, 100));
    const latencies = await health.stop();
    figures.push(
      `64 MiB xhr_send, ${declared ? 'Content-Length' : 'chunked'}: ${answer.status} after ${answer.answeredAfterMs.toFixed(0)} ms, ` +
        `${(answer.bytesSent / MiB).toFixed(0)} MiB handed to the client socket by then; /healthz max ${Math.max(...latencies).toFixed(1)} ms over ${latencies.length} requests`,
    );
    expect(answer.status).toBe(413);
    expect(answer.answeredAfterMs).toBeLessThan(1_000);
    expect(latencies.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...latencies)).toBeLessThan(100);
    // The session is closed as a WebSocket is for a frame over the hard limit.
    expect(await poll(node, base)).toBe('c[1009,"Message too big"]\n');
  });

  it.each([
    ['xhr_send', { 'content-length': String(64 * MiB) }],
    ['jsonp_send', { 'content-length': String(64 * MiB) }],
    ['xhr_send', { 'transfer-encoding': 'chunked' }],
  ])('a %s to an unknown session (%j) is refused with 404 before its body is read, and the connection closed', async (transport, headers) => {
    // Only the headers and a few bytes of the 64 MiB: the answer must not wait for the rest.
    const started = performance.now();
    const send = await RawHttp.open(node.port, 'POST', `${newSession()}/${transport}`, headers);
    send.socket.write('a'.repeat(16));
    await send.waitFor(/^HTTP\/1\.1 404/);
    expect(performance.now() - started).toBeLessThan(1_000);
    await eventually(() => send.closed, 5_000, 'the connection to close');
  });

  it('a 32 MiB frame on the SockJS WebSocket closes the session (1009) at once', async () => {
    const { socket, reader } = await rawWebSocket(node.port, `${newSession()}/websocket`);
    await reader.text((t) => t === 'o');
    const frame = clientFrame(1, Buffer.alloc(32 * MiB, 'x'));
    const started = performance.now();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(frame);
    await closed;
    const elapsed = performance.now() - started;
    figures.push(`32 MiB SockJS WebSocket frame: closed ${reader.closeCode()} after ${elapsed.toFixed(0)} ms`);
    expect(reader.closeCode()).toBe(1009);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('a body one byte over 4 × MAX_MESSAGE_BYTES closes the session on xhr_send and jsonp_send; one at the limit is read', async () => {
    const atLimit = JSON.stringify(['y'.repeat(HARD_LIMIT - 4)]);
    expect(Buffer.byteLength(atLimit)).toBe(HARD_LIMIT);
    const base = await openPolling(node);
    const ok = await fetch(`${node.httpUrl}${base}/xhr_send`, { method: 'POST', body: atLimit });
    expect(ok.status).toBe(204);
    // Read, and answered as any WebSocket frame over MAX_MESSAGE_BYTES is: a typed error.
    expect(await poll(node, base)).toMatch(/frameTooLarge/);
    const over = await fetch(`${node.httpUrl}${base}/xhr_send`, { method: 'POST', body: `${atLimit} ` });
    expect(over.status).toBe(413);
    expect(await poll(node, base)).toBe('c[1009,"Message too big"]\n');

    const jsonpBase = newSession();
    expect(await (await fetch(`${node.httpUrl}${jsonpBase}/jsonp?c=cb`)).text()).toBe('/**/cb("o");\r\n');
    const jsonpOver = await fetch(`${node.httpUrl}${jsonpBase}/jsonp_send`, { method: 'POST', body: `${atLimit} ` });
    expect(jsonpOver.status).toBe(413);
    expect(await (await fetch(`${node.httpUrl}${jsonpBase}/jsonp?c=cb`)).text()).toBe('/**/cb("c[1009,\\"Message too big\\"]");\r\n');
  });

  it('a SockJS WebSocket frame one byte over the hard limit closes the session; one at it is read', async () => {
    const { socket, reader } = await rawWebSocket(node.port, `${newSession()}/websocket`);
    await reader.text((t) => t === 'o');
    const atLimit = JSON.stringify(['y'.repeat(HARD_LIMIT - 4)]);
    socket.write(clientFrame(1, atLimit));
    await reader.text((t) => t.includes('frameTooLarge'));
    socket.write(clientFrame(1, `${atLimit} `));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(reader.closeCode()).toBe(1009);
  });

  it('streams get no body: a receiving request with one is answered without reading it, and its connection closed', async () => {
    const stream = await RawHttp.open(node.port, 'POST', `${newSession()}/xhr`, { 'content-length': String(64 * MiB) }, 'x'.repeat(1024));
    await stream.waitFor('o\n');
    await eventually(() => stream.closed, 5_000, 'the connection to close');
  });
});

describe('HTTP requests count toward a per-address budget (MAX_HTTP_REQUESTS_PER_IP)', () => {
  let node: NodeProcess;
  beforeAll(async () => {
    node = await startNodeProcess({ MAX_HTTP_REQUESTS_PER_IP: '3' });
  });
  afterAll(() => node.stop());

  it('the request one too many in flight gets 429; a finished one frees its place', async () => {
    const streams = await Promise.all([1, 2, 3].map(() => RawHttp.open(node.port, 'POST', `${newSession()}/xhr_streaming`)));
    for (const s of streams) await s.waitFor('o\n');
    const refused = await http(node, 'GET', '/healthz');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    streams[0]!.socket.destroy();
    await eventually(async () => (await http(node, 'GET', '/healthz')).status === 200, 5_000, 'a freed place');
    for (const s of streams) s.socket.destroy();
  });
});
