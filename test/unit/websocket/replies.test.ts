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
const wire = (roomCapacity = 1) => {
  const core = new CoreHarness({ roomCapacity });
  const hub = new ConnectionHub();
  /** What the core sent through its ClientNotifier port, by connection (the rest came from the adapter). */
  const notified = new Map<string, string[]>();
  core.clients.send = (connectionId, message) => {
    notified.set(connectionId, [...(notified.get(connectionId) ?? []), message.type]);
    hub.send(connectionId, message);
  };
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
  return { core, open, notified };
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

  it('videoStateFrom: the sender\'s one videoStateAnswer is the reply the use case returned, sent by the adapter', async () => {
    const { open, notified } = wire(2);
    const a = open('conn-a');
    const b = open('conn-b');
    await a.request(join('a', 'j-a'));
    await b.request(join('b', 'j-b'));
    notified.clear();
    expect(await a.request({ id: 'videoStateFrom', userId: 'a', video: false, requestId: 'v-1' })).toEqual([
      { id: 'videoStateAnswer', userId: 'a', video: false, requestId: 'v-1' },
    ]);
    // The other member is told through the notifier; the sender's reply never went through it.
    expect(notified.get('conn-b')).toEqual(['mediaStateChanged']);
    expect(notified.get('conn-a')).toBeUndefined();
    expect(await a.request({ id: 'audioStateFrom', userId: 'a', audio: false })).toEqual([{ id: 'audioStateAnswer', userId: 'a', audio: false }]);
    expect(notified.get('conn-a')).toBeUndefined();
  });

  it('a refused leave: one error, no ack', async () => {
    const { open } = wire();
    expect(await open('conn-a').request({ id: 'leaveRoom', requestId: 'bye' })).toEqual([
      expect.objectContaining({ id: 'error', code: 'notInRoom', requestId: 'bye' }),
    ]);
  });
});
