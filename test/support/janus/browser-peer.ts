import type { Page } from 'playwright-core';
import type { IceCandidate } from '../../../src/domain';

/** What the page script below installs as `window.peerLab`; only plain data crosses the page boundary. */
interface PeerLab {
  publishOffer(name: string): Promise<string>;
  setAnswer(name: string, sdp: string): Promise<void>;
  answerOffer(name: string, sdp: string): Promise<string>;
  takeCandidates(name: string): IceCandidate[];
  addCandidate(name: string, candidate: IceCandidate): Promise<void>;
  connectionState(name: string): string;
  framesDecoded(name: string): Promise<number>;
}

/** Runs in the page (plain JavaScript: this project compiles without DOM types). */
const PAGE_SCRIPT = `
window.peerLab = (() => {
  const peers = {}, candidates = {};
  const create = (name) => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    peers[name] = pc;
    candidates[name] = [];
    pc.onicecandidate = (e) => e.candidate && candidates[name].push(e.candidate.toJSON());
    return pc;
  };
  return {
    async publishOffer(name) {
      const pc = create(name);
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
      for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      await pc.setLocalDescription(await pc.createOffer());
      return pc.localDescription.sdp;
    },
    async setAnswer(name, sdp) { await peers[name].setRemoteDescription({ type: 'answer', sdp }); },
    async answerOffer(name, sdp) {
      const pc = create(name);
      await pc.setRemoteDescription({ type: 'offer', sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      return pc.localDescription.sdp;
    },
    takeCandidates(name) { return (candidates[name] || []).splice(0); },
    async addCandidate(name, candidate) { await peers[name].addIceCandidate(candidate); },
    connectionState(name) { return peers[name] ? peers[name].connectionState : 'none'; },
    async framesDecoded(name) {
      if (!peers[name]) return 0;
      let frames = 0;
      (await peers[name].getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded || 0; });
      return frames;
    },
  };
})();
`;

/** The page's globals; each evaluated function names them itself (it is serialized, closures do not travel). */
type LabWindow = { peerLab: PeerLab };

/**
 * Chromium's WebRTC stack driven from a test, one RTCPeerConnection per named link: the real client side
 * for gateway tests that need Janus to see live media (Janus only lets subscribers join a publisher whose
 * PeerConnection is up). The page is an empty document served by Playwright's router at a loopback
 * origin (a secure context, so getUserMedia works; nothing listens there), with the fake camera of the
 * launch flags.
 */
export class BrowserPeer {
  private constructor(private readonly page: Page) {}

  static async open(page: Page): Promise<BrowserPeer> {
    const origin = 'http://127.0.0.1/janus-browser-peer';
    await page.route(origin, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>peer</title>' }));
    await page.goto(origin);
    await page.evaluate(PAGE_SCRIPT);
    return new BrowserPeer(page);
  }

  /** A sendonly offer with the fake camera and microphone, on link `name`. */
  publishOffer(name: string): Promise<string> {
    return this.page.evaluate((n) => (globalThis as unknown as LabWindow).peerLab.publishOffer(n), name);
  }

  setAnswer(name: string, sdp: string): Promise<void> {
    return this.page.evaluate(([n, s]) => (globalThis as unknown as LabWindow).peerLab.setAnswer(n, s), [name, sdp] as const);
  }

  /** Answers a server offer (a subscription) on link `name`. */
  answerOffer(name: string, sdp: string): Promise<string> {
    return this.page.evaluate(([n, s]) => (globalThis as unknown as LabWindow).peerLab.answerOffer(n, s), [name, sdp] as const);
  }

  /** Candidates gathered on link `name` since the last call. */
  takeCandidates(name: string): Promise<IceCandidate[]> {
    return this.page.evaluate((n) => (globalThis as unknown as LabWindow).peerLab.takeCandidates(n), name);
  }

  addCandidate(name: string, candidate: IceCandidate): Promise<void> {
    return this.page.evaluate(([n, c]) => (globalThis as unknown as LabWindow).peerLab.addCandidate(n, c), [name, candidate] as const);
  }

  connectionState(name: string): Promise<string> {
    return this.page.evaluate((n) => (globalThis as unknown as LabWindow).peerLab.connectionState(n), name);
  }

  framesDecoded(name: string): Promise<number> {
    return this.page.evaluate((n) => (globalThis as unknown as LabWindow).peerLab.framesDecoded(n), name);
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}

/** Polls `probe` until it returns true, or fails with `what` after `timeoutMs`. */
export const eventually = async (what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
};
