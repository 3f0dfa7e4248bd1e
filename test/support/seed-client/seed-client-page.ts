import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SOCKJS_OPEN_TIMEOUT_MS } from '../sockjs-open-timeout';

/**
 * A browser client written the way the seed's own clients were (../shared/protocol-seed.md: its static
 * group-call page and its Vue app's voice module), to hold the server to them: SockJS at /rtc, the typed
 * name as `userId`, one send-only peer connection for its own media and one receive-only peer connection
 * per other participant, **the client making every offer** (`receiveVideoFrom` with its own id, then with
 * each member's), ICE candidates trickled as soon as the browser finds them (before the answer), candidates
 * from the server queued until the answer is set, and the Vue app's toggles with booleans as strings
 * (`{"id":"audioStateFrom","userId":…,"audio":"false"}`). It knows only the seed's messages; anything else
 * the server sends (errors, the additions) is only recorded.
 *
 * Runs in the page, so it is plain JavaScript (this project compiles without DOM types).
 */
const CLIENT_SCRIPT = `
window.seedClient = (() => {
  let sock, self, room, stream;
  const peers = {};            // userId -> { pc, queued: [], own }
  const log = [];              // every message received, as parsed
  const sent = [];             // every message sent
  const send = (message) => { sent.push(message); sock.send(JSON.stringify(message)); };

  const peerFor = (userId, own) => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    const entry = { pc, queued: [], own };
    peers[userId] = entry;
    // Trickle at once, before the answer: what the seed's kurento-utils client does.
    pc.onicecandidate = (e) => { if (e.candidate) send({ id: 'onIceCandidate', userId, candidate: e.candidate.toJSON() }); };
    return entry;
  };

  const publish = async () => {
    const entry = peerFor(self, true);
    stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
    for (const track of stream.getTracks()) entry.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    await entry.pc.setLocalDescription(await entry.pc.createOffer());
    send({ id: 'receiveVideoFrom', userId: self, sdpOffer: entry.pc.localDescription.sdp });
  };

  const receiveVideo = async (userId) => {
    if (peers[userId]) peers[userId].pc.close();
    const entry = peerFor(userId, false);
    entry.pc.addTransceiver('audio', { direction: 'recvonly' });
    entry.pc.addTransceiver('video', { direction: 'recvonly' });
    await entry.pc.setLocalDescription(await entry.pc.createOffer());
    send({ id: 'receiveVideoFrom', userId, sdpOffer: entry.pc.localDescription.sdp });
  };

  const onMessage = async (message) => {
    log.push(message);
    switch (message.id) {
      case 'existingParticipants':
        await publish();
        for (const member of message.members) await receiveVideo(member.userId);
        break;
      case 'newParticipantArrived':
        await receiveVideo(message.member.userId);
        break;
      case 'participantLeft':
        if (peers[message.userId]) { peers[message.userId].pc.close(); delete peers[message.userId]; }
        break;
      case 'receiveVideoAnswer': {
        const entry = peers[message.userId];
        if (!entry) break;
        await entry.pc.setRemoteDescription({ type: 'answer', sdp: message.sdpAnswer });
        for (const c of entry.queued.splice(0)) await entry.pc.addIceCandidate(c);
        break;
      }
      case 'iceCandidate': {
        const entry = peers[message.userId];
        if (!entry) break;
        if (entry.pc.remoteDescription) await entry.pc.addIceCandidate(message.candidate);
        else entry.queued.push(message.candidate);
        break;
      }
      default:
        break; // videoStateAnswer, audioStateAnswer, limitJoinAnswer, and anything the seed never knew
    }
  };

  return {
    join(transport, roomId, userId) {
      self = userId; room = roomId;
      return new Promise((resolve, reject) => {
        // The seed's clients pass no timeout (see sockjs-open-timeout.ts); it changes nothing on the wire.
        sock = new SockJS('/rtc', null, { transports: [transport], timeout: ${SOCKJS_OPEN_TIMEOUT_MS} });
        sock.onopen = () => {
          send({ id: 'joinRoom', token: '', userId, communityId: '0', roomId, video: true, audio: true });
          resolve(sock.transport);
        };
        sock.onmessage = (e) => { onMessage(JSON.parse(e.data)).catch((err) => log.push({ id: 'clientError', message: String(err) })); };
        sock.onclose = (e) => { log.push({ id: 'closed' }); reject(new Error('SockJS closed before it opened: ' + e.code + ' ' + e.reason)); };
        setTimeout(() => reject(new Error('SockJS did not open')), ${SOCKJS_OPEN_TIMEOUT_MS} + 5000);
      });
    },
    toggleAudio(on) { send({ id: 'audioStateFrom', userId: self, audio: on ? 'true' : 'false' }); },
    toggleVideo(on) { send({ id: 'videoStateFrom', userId: self, video: on ? 'true' : 'false' }); },
    leave() { send({ id: 'leaveRoom' }); for (const id of Object.keys(peers)) { peers[id].pc.close(); delete peers[id]; } },
    close() { sock.close(); },
    transport() { return sock ? sock.transport : null; },
    messages() { return log.slice(); },
    sentMessages() { return sent.slice(); },
    signalingStates() { const out = {}; for (const id of Object.keys(peers)) out[id] = peers[id].pc.signalingState; return out; },
    connectionStates() { const out = {}; for (const id of Object.keys(peers)) out[id] = peers[id].pc.connectionState; return out; },
    async framesDecoded() {
      const out = {};
      for (const id of Object.keys(peers)) {
        if (peers[id].own) continue;
        let frames = 0;
        (await peers[id].pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded || 0; });
        out[id] = frames;
      }
      return out;
    },
  };
})();
`;

const ROOT = resolve(__dirname, '..', '..', '..');

/**
 * Writes the seed client's page (and the sockjs-client bundle it loads) into a folder for a node to serve
 * as its STATIC_DIR. The page must come from the node's own origin over the network: Chromium's Local
 * Network Access checks block a page made up by the test (route.fulfill) from opening a WebSocket to
 * 127.0.0.1, and a same-origin page needs no CORS for SockJS's XHR transports.
 */
export const seedClientSite = (): string => {
  const dir = resolve(ROOT, '.tmp', `seed-client-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(resolve(dir, 'sockjs.min.js'), readFileSync(resolve(ROOT, 'node_modules', 'sockjs-client', 'dist', 'sockjs.min.js')));
  writeFileSync(
    resolve(dir, 'seed-client.html'),
    `<!doctype html><meta charset="utf-8"><title>seed client</title><script src="/sockjs.min.js"></script><script>${CLIENT_SCRIPT}</script>`,
  );
  return dir;
};

export type SockJsTransport = 'websocket' | 'xhr-streaming' | 'xhr-polling';

export interface SeedMessage {
  readonly id: string;
  readonly [key: string]: unknown;
}

type SeedWindow = { seedClient: Record<string, (...args: unknown[]) => unknown> };

/** One seed-style client in its own page, served by the node (see seedClientSite). */
export class SeedClientPage {
  private constructor(
    readonly page: Page,
    readonly userId: string,
  ) {}

  /** Opens the page of the node at `httpUrl` (STATIC_DIR = seedClientSite()) and joins `roomId` as `userId` over `transport`. */
  static async open(browser: Browser, httpUrl: string, transport: SockJsTransport, roomId: string, userId: string): Promise<SeedClientPage> {
    const page = await browser.newPage();
    await page.goto(`${httpUrl}/seed-client.html`);
    const used = await page.evaluate(([t, r, u]) => (globalThis as unknown as SeedWindow).seedClient.join!(t, r, u) as Promise<string>, [transport, roomId, userId] as const);
    if (used !== transport) throw new Error(`SockJS opened ${used}, not ${transport}`);
    return new SeedClientPage(page, userId);
  }

  private call<T>(name: string, ...args: unknown[]): Promise<T> {
    return this.page.evaluate(([n, a]) => (globalThis as unknown as SeedWindow).seedClient[n as string]!(...(a as unknown[])) as T, [name, args] as const);
  }

  messages(): Promise<SeedMessage[]> {
    return this.call('messages');
  }

  sentMessages(): Promise<SeedMessage[]> {
    return this.call('sentMessages');
  }

  signalingStates(): Promise<Record<string, string>> {
    return this.call('signalingStates');
  }

  connectionStates(): Promise<Record<string, string>> {
    return this.call('connectionStates');
  }

  framesDecoded(): Promise<Record<string, number>> {
    return this.call('framesDecoded');
  }

  toggleAudio(on: boolean): Promise<void> {
    return this.call('toggleAudio', on);
  }

  toggleVideo(on: boolean): Promise<void> {
    return this.call('toggleVideo', on);
  }

  leave(): Promise<void> {
    return this.call('leave');
  }

  /** Waits until a received message matches `where`; returns it. */
  async waitForMessage(where: (m: SeedMessage) => boolean, timeoutMs: number, what: string): Promise<SeedMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await this.messages()).find(where);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`${this.userId}: no ${what} within ${timeoutMs} ms; got ${JSON.stringify(await this.messages()).slice(0, 1500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}

/** Polls `probe` until it holds, failing with the last value seen. */
export const until = async <T>(what: string, probe: () => Promise<T>, holds: (value: T) => boolean, timeoutMs: number): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!holds(last)) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
    last = await probe();
  }
  return last;
};
