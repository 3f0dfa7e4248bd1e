import { launchDemoBrowser, type DemoBrowser } from '../support/demo-browser';
import { ResumePage, waitForNewFrames } from '../support/resume-client/resume-page';
import { startTestServer } from '../support/start-server';
import { startTurnServer, type TurnFixture } from '../support/turn-fixture';
import type { RunningNode } from '../../src/start-node';

jest.setTimeout(180_000);

const SECRET = 'coturn-static-auth-secret-for-tests';
const VIDEO_TIMEOUT_MS = 45_000;

/**
 * TURN credentials handed out by the node, used by Chromium through a real coturn (Debian's turnserver,
 * `use-auth-secret` with the same secret) with `iceTransportPolicy: 'relay'`: every byte of media goes
 * through the TURN server, so frames decode only if the credentials the node computed are right.
 */
describe('TURN credentials through a real coturn (mesh, relay only)', () => {
  let turn: TurnFixture;
  let browser: DemoBrowser;
  const nodes: RunningNode[] = [];
  const pages: ResumePage[] = [];

  beforeAll(async () => {
    turn = await startTurnServer(SECRET);
    browser = await launchDemoBrowser();
  });
  afterAll(async () => {
    for (const page of pages) await page.close().catch(() => undefined);
    await browser?.close();
    for (const node of nodes) await node.stop();
    await turn?.stop();
  });

  const nodeWith = async (secret: string): Promise<RunningNode> => {
    const node = await startTestServer({ TURN_URLS: turn.url, TURN_SECRET: secret, STUN_URLS: `stun:127.0.0.1:${turn.port}` });
    nodes.push(node);
    return node;
  };

  const call = async (node: RunningNode, roomId: string): Promise<ResumePage[]> => {
    const opened: ResumePage[] = [];
    for (const userId of ['alice', 'bob']) {
      const page = await ResumePage.open(browser.browser, { wsUrl: node.wsUrl, roomId, userId, rtcConfig: { iceTransportPolicy: 'relay' } });
      opened.push(page);
      pages.push(page);
    }
    return opened;
  };

  it('frames decode on every link, over relay candidates, with the credentials existingParticipants carried', async () => {
    const node = await nodeWith(SECRET);
    const [alice, bob] = await call(node, 'c-turn');
    const servers = (await alice!.iceServers()) as { urls: string[]; username?: string; credential?: string }[];
    expect(servers).toEqual([
      { urls: [`stun:127.0.0.1:${turn.port}`] },
      { urls: [turn.url], username: expect.stringMatching(/^\d+:alice$/), credential: expect.any(String) },
    ]);
    const expiry = Number(servers[1]!.username!.split(':')[0]);
    expect(expiry - Date.now() / 1000).toBeGreaterThan(86_400 - 60);

    await waitForNewFrames([alice!, bob!], new Map(), VIDEO_TIMEOUT_MS);
    for (const page of [alice!, bob!]) {
      const pairs = await page.selectedPairs();
      expect(Object.keys(pairs).length).toBeGreaterThan(0);
      for (const pair of Object.values(pairs)) expect(pair).toBe('relay/relay');
    }
    // coturn allocated for exactly the usernames the node handed out.
    expect([...turn.allocatedUsers].sort()).toEqual([servers[1]!.username, expect.stringMatching(/^\d+:bob$/)]);
  });

  it('with a node that signs with another secret, coturn refuses the allocation and no media flows', async () => {
    const node = await nodeWith('a-different-secret-than-coturns');
    const [alice, bob] = await call(node, 'c-turn-wrong');
    await expect(waitForNewFrames([alice!, bob!], new Map(), 8_000)).rejects.toThrow(/no new video/);
    expect(await alice!.selectedPairs()).toEqual({});
    expect([...turn.allocatedUsers].filter((u) => u.endsWith(':alice') || u.endsWith(':bob'))).toHaveLength(2);
  });
});
