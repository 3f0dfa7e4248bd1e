import type { RunningNode } from '../../../src/start-node';
import { startTestServer } from '../../support/start-server';

/** Clients use one flow (ask where the room lives, then join there) whatever the state store. */
describe('GET /v1/rooms/:roomId/node with the in-memory store (one node)', () => {
  let node: RunningNode;

  afterEach(async () => {
    await node?.stop();
  });

  it('answers this node, at the port it got when it started with PORT=0', async () => {
    node = await startTestServer({ NODE_ID: 'only' });
    const res = await fetch(`${node.httpUrl}/v1/rooms/room-1/node`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ roomId: 'room-1', nodeId: 'only', url: node.wsUrl });
    const bad = await fetch(`${node.httpUrl}/v1/rooms/${encodeURIComponent('no\u0007bell')}/node`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalidMessage' });
  });

  it('answers PUBLIC_URL when one is configured', async () => {
    node = await startTestServer({ NODE_ID: 'only', PUBLIC_URL: 'wss://signal.example.com/rtc/websocket' });
    const res = await fetch(`${node.httpUrl}/v1/rooms/room-2/node`);
    expect(await res.json()).toEqual({ roomId: 'room-2', nodeId: 'only', url: 'wss://signal.example.com/rtc/websocket' });
  });

  it('limits lookups per client address (ROOM_LOOKUPS_PER_MINUTE): a lookup books its room as load, so a flood of them would steer placement', async () => {
    node = await startTestServer({ NODE_ID: 'only', ROOM_LOOKUPS_PER_MINUTE: '2' });
    const first = await fetch(`${node.httpUrl}/v1/rooms/room-3/node`);
    expect(first.status).toBe(200);
    const refused = await fetch(`${node.httpUrl}/v1/rooms/room-4/node`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(await refused.json()).toMatchObject({ code: 'rateLimited', retryAfterMs: 30_000 });
    // Only the lookup is limited: the node's other routes still answer this address.
    expect((await fetch(`${node.httpUrl}/healthz`)).status).toBe(200);
  });
});
