import { KurentoEmulator } from '../../../support/kurento-emulator';
import { KmsWireClient } from '../../../support/kurento-emulator/kms-wire-client';
import { chromiumOffer, KMS_7_3_1, runConformanceScript } from '../kms-conformance-script';

jest.setTimeout(120_000);

const kurentoUrl = process.env.KURENTO_URL;
if (!kurentoUrl) throw new Error('KURENTO_URL is not set: run this suite with scripts/real-kms-suite.mjs');

/**
 * The same wire script against the real KMS and the emulator: both must give the recorded KMS 7.3.1
 * answers (KMS_7_3_1), so the emulator the rest of the tests rely on cannot drift from the real server
 * unnoticed. What the two do differently on purpose is shown in the second test.
 */
describe(`KMS conformance: the real KMS at ${kurentoUrl} and the emulator answer the same script alike`, () => {
  let emulator: KurentoEmulator;
  beforeAll(async () => {
    emulator = new KurentoEmulator();
    await emulator.start();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  it('both answer every step as recorded from KMS 7.3.1', async () => {
    const real = await runConformanceScript(kurentoUrl);
    const emulated = await runConformanceScript(emulator.url);
    expect(real).toEqual(KMS_7_3_1);
    expect(emulated).toEqual(real);
  });

  /** Candidates of one processOffer + gatherCandidates, as the adapter forwards them to the client. */
  const candidatesFor = async (url: string): Promise<{ count: number; components: string[]; transports: string[]; mids: string[] }> => {
    const client = await KmsWireClient.open(url);
    try {
      const created = (await client.call('create', { type: 'MediaPipeline', constructorParams: {} })).result as { value: string; sessionId: string };
      const s = { sessionId: created.sessionId };
      const ep = String(((await client.call('create', { type: 'WebRtcEndpoint', constructorParams: { mediaPipeline: created.value }, ...s })).result as { value: string }).value);
      await client.call('subscribe', { type: 'IceCandidateFound', object: ep, ...s });
      await client.call('subscribe', { type: 'IceGatheringDone', object: ep, ...s });
      await client.call('invoke', { object: ep, operation: 'processOffer', operationParams: { offer: chromiumOffer() }, ...s });
      await client.call('invoke', { object: ep, operation: 'gatherCandidates', operationParams: {}, ...s });
      for (const deadline = Date.now() + 10_000; !client.events.some((e) => e.type === 'IceGatheringDone') && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await client.call('release', { object: created.value, ...s });
      const lines = client.events.filter((e) => e.type === 'IceCandidateFound').map((e) => e.data.candidate as { candidate: string; sdpMid: string });
      const fields = lines.map((c) => c.candidate.split(' '));
      return {
        count: lines.length,
        components: [...new Set(fields.map((f) => f[1]!))].sort(),
        transports: [...new Set(fields.map((f) => f[2]!.toUpperCase()))].sort(),
        mids: [...new Set(lines.map((c) => c.sdpMid))].sort(),
      };
    } finally {
      client.close();
    }
  };

  it('where they differ on purpose: the candidates KMS gathers (the adapter forwards each as it comes)', async () => {
    const real = await candidatesFor(kurentoUrl);
    const emulated = await candidatesFor(emulator.url);
    // Both: candidates for every bundled section, as IceCandidate objects the adapter relays unchanged.
    expect(real.mids).toEqual(['0', '1']);
    expect(emulated.mids).toEqual(['0', '1']);
    // The real KMS offers UDP and TCP candidates on every interface, for RTP (1) and RTCP (2) although the
    // offer muxes RTCP; the emulator announces two UDP host candidates per section, component 1 only.
    expect(real.transports).toEqual(['TCP', 'UDP']);
    expect(real.components).toEqual(['1', '2']);
    expect(real.count).toBeGreaterThan(emulated.count);
    expect(emulated).toEqual({ count: 4, components: ['1'], transports: ['UDP'], mids: ['0', '1'] });
  });
});
