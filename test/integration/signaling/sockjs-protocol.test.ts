import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { SockJsServer } from '../../../src/adapters/websocket/sockjs/sockjs-server';
import type { SockJsSession } from '../../../src/adapters/websocket/sockjs/session';
import { clientFrame, RawHttp, rawWebSocket } from '../security/raw-clients';

jest.setTimeout(20_000);

/**
 * The project's SockJS server held to sockjs-protocol 0.3.3, case by case, in this process: `/echo` sends
 * every message back, `/close` closes each session at once with 3000 "Go away!" (the protocol's own test
 * services). Streams are ended after 4 KiB here, as the protocol's test server does.
 */
describe('SockJS server, sockjs-protocol 0.3.3', () => {
  let server: Server;
  let base: string;
  let port: number;
  const stalled: SockJsSession[] = [];
  const services: SockJsServer[] = [];

  const service = (prefix: string, onSession: (s: SockJsSession) => void): SockJsServer =>
    new SockJsServer({
      prefix,
      heartbeatMs: 25_000,
      disconnectDelayMs: 5_000,
      pingIntervalMs: 25_000,
      maxFrameBytes: 1024 * 1024,
      responseLimitBytes: 4096,
      closeGraceMs: 2_000,
      addressOf: (req) => req.socket.remoteAddress ?? 'unknown',
      maxClosedPerAddress: 1_000,
      onSession,
      onStalled: (s) => stalled.push(s),
    });

  beforeAll(async () => {
    const echo = service('/echo', (s) => s.listen({ message: (text) => s.send(text), closed: () => undefined }));
    const close = service('/close', (s) => s.close(3000, 'Go away!'));
    services.push(echo, close);
    server = createServer((req, res) => {
      const target = req.url!.startsWith('/echo') ? echo : req.url!.startsWith('/close') ? close : undefined;
      if (target) target.handleRequest(req, res);
      else res.writeHead(404).end();
    });
    server.on('upgrade', (req, socket, head) => (req.url!.startsWith('/close') ? close : echo).handleUpgrade(req, socket, head));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    for (const s of services) s.close(1001, 'bye');
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const session = (service = 'echo'): string => `/${service}/000/${randomBytes(8).toString('hex')}`;
  const post = (path: string, body?: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', ...(body !== undefined ? { body } : {}), headers });
  const text = async (res: Response | Promise<Response>): Promise<string> => (await res).text();

  describe('static URLs', () => {
    it('greets on the base URL, with or without a slash', async () => {
      for (const path of ['/echo', '/echo/']) {
        const res = await fetch(`${base}${path}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
        expect(await res.text()).toBe('Welcome to SockJS!\n');
        expect(res.headers.get('set-cookie')).toBeNull();
      }
    });

    it.each([['/a'], ['/a.html'], ['//'], ['///'], ['/a/a'], ['/a/a/'], ['/a/']])('404 for %s', async (suffix) => {
      expect((await fetch(`${base}/echo${suffix}`)).status).toBe(404);
    });

    it('serves the iframe page, versioned and queried, strongly cached with an ETag', async () => {
      let etag: string | null = null;
      for (const suffix of ['/iframe.html', '/iframe-a.html', '/iframe-.html', '/iframe-0.1.2.html', '/iframe-0.1.2abc-dirty.2144.html', '/iframe-a.html?t=1234']) {
        const res = await fetch(`${base}/echo${suffix}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/html; charset=UTF-8');
        expect(res.headers.get('cache-control')).toMatch(/public.*max-age=[1-9]\d{6}/);
        expect(res.headers.get('expires')).toBeTruthy();
        expect(res.headers.get('last-modified')).toBeNull();
        etag ??= res.headers.get('etag');
        expect(res.headers.get('etag')).toBe(etag);
        expect(await res.text()).toMatch(/^<!DOCTYPE html>[\s\S]*SockJS\.bootstrap_iframe\(\)[\s\S]*<script src="https:\/\/[^"]+"><\/script>[\s\S]*<\/html>$/);
      }
      const cached = await fetch(`${base}/echo/iframe.html`, { headers: { 'if-none-match': etag! } });
      expect(cached.status).toBe(304);
      expect(await cached.text()).toBe('');
    });

    it.each([['/iframe.htm'], ['/iframe'], ['/IFRAME.HTML'], ['/IFRAME'], ['/iframe.HTML'], ['/iframe.xml'], ['/iframe-/.html']])('404 for %s', async (suffix) => {
      expect((await fetch(`${base}/echo${suffix}`)).status).toBe(404);
    });

    it('answers /info uncached with CORS, and fresh entropy each time', async () => {
      const first = await fetch(`${base}/echo/info`);
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toBe('application/json; charset=UTF-8');
      expect(first.headers.get('cache-control')).toBe('no-store, no-cache, must-revalidate, max-age=0');
      expect(first.headers.get('access-control-allow-origin')).toBe('*');
      expect(first.headers.get('access-control-allow-credentials')).toBe('true');
      const info = (await first.json()) as Record<string, unknown>;
      expect(info).toMatchObject({ websocket: true, cookie_needed: false, origins: ['*:*'] });
      const second = (await (await fetch(`${base}/echo/info`)).json()) as { entropy: number };
      expect(Number.isInteger(info.entropy)).toBe(true);
      expect(second.entropy).not.toBe(info.entropy);
    });

    it.each([
      ['/info', 'OPTIONS, GET'],
      ['/abc/abc/xhr', 'OPTIONS, POST'],
      ['/abc/abc/xhr_send', 'OPTIONS, POST'],
      ['/abc/abc/xhr_streaming', 'OPTIONS, POST'],
    ])('answers OPTIONS %s as a cacheable CORS preflight', async (path, methods) => {
      for (const origin of [undefined, 'test', 'null']) {
        const res = await fetch(`${base}/echo${path}`, { method: 'OPTIONS', headers: origin ? { origin } : {} });
        expect(res.status).toBe(204);
        expect(res.headers.get('cache-control')).toMatch(/public.*max-age=[1-9]\d{6}/);
        expect(res.headers.get('expires')).toBeTruthy();
        expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(1_000_000);
        expect(res.headers.get('access-control-allow-methods')).toBe(methods);
        expect(res.headers.get('access-control-allow-origin')).toBe(origin && origin !== 'null' ? origin : '*');
        expect(res.headers.get('access-control-allow-credentials')).toBe('true');
        expect(await res.text()).toBe('');
      }
    });
  });

  describe('sessions and framing (xhr-polling)', () => {
    it('opens any session id, ignores the server id, and echoes', async () => {
      for (const part of ['/a/a', '/_/_', '/1/1', '/abcdefgh_i-j%20/abcdefg_i-j%20']) expect(await text(post(`/echo${part}/xhr`))).toBe('o\n');
      const id = randomBytes(8).toString('hex');
      expect(await text(post(`/echo/000/${id}/xhr`))).toBe('o\n');
      const sent = await post(`/echo/000/${id}/xhr_send`, '["a"]');
      expect(sent.status).toBe(204);
      expect(await sent.text()).toBe('');
      expect(sent.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
      expect(await text(post(`/echo/999/${id}/xhr`))).toBe('a["a"]\n');
    });

    it.each([['//'], ['/a./a'], ['/a/a.'], ['/./.'], ['/'], ['///']])('404 for the session path %s', async (part) => {
      expect((await fetch(`${base}/echo${part}/xhr`)).status).toBe(404);
      expect((await post(`/echo${part}/xhr`)).status).toBe(404);
    });

    it('refuses a send to a session that does not exist (404)', async () => {
      expect((await post(`${session()}/xhr_send`, '["a"]')).status).toBe(404);
    });

    it('answers a second receiving request on one session with 2010', async () => {
      const path = session();
      expect(await text(post(`${path}/xhr`))).toBe('o\n');
      const waiting = await RawHttp.open(port, 'POST', `${path}/xhr`);
      await new Promise((r) => setTimeout(r, 50));
      expect(await text(post(`${path}/xhr`))).toBe('c[2010,"Another connection still open"]\n');
      waiting.socket.destroy();
    });

    it('serves the close frame while a closed session is remembered', async () => {
      const path = session('close');
      expect(await text(post(`${path}/xhr`))).toBe('o\n');
      expect(await text(post(`${path}/xhr`))).toBe('c[3000,"Go away!"]\n');
      expect(await text(post(`${path}/xhr`))).toBe('c[3000,"Go away!"]\n');
    });

    it('answers broken framing and empty payloads with 500 and keeps the session', async () => {
      const path = session();
      expect(await text(post(`${path}/xhr`))).toBe('o\n');
      const broken = await post(`${path}/xhr_send`, '["x');
      expect([broken.status, await broken.text()]).toEqual([500, 'Broken JSON encoding.']);
      const empty = await post(`${path}/xhr_send`, '');
      expect([empty.status, await empty.text()]).toEqual([500, 'Payload expected.']);
      expect((await post(`${path}/xhr_send`, '["a"]')).status).toBe(204);
      expect(await text(post(`${path}/xhr`))).toBe('a["a"]\n');
    });

    it('takes sends of any content type', async () => {
      const path = session();
      await post(`${path}/xhr`);
      const types = ['text/plain', 'T', 'application/json', 'application/xml', '', 'application/json; charset=utf-8', 'text/xml; charset=utf-8', 'text/xml'];
      for (const type of types) expect((await post(`${path}/xhr_send`, '["a"]', { 'content-type': type })).status).toBe(204);
      expect(await text(post(`${path}/xhr`))).toBe(`a[${types.map(() => '"a"').join(',')}]\n`);
    });

    it('sends CORS and no-cache headers on polls, echoing requested headers', async () => {
      const res = await post(`${session()}/xhr`, undefined, { 'access-control-request-headers': 'a, b, c' });
      expect(res.headers.get('content-type')).toBe('application/javascript; charset=UTF-8');
      expect(res.headers.get('cache-control')).toBe('no-store, no-cache, must-revalidate, max-age=0');
      expect(res.headers.get('access-control-allow-headers')).toBe('a, b, c');
      const plain = await post(`${session()}/xhr`);
      expect(plain.headers.get('access-control-allow-headers')).toBeNull();
    });

    it('escapes what browsers mangle and reads back what clients escape', async () => {
      const path = session();
      await post(`${path}/xhr`);
      const mangled = '\u200c\u2028\u2029\u2060\ufff0\uffff';
      expect((await post(`${path}/xhr_send`, JSON.stringify([mangled]))).status).toBe(204);
      expect(await text(post(`${path}/xhr`))).toBe('a["\\u200c\\u2028\\u2029\\u2060\\ufff0\\uffff"]\n');
    });

    it('a poll aborted by the client ends the session: the next request gets 1002', async () => {
      const path = session();
      await post(`${path}/xhr`);
      // Wait for the server to hold the poll, and then to see it aborted, rather than for fixed delays: on
      // a loaded machine 50 ms could pass before the server read the poll, and the next poll became the
      // waiting one (the test then timed out).
      const held = new Promise<IncomingMessage>((resolve) => server.once('request', resolve));
      const waiting = await RawHttp.open(port, 'POST', `${path}/xhr`);
      const request = await held;
      await new Promise((r) => setImmediate(r));
      const aborted = new Promise((resolve) => request.socket.once('close', resolve));
      waiting.socket.destroy();
      await aborted;
      expect(await text(post(`${path}/xhr`))).toBe('c[1002,"Connection interrupted"]\n');
    });
  });

  describe('streaming transports', () => {
    it('xhr_streaming: 2 KiB prelude, frames, the send echoed, and the stream ended past its byte limit', async () => {
      const path = session();
      const stream = await RawHttp.open(port, 'POST', `${path}/xhr_streaming`);
      await stream.waitFor(`${'h'.repeat(2048)}\n`);
      await stream.waitFor('o\n');
      expect(stream.text).toMatch(/content-type: application\/javascript; charset=UTF-8/i);
      expect(stream.text).toMatch(/transfer-encoding: chunked/i);
      const msg = `"${'x'.repeat(128)}"`;
      for (let i = 0; i < 31 && !stream.closed; i += 1) expect((await post(`${path}/xhr_send`, `[${msg}]`)).status).toBe(204);
      await stream.waitFor(`a[${msg}]\n`);
      // 4 KiB written: the response ends so the browser can free it; the session lives on.
      await stream.waitFor(/0\r\n\r\n$/);
      expect((await post(`${path}/xhr_send`, '["after"]')).status).toBe(204);
      expect(await text(post(`${path}/xhr`))).toBe('a["after"]\n');
      stream.socket.destroy();
    });

    it('eventsource: a newline prelude and data: lines', async () => {
      const path = session();
      const stream = await RawHttp.open(port, 'GET', `${path}/eventsource`);
      await stream.waitFor('data: o\r\n\r\n');
      expect(stream.text).toMatch(/content-type: text\/event-stream; charset=UTF-8/i);
      expect(stream.text).toMatch(/cache-control: no-store, no-cache, must-revalidate, max-age=0/i);
      expect((await post(`${path}/xhr_send`, '["  \\u0000\\n\\r "]')).status).toBe(204);
      await stream.waitFor('data: a["  \\u0000\\n\\r "]\r\n\r\n');
      stream.socket.destroy();
    });

    it('htmlfile: a page past 1 KiB calling the parent, then a script per frame; the callback is required and checked', async () => {
      const path = session();
      const stream = await RawHttp.open(port, 'GET', `${path}/htmlfile?c=%63allback`);
      await stream.waitFor('<script>\np("o");\n</script>\r\n');
      expect(stream.text).toMatch(/var c = parent\.callback;/);
      const page = stream.text.slice(stream.text.indexOf('<!doctype html>'), stream.text.indexOf('<script>\np("o")'));
      expect(page.length).toBeGreaterThan(1024);
      expect((await post(`${path}/xhr_send`, '["x"]')).status).toBe(204);
      await stream.waitFor('<script>\np("a[\\"x\\"]");\n</script>\r\n');
      stream.socket.destroy();
      const none = await fetch(`${base}${session()}/htmlfile`);
      expect([none.status, await none.text()]).toEqual([500, '"callback" parameter required']);
      const evil = await fetch(`${base}${session()}/htmlfile?c=${encodeURIComponent('alert(1);x')}`);
      expect([evil.status, await evil.text()]).toEqual([500, 'invalid "callback" parameter']);
    });

    it('a second streaming request gets 2010; after a close, every request gets the close frame and ends', async () => {
      const path = session();
      const first = await RawHttp.open(port, 'POST', `${path}/xhr_streaming`);
      await first.waitFor('o\n');
      const second = await RawHttp.open(port, 'POST', `${path}/xhr_streaming`);
      await second.waitFor('c[2010,"Another connection still open"]\n');
      first.socket.destroy();
      const closing = session('close');
      const r1 = await RawHttp.open(port, 'POST', `${closing}/xhr_streaming`);
      await r1.waitFor('c[3000,"Go away!"]\n');
      const r2 = await RawHttp.open(port, 'POST', `${closing}/xhr_streaming`);
      await r2.waitFor('c[3000,"Go away!"]\n');
      await r2.waitFor('0\r\n\r\n');
    });

    it('HTTP/1.0 streams have neither chunking nor a length, and end with the connection', async () => {
      const raw = connect(port, '127.0.0.1');
      let got = '';
      raw.on('data', (d: Buffer) => (got += d.toString()));
      raw.write(`POST ${session('close')}/xhr_streaming HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n`);
      await new Promise<void>((resolve) => raw.once('close', () => resolve()));
      expect(got).not.toMatch(/transfer-encoding/i);
      expect(got).not.toMatch(/content-length/i);
      expect(got).toMatch(/\r\n\r\nh{2048}\no\nc\[3000,"Go away!"\]\n$/);
    });
  });

  describe('jsonp-polling', () => {
    it('polls through a callback and takes form-encoded or raw sends', async () => {
      const path = session();
      const first = await fetch(`${base}${path}/jsonp?c=%63allback`);
      expect(first.headers.get('content-type')).toBe('application/javascript; charset=UTF-8');
      expect(first.headers.get('cache-control')).toBe('no-store, no-cache, must-revalidate, max-age=0');
      expect(await first.text()).toBe('/**/callback("o");\r\n');
      const form = await post(`${path}/jsonp_send`, 'd=%5B%22x%22%5D', { 'content-type': 'application/x-www-form-urlencoded' });
      expect([form.status, await form.text(), form.headers.get('content-type')]).toEqual([200, 'ok', 'text/plain; charset=UTF-8']);
      expect(await text(post(`${path}/jsonp_send`, '["%61bc"]', { 'content-type': 'text/plain' }))).toBe('ok');
      expect(await text(fetch(`${base}${path}/jsonp?c=callback`))).toBe('/**/callback("a[\\"x\\",\\"%61bc\\"]");\r\n');
    });

    it('answers broken and empty sends with 500, needs a callback, and serves the close frame', async () => {
      const path = session();
      await fetch(`${base}${path}/jsonp?c=x`);
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const broken = await post(`${path}/jsonp_send`, 'd=%5B%22x', form);
      expect([broken.status, await broken.text()]).toEqual([500, 'Broken JSON encoding.']);
      for (const body of ['', 'd=', 'p=p']) {
        const empty = await post(`${path}/jsonp_send`, body, form);
        expect([empty.status, await empty.text()]).toEqual([500, 'Payload expected.']);
      }
      const none = await fetch(`${base}${session()}/jsonp`);
      expect([none.status, await none.text()]).toEqual([500, '"callback" parameter required']);
      const closing = session('close');
      expect(await text(fetch(`${base}${closing}/jsonp?c=x`))).toBe('/**/x("o");\r\n');
      expect(await text(fetch(`${base}${closing}/jsonp?c=x`))).toBe('/**/x("c[3000,\\"Go away!\\"]");\r\n');
    });
  });

  describe('backlog', () => {
    it('a streaming session whose backlog has not drained for two ping intervals is reported stalled', async () => {
      let opened: SockJsSession | undefined;
      const watched = new SockJsServer({
        prefix: '/stall',
        heartbeatMs: 25_000,
        disconnectDelayMs: 5_000,
        pingIntervalMs: 200,
        maxFrameBytes: 1024 * 1024,
        responseLimitBytes: 1024 * 1024 * 1024,
        closeGraceMs: 2_000,
        addressOf: () => '127.0.0.1',
        maxClosedPerAddress: 1_000,
        onSession: (s) => (opened = s),
        onStalled: (s) => stalled.push(s),
      });
      services.push(watched);
      const own = createServer((req, res) => watched.handleRequest(req, res));
      await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
      try {
        const stream = await RawHttp.open((own.address() as AddressInfo).port, 'POST', `/stall/000/${randomBytes(6).toString('hex')}/xhr_streaming`);
        await stream.waitFor('o\n');
        stream.socket.pause();
        // Enough to fill the kernel's buffers on both ends and leave a backlog in the node's.
        const chunk = 'x'.repeat(64 * 1024);
        for (let i = 0; i < 200; i += 1) opened!.send(chunk);
        expect(opened!.backlogBytes).toBeGreaterThan(0);
        const before = stalled.length;
        // Reported from the third tick on (nobody here cuts it off, as the transport would): about 600 ms,
        // waited for up to 5 s because a loaded machine delays timers.
        for (const until = Date.now() + 5_000; stalled.length === before && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
        const reports = stalled.slice(before);
        expect(reports.length).toBeGreaterThan(0);
        expect(reports.every((s) => s === opened)).toBe(true);
        stream.socket.destroy();
      } finally {
        own.closeAllConnections();
        await new Promise((resolve) => own.close(resolve));
      }
    });
  });

  describe('websocket', () => {
    it('opens, echoes, ignores empty frames, and lets a session id be reused', async () => {
      const path = `${session()}/websocket`;
      const one = await rawWebSocket(port, path);
      const two = await rawWebSocket(port, path);
      await one.reader.text((t) => t === 'o');
      await two.reader.text((t) => t === 'o');
      one.socket.write(clientFrame(1, ''));
      one.socket.write(clientFrame(1, '["a"]'));
      two.socket.write(clientFrame(1, '"b"'));
      expect(await one.reader.text((t) => t.startsWith('a'))).toBe('a["a"]');
      expect(await two.reader.text((t) => t.startsWith('a'))).toBe('a["b"]');
      one.socket.destroy();
      two.socket.destroy();
    });

    it('closes with the close frame, and on broken framing (1002)', async () => {
      const closing = await rawWebSocket(port, `${session('close')}/websocket`);
      expect(await closing.reader.text((t) => t.startsWith('c'))).toBe('c[3000,"Go away!"]');
      closing.socket.write(clientFrame(8, Buffer.from([0x0b, 0xb8])));
      await new Promise<void>((resolve) => closing.socket.once('close', () => resolve()));
      expect(closing.reader.closeCode()).toBe(3000);
      const broken = await rawWebSocket(port, `${session()}/websocket`);
      await broken.reader.text((t) => t === 'o');
      broken.socket.write(clientFrame(1, '["a'));
      expect(await broken.reader.text((t) => t.startsWith('c'))).toBe('c[1002,"Broken framing"]');
      broken.socket.write(clientFrame(8, Buffer.from([0x03, 0xea])));
      await new Promise<void>((resolve) => broken.socket.once('close', () => resolve()));
      expect(broken.reader.closeCode()).toBe(1002);
    });

    it('refuses plain HTTP on the WebSocket URL', async () => {
      const get = await fetch(`${base}${session()}/websocket`);
      expect([get.status, await get.text()]).toEqual([400, 'Can "Upgrade" only to "WebSocket".']);
      const wrong = await post(`${session()}/websocket`);
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toBe('GET');
    });
  });
});
