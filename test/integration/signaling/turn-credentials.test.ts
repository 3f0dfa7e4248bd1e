import type { RunningNode } from '../../../src/start-node';
import { SignalingClient } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';
import { allocateRelay } from '../../support/turn-allocate';
import { startTurnServer, type TurnFixture } from '../../support/turn-fixture';

jest.setTimeout(30_000);

const SECRET = 'coturn-static-auth-secret-for-tests';

interface IceServerEntry {
  readonly urls: readonly string[];
  readonly username?: string;
  readonly credential?: string;
}

/**
 * The TURN credentials a member is given must be ones the TURN server takes, whatever the member's id.
 * coturn (Debian's 4.6.1, `use-auth-secret`) refused with 400 every username holding a space, an apostrophe, a
 * double quote or a backslash, or both "union" and "select" (its SQL guard, on whatever user database), and
 * cut one past 512 bytes before checking it (401): ids the protocol admits and the seed's page sends
 * (`heedong kim`, `o'brien`) got credentials that never allocated a relay, so those members had no media
 * behind a NAT that needs TURN.
 */
describe('TURN credentials for every user id a join admits, through a real coturn', () => {
  let turn: TurnFixture;
  let node: RunningNode;

  beforeAll(async () => {
    turn = await startTurnServer(SECRET);
    node = await startTestServer({ TURN_URLS: turn.url, TURN_SECRET: SECRET });
  });
  afterAll(async () => {
    await node?.stop();
    await turn?.stop();
  });

  const turnEntryFor = async (userId: string): Promise<IceServerEntry> => {
    const client = await SignalingClient.connect(node.wsUrl);
    try {
      const reply = await client.join({ userId, roomId: 'c-turn-ids' });
      const servers = reply.iceServers as IceServerEntry[];
      const entry = servers.find((s) => s.urls.includes(turn.url));
      if (!entry?.username || !entry.credential) throw new Error(`no TURN credentials for ${userId}: ${JSON.stringify(servers)}`);
      return entry;
    } finally {
      await client.close();
    }
  };

  it.each([
    ['alice', 'alice'],
    ['Hangul', '김희동'],
    ['a space', 'heedong kim'],
    ['an apostrophe', "o'brien"],
    ['double quotes', 'say "hi"'],
    ['a backslash', 'back\\slash'],
    ['a percent sign', '50%off'],
    ['colons (coturn reads the expiry before the first one)', '123:alice:'],
    ['"union" and "select"', 'reunion-selection'],
    ['128 emoji (512 bytes)', '😀'.repeat(128)],
  ])('%s: the credentials allocate a relay', async (_what, userId) => {
    const entry = await turnEntryFor(userId);
    expect(await allocateRelay(turn.port, entry.username!, entry.credential!)).toEqual({ allocated: true });
  });

  it('an id coturn takes as it is stays readable in the username', async () => {
    expect((await turnEntryFor('alice')).username).toMatch(/^\d+:alice$/);
    expect((await turnEntryFor('김희동')).username).toMatch(/^\d+:김희동$/);
  });
});
