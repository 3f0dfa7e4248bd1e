import type { KurentoEmulator } from '../../support/kurento-emulator';
import type { RunningNode } from '../../../src/start-node';
import { startEmulator, startKurentoNode } from './kurento-test-kit';
import { seedFlowScenarios } from './seed-flow-scenarios';

jest.setTimeout(60_000);

// The same scenarios run against a real KMS in real-kms/seed-flow.real-kms.ts (see docs/kurento.md).
describe('Kurento backend: the seed message flow, against the KMS emulator', () => {
  let kms: KurentoEmulator;
  let node: RunningNode;

  beforeAll(async () => {
    kms = await startEmulator();
    node = await startKurentoNode([kms.url]);
  });
  afterAll(async () => {
    await node.stop();
    await kms.stop();
  });

  seedFlowScenarios(() => ({ node, roomPrefix: 'c-emu-' }));

  it('left no media object behind', async () => {
    // Runs last: every scenario's clients have closed by now.
    const deadline = Date.now() + 5_000;
    while (kms.liveObjectCount() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(kms.liveObjectCount()).toBe(0);
  });
});
