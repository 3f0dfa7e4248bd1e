import { randomUUID } from 'node:crypto';
import type { RunningNode } from '../../../../src/start-node';
import { startKurentoNode } from '../kurento-test-kit';
import { seedFlowScenarios } from '../seed-flow-scenarios';

jest.setTimeout(120_000);

const kurentoUrl = process.env.KURENTO_URL;
if (!kurentoUrl) throw new Error('KURENTO_URL is not set: this suite only runs against a real KMS (see docs/kurento.md)');

// Unique room ids, so that a shared KMS or a rerun never mixes rooms.
const roomPrefix = `c-real-${randomUUID().slice(0, 8)}-`;

describe(`Kurento backend: the seed message flow, against the real KMS at ${kurentoUrl}`, () => {
  let node: RunningNode;

  beforeAll(async () => {
    // A real KMS can be slower than the emulator; the defaults apply otherwise.
    node = await startKurentoNode(kurentoUrl.split(','), { KURENTO_JOIN_WAIT_MS: '10000' });
  });
  afterAll(async () => {
    await node.stop();
  });

  seedFlowScenarios(() => ({ node, roomPrefix }));
});
