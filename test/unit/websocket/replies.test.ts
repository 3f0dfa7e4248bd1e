import { SignalingError } from '../../../src/domain';
import type { ClientConnection } from '../../../src/adapters/websocket/client-connection';
import { ConnectionHub } from '../../../src/adapters/websocket/connection-hub';
import { ConnectionSession } from '../../../src/adapters/websocket/connection-session';
import { MessageDispatcher } from '../../../src/adapters/websocket/message-dispatcher';
import { CoreHarness, RecordingLogger } from '../../support/fakes';

type Wire = Record<string, unknown>;

/**
 * The websocket adapter alone turns what the core returns or throws into replies. The core here is the
 * real one over fakes, its client messages going out through the same hub as the session's replies.
 */
const wire = () => {
  const core = new CoreHarness({ roomCapacity: 1 });
  const hub = new ConnectionHub();
  core.clients.send = (connectionId, message) => hub.send(connectionId, message);
  const dispatcher = new MessageDispatcher(
    {
      joinRoom: core.joinRoom,
      resumeSession: core.resume,
      negotiate: core.negotiate,
      addIceCandidate: core.addIceCandidate,
      setMediaState: core.setMediaState,
      leaveRoom: core.leaveRoom,
      seedLinks: { linkFor: () => { throw new SignalingError('notInRoom', 'join a room first (joinRoom)'); } },
    },
    hub,
  );
  const open = (id: string) => {
    const sent: Wire[] = [];
    const connection: ClientConnection = {
      id,
      transport: 'websocket',
      remoteAddress: '127.0.0.1',
      backlogBytes: 0,
      send: (text) => sent.push(JSON.parse(text) as Wire),
      close: () => undefined,
      abandon: () => undefined,
    };
    const session = new ConnectionSession(connection, hub, dispatcher, core.leaveRoom, new RecordingLogger(), {
      maxMessageBytes: 65_536,
      maxQueuedMessages: 100,
    });
    /** Handles one message and returns what the connection got for it. */
    const request = async (message: Wire): Promise<Wire[]> => {
      const before = sent.length;
      session.receive(JSON.stringify(message));
      // Wait for the condition (a reply), not a time: every message here is answered.
      for (let i = 0; i < 10_000 && sent.length === before; i += 1) await new Promise((r) => setImmediate(r));
      for (let i = 0; i < 50; i += 1) await Promise.resolve();
      return sent.slice(before);
    };
    return { request };
  };
  return { core, open };
};

const join = (userId: string, requestId: string) => ({ id: 'joinRoom', userId, roomId: 'r', communityId: '1', requestId });

describe('replies to the client come from the websocket adapter', () => {
  it('a full room: limitJoinAnswer then one error roomFull, both with the requestId', async () => {
    const { open } = wire();
    await open('conn-a').request(join('a', 'j-a'));
    const replies = await open('conn-b').request(join('b', 'j-b'));
    expect(replies).toEqual([
      { id: 'limitJoinAnswer', roomId: 'r', requestId: 'j-b' },
      expect.objectContaining({ id: 'error', code: 'roomFull', requestId: 'j-b', details: expect.objectContaining({ roomId: 'r' }) }),
    ]);
  });

  it('leaveRoom with a requestId: one ack after the departure; without one: nothing', async () => {
    const { open, core } = wire();
    const a = open('conn-a');
    await a.request(join('a', 'j-a'));
    expect(await a.request({ id: 'leaveRoom', requestId: 'bye' })).toEqual([{ id: 'ack', requestId: 'bye' }]);
    expect(core.registry.membership('conn-a')).toBeUndefined();
    await a.request(join('a', 'j-a2'));
    expect(await a.request({ id: 'leaveRoom' })).toEqual([]);
    expect(core.registry.membership('conn-a')).toBeUndefined();
  });

  it('a refused leave: one error, no ack', async () => {
    const { open } = wire();
    expect(await open('conn-a').request({ id: 'leaveRoom', requestId: 'bye' })).toEqual([
      expect.objectContaining({ id: 'error', code: 'notInRoom', requestId: 'bye' }),
    ]);
  });
});
