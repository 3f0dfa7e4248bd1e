import { startRealKms, type RealKms } from '../../../support/kurento/real-kms';
import type { SignalingClient } from '../../../support/signaling-client';
import type { RunningNode } from '../../../../src/start-node';
import { closeAll, connectClients, eventually, publish, startKurentoNode } from '../kurento-test-kit';

jest.setTimeout(120_000);

/** Endpoints a KMS holds, over all its pipelines. */
const endpointsOf = async (kms: RealKms): Promise<number> => Object.values(await kms.objects()).reduce((n, children) => n + children.length, 0);

/** Two real KMS processes as one node's pool: placement by load, rooms pinned to their KMS, one lost alone. */
describe('Kurento backend against two real KMS processes as a pool', () => {
  let first: RealKms;
  let second: RealKms;
  let node: RunningNode;
  const open: SignalingClient[] = [];

  beforeAll(async () => {
    [first, second] = await Promise.all([startRealKms(), startRealKms()]);
    node = await startKurentoNode([first.url, second.url]);
  });
  afterAll(async () => {
    await closeAll(open);
    await node?.stop();
    await Promise.all([first?.stop(), second?.stop()]);
  });

  const join = async (userId: string, roomId: string): Promise<SignalingClient> => {
    const [c] = await connectClients(node, 1);
    open.push(c!);
    await c!.join({ userId, roomId });
    return c!;
  };
  const pipelineCounts = async (): Promise<number[]> => [(await first.pipelines()).length, (await second.pipelines()).length];
  /** The node's own count of the KMS it is connected to, from `/readyz`. */
  const serversUp = async (): Promise<unknown> =>
    ((await (await fetch(`${node.httpUrl}/readyz`)).json()) as { details: { mediaBackend: unknown } }).details.mediaBackend;

  it('puts each new room on the less loaded KMS, keeps a room on its KMS, and loses only the rooms of the KMS that dies', async () => {
    // Placement picks among the KMS connected now: a join before both are (a loaded CI run) went to the second.
    await eventually(async () => expect(await serversUp()).toEqual({ up: 2, configured: 2 }), 15_000);
    const a1 = await join('a1', 'c-A');
    await join('a2', 'c-A');
    await join('a3', 'c-A');
    await publish(a1, 'a1');
    expect(await pipelineCounts()).toEqual([1, 0]);
    expect(await endpointsOf(first)).toBe(3);

    const b1 = await join('b1', 'c-B'); // 3 endpoints vs 0 → second
    await join('c1', 'c-C'); // 3 vs 1 → second
    expect(await pipelineCounts()).toEqual([1, 2]);
    // c-B stays on the second KMS, though that makes it the busier one.
    await join('b2', 'c-B');
    await join('b3', 'c-B');
    await join('b4', 'c-B');
    expect(await endpointsOf(second)).toBe(5);
    expect(Object.values(await second.objects()).map((children) => children.length).sort()).toEqual([1, 4]);
    await join('d1', 'c-D'); // 3 vs 5 → first
    expect(await pipelineCounts()).toEqual([2, 2]);

    await first.kill();
    expect(await a1.next('error', (m) => m.code === 'mediaServerUnavailable', 10_000)).toMatchObject({ details: { roomId: 'c-A' } });
    expect(await serversUp()).toEqual({ up: 1, configured: 2 });
    await b1.expectNone('error', 500);
    await publish(b1, 'b1');
    // While the first is down, new rooms go to the second.
    await join('e1', 'c-E');
    expect((await second.pipelines()).length).toBe(3);

    await first.restart();
    await eventually(async () => expect((await fetch(`${node.httpUrl}/readyz`)).status).toBe(200), 15_000);
    // The restarted KMS is empty again: the next room goes there (the node counts only what it holds on each).
    await eventually(async () => {
      await join(`f${Date.now()}`, `c-F-${Date.now()}`);
      expect((await first.pipelines()).length).toBeGreaterThanOrEqual(1);
    }, 10_000);

    await closeAll(open.splice(0));
    await eventually(async () => expect(await pipelineCounts()).toEqual([0, 0]), 10_000);
  });
});
