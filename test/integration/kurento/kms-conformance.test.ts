import { KurentoEmulator } from '../../support/kurento-emulator';
import { KMS_7_3_1, runConformanceScript } from './kms-conformance-script';

jest.setTimeout(60_000);

/**
 * The emulator answers the conformance script exactly as KMS 7.3.1 did (KMS_7_3_1, recorded from the real
 * server, and re-checked against it by real-kms/kms-conformance.real-kms.ts on every run).
 */
describe('KMS emulator against the recorded answers of KMS 7.3.1', () => {
  let kms: KurentoEmulator;
  beforeEach(async () => {
    kms = new KurentoEmulator();
    await kms.start();
  });
  afterEach(async () => {
    await kms.stop();
  });

  it('answers every step of the conformance script as KMS 7.3.1 does', async () => {
    expect(await runConformanceScript(kms.url)).toEqual(KMS_7_3_1);
  });
});
