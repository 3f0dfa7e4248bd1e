import { randomBytes } from 'node:crypto';
import type { RunningNode } from '../../../src/start-node';
import { SignalingClient } from '../../support/signaling-client';
import { RawHttp, tcpConnect } from './raw-clients';
import { eventually, http, startSecureNode } from './security-kit';

jest.setTimeout(60_000);

/**
 * Attacks on the SockJS HTTP fallback transports (xhr-streaming, xhr-polling, eventsource, htmlfile,
 * jsonp) of a running node: what a hostile client can do with sessions that span several HTTP requests.
 */

const newBase = (): string => `/rtc/000/${randomBytes(6).toString('hex')}`;
const joinText = (userId: string, roomId: string): string =>
  JSON.stringify({ id: 'joinRoom', userId, roomId, communityId: '1', video: false, audio: true });

const xhrSend = async (node: RunningNode, base: string, messages: string[]): Promise<number> =>
  (await fetch(`${node.httpUrl}${base}/xhr_send`, { method: 'POST', body: JSON.stringify(messages) })).status;

const poll = async (node: RunningNode, base: string): Promise<string> => (await fetch(`${node.httpUrl}${base}/xhr`, { method: 'POST' })).text();

/** Bytes after the response head, de-chunked (the node streams with chunked encoding). */
const dechunk = (raw: string): string => {
  let rest = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  let body = '';
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol === -1) return body;
    const size = parseInt(rest.slice(0, eol), 16);
    if (!Number.isFinite(size) || size === 0) return body;
    body += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
};

describe('SockJS HTTP transports under attack (node in this process)', () => {
  let node: RunningNode;
  const port = (): number => Number(new URL(node.httpUrl).port);

  beforeAll(async () => {
    node = await startSecureNode({ MAX_HTTP_REQUESTS_PER_IP: '1000' });
  });
  afterAll(() => node.stop());

  it('htmlfile: a room member whose userId holds </script> cannot break out of the frame scripts (no XSS on the node origin)', async () => {
    const room = 'c-htmlfile-xss';
    const base = newBase();
    const victim = await RawHttp.open(port(), 'GET', `${base}/htmlfile?c=cb`);
    await victim.waitFor('p("o")');
    expect(await xhrSend(node, base, [joinText('victim', room)])).toBe(204);
    await victim.waitFor('existingParticipants');

    // Any member's userId reaches every other member (newParticipantArrived); identifiers may hold `<` and `/`.
    const payload = '</script><script>alert(document.domain)</script><!--<script>';
    const attacker = await SignalingClient.connect(node.wsUrl);
    await attacker.join({ userId: payload, roomId: room });
    await victim.waitFor('newParticipantArrived');

    // Read the stream as an HTML parser does: a script element ends at the first `</script`, whatever
    // JSON string it is in. Each must be exactly one `p("<frame>")` call.
    const page = dechunk(victim.text);
    const afterPrelude = page.slice(page.indexOf('\r\n\r\n') + 4);
    const scripts: string[] = [];
    let rest = afterPrelude;
    while (rest.length > 0) {
      expect(rest.startsWith('<script>\n')).toBe(true);
      const end = rest.search(/<\/script/i);
      expect(end).toBeGreaterThan(0);
      scripts.push(rest.slice('<script>\n'.length, end));
      rest = rest.slice(end).replace(/^<\/script>\r\n/, '');
      if (!rest.startsWith('<script>')) break;
    }
    expect(rest).toBe('');
    const frames = scripts.map((s) => {
      expect(s).toMatch(/^p\(".*"\);\n$/s);
      expect(s).not.toMatch(/<!--|<script/i);
      return JSON.parse(s.slice(2, -3)) as string;
    });
    expect(frames.join('\n')).toContain('newParticipantArrived');
    // What the browser's p() gets is still the frame the member sent, unchanged.
    const arrival = frames.find((f) => f.includes('newParticipantArrived'))!;
    const message = JSON.parse((JSON.parse(arrival.slice(1)) as string[])[0]!) as { member: { userId: string } };
    expect(message.member.userId).toBe(payload);

    victim.socket.destroy();
    await attacker.close();
  });

  it('a receiving request pipelined behind another on one connection: when the connection dies, its member leaves at once', async () => {
    const room = 'c-pipelined';
    const observer = await SignalingClient.connect(node.wsUrl);
    await observer.join({ userId: 'observer', roomId: room });

    // Two streams on one keep-alive connection: the second waits for the first, which never ends.
    const first = newBase();
    const second = newBase();
    const socket = await tcpConnect(port());
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    const stream = (base: string): string => `POST ${base}/xhr_streaming HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`;
    socket.write(stream(first) + stream(second));
    await eventually(() => received.includes('\no\n'), 5_000, 'the first stream to open');

    // The second session is open too (its open frame waits behind the first stream): it joins.
    expect(await xhrSend(node, second, [joinText('piped', room)])).toBe(204);
    expect(await observer.next('newParticipantArrived')).toMatchObject({ member: { userId: 'piped' } });

    socket.destroy();
    // An aborted stream leaves at once; give it the session's disconnect delay (5 s) and a little.
    expect(await observer.next('participantLeft', undefined, 7_000)).toEqual({ id: 'participantLeft', userId: 'piped' });
    await observer.close();
  });

  it('sound: a streaming receiver that disconnects mid-stream takes its member out of the room at once', async () => {
    const room = 'c-stream-abort';
    const observer = await SignalingClient.connect(node.wsUrl);
    await observer.join({ userId: 'observer', roomId: room });
    for (const [method, transport, query] of [
      ['POST', 'xhr_streaming', ''],
      ['GET', 'eventsource', ''],
      ['GET', 'htmlfile', '?c=cb'],
    ] as const) {
      const base = newBase();
      const stream = await RawHttp.open(port(), method, `${base}/${transport}${query}`);
      await stream.waitFor(/(\n|data: |p\(")o/);
      expect(await xhrSend(node, base, [joinText(transport, room)])).toBe(204);
      await observer.next('newParticipantArrived', (m) => (m.member as { userId: string }).userId === transport);
      const cut = Date.now();
      stream.socket.destroy();
      expect(await observer.next('participantLeft', (m) => m.userId === transport, 2_000)).toBeDefined();
      expect(Date.now() - cut).toBeLessThan(1_000);
    }
    await observer.close();
  });

  it('sound: a polling session that stops polling leaves its room after the disconnect delay; a send then is refused and seats no one', async () => {
    const room = 'c-poll-timeout';
    const observer = await SignalingClient.connect(node.wsUrl);
    await observer.join({ userId: 'observer', roomId: room });
    const base = newBase();
    expect(await poll(node, base)).toBe('o\n');
    expect(await xhrSend(node, base, [joinText('poller', room)])).toBe(204);
    await observer.next('newParticipantArrived');
    expect(await observer.next('participantLeft', undefined, 8_000)).toEqual({ id: 'participantLeft', userId: 'poller' });
    // Closed: a late joinRoom is refused before its body is read, and no one arrives.
    expect(await xhrSend(node, base, [joinText('late', room)])).toBe(404);
    await observer.expectNone('newParticipantArrived', 500);
    await observer.close();
  });

  it('sound: joinRoom sends racing the death of their session\'s stream seat no one for good', async () => {
    const room = 'c-join-race';
    const observer = await SignalingClient.connect(node.wsUrl);
    await observer.join({ userId: 'observer', roomId: room });
    const ROUNDS = 30;
    for (let i = 0; i < ROUNDS; i += 1) {
      const base = newBase();
      const stream = await RawHttp.open(port(), 'POST', `${base}/xhr_streaming`);
      await stream.waitFor('\no\n');
      // The join and the stream's end reach the node together; sometimes the join comes first.
      const send = xhrSend(node, base, [joinText(`racer-${i}`, room)]);
      if (i % 2 === 0) await new Promise((r) => setImmediate(r));
      stream.socket.destroy();
      expect([204, 404]).toContain(await send);
    }
    // Every racer that arrived left again; the room holds the observer alone.
    await eventually(
      () => {
        const arrived = observer.received.filter((m) => m.id === 'newParticipantArrived').length;
        const left = observer.received.filter((m) => m.id === 'participantLeft').length;
        return arrived === left;
      },
      5_000,
      'every arrival to be matched by a participantLeft',
    );
    const second = await SignalingClient.connect(node.wsUrl);
    expect((await second.join({ userId: 'second', roomId: room })).members).toEqual([{ userId: 'observer', video: true, audio: true }]);
    await second.close();
    await observer.close();
  });

  it('sound: broken framing and non-string frames get 500 and keep the session; one body of 40,000 empty messages cuts the flooder off with a typed error', async () => {
    const base = newBase();
    expect(await poll(node, base)).toBe('o\n');
    for (const body of ['[1,2]', '{"a":1}', '[', '["a",null]', 'null']) {
      const res = await fetch(`${node.httpUrl}${base}/xhr_send`, { method: 'POST', body });
      expect([res.status, await res.text()]).toEqual([500, 'Broken JSON encoding.']);
    }
    expect(await xhrSend(node, base, [JSON.stringify({ id: 'ping', requestId: 'r1' })])).toBe(204);
    expect(await poll(node, base)).toContain('ack');

    const started = performance.now();
    expect(await xhrSend(node, base, new Array<string>(40_000).fill('{}'))).toBe(204);
    expect(performance.now() - started).toBeLessThan(2_000);
    const answer = await poll(node, base);
    expect(answer).toContain('kept sending above the message rate limit');
    expect(await poll(node, base)).toBe('c[1008,"rateLimited"]\n');
    expect((await http(node, 'GET', '/healthz')).status).toBe(200);
  });
});

describe('the per-address HTTP budget (MAX_HTTP_REQUESTS_PER_IP) with pipelined requests', () => {
  const LIMIT = 4;
  let node: RunningNode;
  beforeAll(async () => {
    node = await startSecureNode({ MAX_HTTP_REQUESTS_PER_IP: String(LIMIT), HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '1000' });
  });
  afterAll(() => node.stop());

  it('requests queued behind a stream on a connection that dies give their places back', async () => {
    const port = Number(new URL(node.httpUrl).port);
    const socket = await tcpConnect(port);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    const info = 'GET /rtc/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    socket.write(`POST ${newBase()}/xhr_streaming HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n${info.repeat(LIMIT - 1)}`);
    await eventually(() => received.includes('\no\n'), 5_000, 'the stream to open');
    socket.destroy();

    // Every place is free again: LIMIT streams at once are all served.
    await eventually(
      async () => {
        const streams = await Promise.all(Array.from({ length: LIMIT }, () => RawHttp.open(port, 'POST', `${newBase()}/xhr_streaming`)));
        await Promise.all(streams.map((s) => eventually(() => /\no\n|^HTTP\/1\.1 429/.test(s.text), 5_000, 'an answer').catch(() => undefined)));
        const served = streams.filter((s) => s.text.includes('\no\n')).length;
        for (const s of streams) s.socket.destroy();
        await new Promise((r) => setTimeout(r, 50));
        return served === LIMIT;
      },
      3_000,
      `${LIMIT} streams served at once after the pipelining connection died`,
    );
  });

  it('sound: an xhr_send whose body never ends is cut off by the request timeout, gives its place back, and the session goes on', async () => {
    const port = Number(new URL(node.httpUrl).port);
    const base = newBase();
    const stream = await RawHttp.open(port, 'POST', `${base}/xhr_streaming`);
    await stream.waitFor('\no\n');
    const slow = await RawHttp.open(port, 'POST', `${base}/xhr_send`, { 'content-length': '1000' }, '["{\\"id\\":\\"ping');
    const trickle = setInterval(() => slow.socket.write(' '), 200);
    const started = Date.now();
    await eventually(() => slow.closed, 5_000, 'the slow send to be cut off');
    clearInterval(trickle);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(stream.closed).toBe(false);
    expect(await xhrSend(node, base, [JSON.stringify({ id: 'ping', requestId: 'after-slow' })])).toBe(204);
    await stream.waitFor('after-slow');
    // Its place is free: the stream and LIMIT - 1 more fill the budget.
    const more = await Promise.all(Array.from({ length: LIMIT - 1 }, () => RawHttp.open(port, 'POST', `${newBase()}/xhr_streaming`)));
    for (const s of more) await s.waitFor('\no\n');
    for (const s of [stream, ...more]) s.socket.destroy();
  });
});
