import type { KurentoEmulator } from '../../support/kurento-emulator';
import type { SignalingClient } from '../../support/signaling-client';
import type { RunningNode } from '../../../src/start-node';
import { closeAll, connectClients, eventually, publish, startEmulator, startKurentoNode } from './kurento-test-kit';

jest.setTimeout(60_000);

describe('Kurento backend: several media servers', () => {
  let first: KurentoEmulator;
  let second: KurentoEmulator;
  let node: RunningNode;
  const open: SignalingClient[] = [];
  /** A participant of room c-B, which lives on the second KMS. */
  let inRoomB: SignalingClient;

  beforeAll(async () => {
    first = await startEmulator();
    second = await startEmulator();
    node = await startKurentoNode([first.url, second.url]);
  });
  afterAll(async () => {
    await closeAll(open);
    await node.stop();
    await Promise.all([first.stop(), second.stop()]);
  });

  const join = async (userId: string, roomId: string): Promise<SignalingClient> => {
    const [c] = await connectClients(node, 1);
    open.push(c!);
    await c!.join({ userId, roomId });
    return c!;
  };
  const endpoints = (kms: KurentoEmulator) => kms.endpoints().length;

  it('puts each new room on the KMS with the fewest endpoints, and keeps a room on its KMS', async () => {
    // Both idle: the first configured KMS wins the tie.
    const a1 = await join('a1', 'c-A');
    await join('a2', 'c-A');
    await join('a3', 'c-A');
    await publish(a1, 'a1');
    expect([first.pipelines().length, second.pipelines().length]).toEqual([1, 0]);
    expect(endpoints(first)).toBe(3);

    inRoomB = await join('b1', 'c-B'); // 3 vs 0 endpoints → second
    expect([first.pipelines().length, second.pipelines().length]).toEqual([1, 1]);
    await join('c1', 'c-C'); // 3 vs 1 → second
    await join('d1', 'c-D'); // 3 vs 2 → second
    expect(second.pipelines()).toHaveLength(3);
    expect(endpoints(second)).toBe(3);

    // A room stays where it is, even when its KMS is now the busier one.
    await join('b2', 'c-B');
    await join('b3', 'c-B');
    expect(endpoints(second)).toBe(5);
    expect(second.pipelines().find((p) => p.endpoints.length === 3)).toBeDefined();
    expect(endpoints(first)).toBe(3);

    await join('e1', 'c-E'); // 3 vs 5 → first
    expect([first.pipelines().length, second.pipelines().length]).toEqual([2, 3]);
  });

  it('loses only the rooms of the KMS that went away, and places new rooms on the one left', async () => {
    const onFirst = await join('x1', 'c-X'); // 4 vs 5 endpoints → first
    expect(first.pipelines()).toHaveLength(3);
    await first.stop();
    expect(await onFirst.next('error', (m) => m.code === 'mediaServerUnavailable', 5_000)).toMatchObject({ details: { roomId: 'c-X' } });
    await inRoomB.expectNone('error', 500);

    await join('y1', 'c-Y');
    expect(second.pipelines()).toHaveLength(4);

    await first.restart();
    await eventually(() => expect(first.connectionCount()).toBe(1));
    await join('z1', 'c-Z'); // the restarted KMS is empty again → it gets the room
    expect(first.pipelines()).toHaveLength(1);
  });
});
