import { resolve } from 'node:path';
import SockJS from 'sockjs-client';
import { SOCKJS_OPEN_TIMEOUT_MS } from '../../support/sockjs-open-timeout';
import { launchDemoBrowser, type DemoBrowser } from '../../support/demo-browser';
import { SignalingClient } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';
import type { RunningNode } from '../../../src/start-node';
import { clientFrame, rawWebSocket } from '../security/raw-clients';

jest.setTimeout(20_000);

type Message = Record<string, unknown> & { id: string };

type OpenSockJs = { sock: WebSocket; inbox: Message[]; next: (id: string) => Promise<Message>; closedWith: () => string };

const openSockJs = async (url: string, transports: string[]): Promise<OpenSockJs> => {
  const sock = new SockJS(url, undefined, { transports, timeout: SOCKJS_OPEN_TIMEOUT_MS }) as unknown as WebSocket;
  const inbox: Message[] = [];
  // For a failure's message: whether the client itself saw its close through.
  let closeEvent = 'saw no close event';
  sock.addEventListener('close', (event: { code: number; reason: string }) => (closeEvent = `closed ${event.code} ${event.reason}`));
  const waiters: ((m: Message) => boolean)[] = [];
  sock.onmessage = (event: MessageEvent) => {
    const m = JSON.parse(String(event.data)) as Message;
    const i = waiters.findIndex((w) => w(m));
    if (i >= 0) waiters.splice(i, 1);
    else inbox.push(m);
  };
  await new Promise<void>((resolve, reject) => {
    sock.onopen = () => resolve();
    sock.onerror = () => reject(new Error('sockjs error'));
  });
  const next = (id: string): Promise<Message> => {
    const found = inbox.findIndex((m) => m.id === id);
    if (found >= 0) return Promise.resolve(inbox.splice(found, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${id} over sockjs`)), 5000);
      waiters.push((m) => {
        if (m.id !== id) return false;
        clearTimeout(timer);
        resolve(m);
        return true;
      });
    });
  };
  return { sock, inbox, next, closedWith: () => closeEvent };
};

describe('SockJS at /rtc, sharing rooms with plain WebSocket clients', () => {
  let node: RunningNode;

  beforeAll(async () => {
    node = await startTestServer();
  });
  afterAll(async () => {
    await node.stop();
  });

  it.each([['websocket'], ['xhr-streaming'], ['xhr-polling'], ['eventsource']])('joins, relays and leaves over SockJS %s', async (transport) => {
    const room = `c-sockjs-${transport}`;
    const ws = await SignalingClient.connect(node.wsUrl);
    await ws.join({ userId: 'ws-user', roomId: room });
    const sj = await openSockJs(`${node.httpUrl}/rtc`, [transport]);

    sj.sock.send(JSON.stringify({ id: 'joinRoom', userId: 'sj-user', roomId: room, communityId: '1', video: false, audio: true }));
    const joined = await sj.next('existingParticipants');
    expect(joined.members).toEqual([{ userId: 'ws-user', video: true, audio: true }]);
    expect(await ws.next('newParticipantArrived')).toMatchObject({ member: { userId: 'sj-user', video: false } });

    sj.sock.send(JSON.stringify({ id: 'receiveVideoFrom', userId: 'ws-user', sdpOffer: 'v=0 via sockjs' }));
    expect(await ws.next('peerOffer')).toMatchObject({ userId: 'sj-user', sdpOffer: 'v=0 via sockjs' });
    ws.send({ id: 'peerAnswer', userId: 'sj-user', sdpAnswer: 'v=0 back' });
    expect(await sj.next('receiveVideoAnswer')).toEqual({ id: 'receiveVideoAnswer', userId: 'ws-user', sdpAnswer: 'v=0 back' });

    sj.sock.send('not json');
    expect(await sj.next('error')).toMatchObject({ code: 'badJson' });

    sj.sock.close();
    const left = await ws.next('participantLeft', undefined, 10_000).catch((error: Error) => {
      // Seen once on a loaded CI rehearsal, not understood yet: say what the SockJS client saw.
      throw new Error(`${error.message}; the SockJS client ${sj.closedWith()}`);
    });
    expect(left).toEqual({ id: 'participantLeft', userId: 'sj-user' });
    await ws.close();
  });

  it('a SockJS WebSocket that sent its close frame and is sent to before its socket closes still leaves the room', async () => {
    const room = 'c-sockjs-closing';
    const ws = await SignalingClient.connect(node.wsUrl);
    await ws.join({ userId: 'ws-user', roomId: room });
    // A client that sends its close frame and then keeps its end of the socket open (allowed: the node ends
    // the TCP connection, and destroys it after its close grace).
    const port = Number(new URL(node.httpUrl).port);
    const raw = await rawWebSocket(port, '/rtc/000/closing1/websocket', { allowHalfOpen: true });
    await raw.reader.text((t) => t === 'o');
    const join = JSON.stringify({ id: 'joinRoom', userId: 'sj-user', roomId: room, communityId: '1', video: false, audio: true });
    raw.socket.write(clientFrame(1, JSON.stringify([join])));
    await raw.reader.text((t) => t.includes('existingParticipants'));
    await ws.next('newParticipantArrived');
    const status = Buffer.alloc(2);
    status.writeUInt16BE(1000);
    raw.socket.write(clientFrame(8, status));
    for (let waited = 0; raw.reader.closeCode() === undefined; waited += 20) {
      if (waited > 5_000) throw new Error('the node did not answer the close frame');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Between the close handshake and the socket's end, a message for the closing member: another arrival.
    const third = await SignalingClient.connect(node.wsUrl);
    await third.join({ userId: 'third-user', roomId: room });
    expect(await ws.next('participantLeft', undefined, 8_000)).toEqual({ id: 'participantLeft', userId: 'sj-user' });
    raw.socket.destroy();
    await third.close();
    await ws.close();
  });

  it('a stopped node leaves no SockJS session timer holding the process open', async () => {
    // Timers that keep the event loop alive (unref'd ones are not listed).
    const liveTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = liveTimers();
    const own = await startTestServer();
    const sj = await openSockJs(`${own.httpUrl}/rtc`, ['xhr-streaming']);
    sj.sock.send(JSON.stringify({ id: 'joinRoom', userId: 'sj-stop', roomId: 'c-sockjs-stop', communityId: '1', video: false, audio: true }));
    await sj.next('existingParticipants');

    await own.stop();
    sj.sock.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // sockjs keeps a closed streaming session for its disconnect delay (5 s) on a timer; a stopped node
    // must not let that timer hold the process.
    expect(liveTimers()).toBeLessThanOrEqual(before);
  });
});

/**
 * The transports only a browser runs: htmlfile and jsonp-polling need a DOM, and the iframe variants
 * (used by pages on another origin) load the client script into the node's /rtc/iframe.html. The page is
 * served by the node itself (same origin) or, for the iframe variants, reached as `localhost` while SockJS
 * talks to `127.0.0.1` (another origin). The iframe page's CDN script is answered from node_modules.
 */
describe('SockJS transports that need a browser (Chromium)', () => {
  let node: RunningNode;
  let demo: DemoBrowser;
  const clientScript = resolve(__dirname, '../../../node_modules/sockjs-client/dist/sockjs.min.js');

  beforeAll(async () => {
    node = await startTestServer();
    demo = await launchDemoBrowser();
  });
  afterAll(async () => {
    await demo?.close();
    await node.stop();
  });

  it.each([
    ['htmlfile', 'same'],
    ['jsonp-polling', 'same'],
    ['iframe-eventsource', 'cross'],
    ['iframe-htmlfile', 'cross'],
    ['iframe-xhr-polling', 'cross'],
  ])('joins, relays and leaves over %s (%s origin)', async (transport, origin) => {
    const room = `c-browser-${transport}`;
    const ws = await SignalingClient.connect(node.wsUrl);
    await ws.join({ userId: 'ws-user', roomId: room });
    const context = await demo.browser.newContext();
    await context.route('https://cdn.jsdelivr.net/**', (route) => route.fulfill({ path: clientScript, contentType: 'application/javascript' }));
    const page = await context.newPage();
    try {
      await page.goto(origin === 'same' ? node.httpUrl : node.httpUrl.replace('127.0.0.1', 'localhost'));
      await page.addScriptTag({ path: clientScript });
      // The page keeps its socket and what it received on `window.sj`, across the evaluate calls below.
      const transportUsed = await page.evaluate(
        async ({ url, transport, room }) => {
          type Sock = { send(t: string): void; close(): void; transport: string; onopen: () => void; onmessage: (e: { data: string }) => void; onclose: (e: { code: number }) => void };
          const SockJs = (globalThis as unknown as { SockJS: new (u: string, p: null, o: object) => Sock }).SockJS;
          const sock = new SockJs(url, null, { transports: [transport] });
          const inbox: Record<string, unknown>[] = [];
          const waitFor = (id: string) =>
            new Promise<Record<string, unknown>>((done, fail) => {
              const started = Date.now();
              const look = (): void => {
                const found = inbox.find((m) => m.id === id);
                if (found) done(found);
                else if (Date.now() - started > 10_000) fail(new Error(`no ${id}`));
                else setTimeout(look, 20);
              };
              look();
            });
          (globalThis as unknown as { sj: object }).sj = { sock, waitFor };
          sock.onmessage = (e) => inbox.push(JSON.parse(e.data) as Record<string, unknown>);
          await new Promise<void>((done, fail) => {
            sock.onopen = () => done();
            sock.onclose = (e) => fail(new Error(`closed ${e.code}`));
          });
          sock.send(JSON.stringify({ id: 'joinRoom', userId: 'browser', roomId: room, communityId: '1', video: false, audio: true }));
          await waitFor('existingParticipants');
          sock.send(JSON.stringify({ id: 'receiveVideoFrom', userId: 'ws-user', sdpOffer: 'v=0 from the browser' }));
          return sock.transport;
        },
        { url: `${node.httpUrl}/rtc`, transport, room },
      );
      expect(transportUsed).toBe(transport);
      expect(await ws.next('newParticipantArrived')).toMatchObject({ member: { userId: 'browser' } });
      await ws.next('peerOffer', (m) => m.sdpOffer === 'v=0 from the browser');
      ws.send({ id: 'peerAnswer', userId: 'browser', sdpAnswer: 'v=0 back' });
      const answer = await page.evaluate(async () => {
        const { sock, waitFor } = (globalThis as unknown as { sj: { sock: { close(): void }; waitFor(id: string): Promise<unknown> } }).sj;
        const got = await waitFor('receiveVideoAnswer');
        sock.close();
        return got;
      });
      expect(answer).toEqual({ id: 'receiveVideoAnswer', userId: 'ws-user', sdpAnswer: 'v=0 back' });
    } finally {
      await context.close();
    }
    await ws.next('participantLeft', undefined, 10_000);
    await ws.close();
  });
});
