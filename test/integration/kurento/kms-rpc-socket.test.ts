import WebSocket from 'ws';
import { KmsRpcSocket, type KmsEvent } from '../../../src/adapters/kurento/kms-rpc-socket';
import { kmsCalls } from '../../../src/adapters/kurento/kms-media-calls';
import { sampleOffer, type KurentoEmulator } from '../../support/kurento-emulator';
import { eventually, startEmulator } from './kurento-test-kit';

jest.setTimeout(30_000);

/** The adapter's own KMS JSON-RPC client, talking to the emulator without a signaling node. */
describe('KmsRpcSocket', () => {
  let kms: KurentoEmulator;
  let socket: KmsRpcSocket;
  const events: KmsEvent[] = [];
  const closed: string[] = [];
  const requester = () => ({ request: (m: string, p: Record<string, unknown>, op?: string) => socket.request(m, p, 2_000, op) });

  beforeEach(async () => {
    kms = await startEmulator();
    events.length = 0;
    closed.length = 0;
    socket = new KmsRpcSocket(kms.url, { onEvent: (e) => events.push(e), onClosed: (r) => closed.push(r) });
    await socket.open(2_000);
  });
  afterEach(async () => {
    socket.close();
    await kms.stop();
  });

  it('pings with an interval first, then keeps the session KMS assigned', async () => {
    expect(await socket.request('ping', { interval: 3000 }, 1_000)).toEqual({ value: 'pong' });
    expect(kms.pingIntervals()).toEqual([3000]);
    const calls = kmsCalls(requester());
    const pipeline = await calls.createPipeline();
    expect(pipeline).toMatch(/^[0-9a-f-]{36}_kurento\.MediaPipeline$/);
    expect(socket.session).toBe(kms.pipelines()[0]!.sessionId);
    const endpoint = await calls.createWebRtcEndpoint(pipeline);
    expect(endpoint.startsWith(`${pipeline}/`)).toBe(true);
    expect(endpoint).toMatch(/_kurento\.WebRtcEndpoint$/);
  });

  it('delivers onEvent notifications of subscribed events', async () => {
    const calls = kmsCalls(requester());
    const endpoint = await calls.createWebRtcEndpoint(await calls.createPipeline());
    await calls.subscribe(endpoint, 'IceCandidateFound');
    await calls.processOffer(endpoint, sampleOffer());
    await calls.gatherCandidates(endpoint);
    await eventually(() => expect(events.length).toBeGreaterThan(0));
    expect(events[0]).toMatchObject({ object: endpoint, type: 'IceCandidateFound', data: { candidate: { sdpMid: '0' } } });
  });

  it('turns KMS error responses into mediaBackendError with KMS\'s code and type', async () => {
    const calls = kmsCalls(requester());
    await expect(calls.processOffer('nope_kurento.WebRtcEndpoint', sampleOffer())).rejects.toMatchObject({
      code: 'mediaBackendError',
      details: { kmsErrorCode: 40101, kmsErrorType: 'MEDIA_OBJECT_NOT_FOUND' },
    });
    // KMS's release succeeds for unknown objects.
    await expect(calls.release('nope_kurento.MediaPipeline')).resolves.toBeUndefined();
  });

  it('fails every request in flight at once when the socket dies, and says so once', async () => {
    kms.hangNext('invoke', 5);
    const calls = kmsCalls(requester());
    const pending = [calls.gatherCandidates('a'), calls.gatherCandidates('b')];
    const started = Date.now();
    await kms.kill();
    for (const p of pending) await expect(p).rejects.toMatchObject({ code: 'mediaServerUnavailable' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(closed).toHaveLength(1);
    await expect(socket.request('ping', {}, 1_000)).rejects.toMatchObject({ code: 'mediaServerUnavailable' });
  });

  it('a request made while the socket is closing (peer gone, close event not yet out) waits for the close and is handed over, not failed at once', async () => {
    const handed: number[] = [];
    const other = new KmsRpcSocket(kms.url, { onEvent: () => undefined, onClosed: () => handed.push(...other.takePending().map((r) => r.id)) });
    await other.open(2_000);
    // ws reports CLOSING from the first sign that the peer went until its 'close' event; its own close()
    // is the one deterministic way into that state (the real-KMS resume test met it through a cut proxy).
    const inner = (other as unknown as { socket: WebSocket }).socket;
    inner.close();
    expect(inner.readyState).toBe(WebSocket.CLOSING);
    let failed: unknown;
    other.request('ping', {}, 2_000).catch((error: unknown) => (failed = error));
    await new Promise((r) => setImmediate(r));
    expect(failed).toBeUndefined();
    await eventually(() => expect(handed).toHaveLength(1));
    other.close();
  });

  it('refuses to open when nothing listens', async () => {
    const url = kms.url;
    await kms.stop();
    const other = new KmsRpcSocket(url, { onEvent: () => undefined, onClosed: () => undefined });
    await expect(other.open(1_000)).rejects.toMatchObject({ code: 'mediaServerUnavailable' });
    other.close();
  });
});
