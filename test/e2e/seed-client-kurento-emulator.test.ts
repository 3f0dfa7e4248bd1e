import { chromium, type Browser } from 'playwright-core';
import { KurentoEmulator } from '../support/kurento-emulator';
import { KmsWireClient } from '../support/kurento-emulator/kms-wire-client';
import { BrowserPeer } from '../support/janus/browser-peer';
import { seedClientSite, SeedClientPage, until, type SockJsTransport } from '../support/seed-client/seed-client-page';
import { startTestServer } from '../support/start-server';
import type { RunningNode } from '../../src/start-node';

jest.setTimeout(120_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--disable-background-networking'];
const NEGOTIATION_TIMEOUT_MS = 30_000;

/**
 * The emulator's SDP must be what Chromium accepts from KMS: its answers and offers go into a real
 * RTCPeerConnection here. (The emulator carries no media, so nothing here decodes video; the same call
 * through the real KMS does, in seed-client-kurento.real-kms.ts.)
 */
describe('KMS emulator SDP in Chromium', () => {
  let browser: Browser;
  let kms: KurentoEmulator;
  let node: RunningNode;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    kms = new KurentoEmulator();
    await kms.start();
    node = await startTestServer({ MEDIA_BACKEND: 'kurento', KURENTO_URL: kms.url, STATIC_DIR: seedClientSite() });
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    await kms?.stop();
  });

  it("Chromium takes the emulator's answer to its offer, and the emulator's own offer (generateOffer)", async () => {
    const peer = await BrowserPeer.open(await browser.newPage());
    const client = await KmsWireClient.open(kms.url);
    try {
      const created = (await client.call('create', { type: 'MediaPipeline', constructorParams: {} })).result as { value: string; sessionId: string };
      const s = { sessionId: created.sessionId };
      const endpoint = async (): Promise<string> =>
        String(((await client.call('create', { type: 'WebRtcEndpoint', constructorParams: { mediaPipeline: created.value }, ...s })).result as { value: string }).value);
      const publisher = await endpoint();
      const answer = await client.call('invoke', { object: publisher, operation: 'processOffer', operationParams: { offer: await peer.publishOffer('up') }, ...s });
      await expect(peer.setAnswer('up', String((answer.result as { value: string }).value))).resolves.toBeUndefined();

      const subscriber = await endpoint();
      const offer = await client.call('invoke', { object: subscriber, operation: 'generateOffer', operationParams: {}, ...s });
      const browserAnswer = await peer.answerOffer('down', String((offer.result as { value: string }).value));
      expect(browserAnswer).toMatch(/^v=0/);
      const processed = await client.call('invoke', { object: subscriber, operation: 'processAnswer', operationParams: { answer: browserAnswer }, ...s });
      expect(processed.error).toBeUndefined();
    } finally {
      client.close();
      await peer.close();
    }
  });

  it('three seed clients (SockJS websocket, xhr-streaming, xhr-polling; typed Unicode names) reach stable on all nine peer connections', async () => {
    const cast: [SockJsTransport, string][] = [['websocket', '김희동'], ['xhr-streaming', 'heedong kim'], ['xhr-polling', "o'brien"]];
    const pages: SeedClientPage[] = [];
    try {
      for (const [transport, name] of cast) pages.push(await SeedClientPage.open(browser, node.httpUrl, transport, '회의실', name));
      const everyone = cast.map(([, name]) => name);
      for (const page of pages) {
        await until(
          `${page.userId}: all peer connections stable`,
          () => page.signalingStates(),
          (states) => everyone.every((name) => states[name] === 'stable'),
          NEGOTIATION_TIMEOUT_MS,
        );
      }
      // The seed's messages only, as the seed sent them: receiveVideoFrom for itself and each member, trickled
      // candidates (some sent before the answer came), string booleans on toggles.
      const sent = await pages[0]!.sentMessages();
      expect(sent.filter((m) => m.id === 'receiveVideoFrom').map((m) => m.userId).sort()).toEqual([...everyone].sort());
      expect(sent.some((m) => m.id === 'onIceCandidate')).toBe(true);
      await pages[1]!.toggleAudio(false);
      for (const page of pages) {
        await page.waitForMessage((m) => m.id === 'audioStateAnswer' && m.userId === 'heedong kim' && m.audio === false, 10_000, 'audioStateAnswer');
      }
      for (const page of pages) expect((await page.messages()).filter((m) => m.id === 'error')).toEqual([]);
    } finally {
      for (const page of pages) await page.close();
    }
  });
});
