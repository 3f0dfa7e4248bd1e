import type { ClientMessage } from '../../../src/application';
import type { ClientConnection } from '../../../src/adapters/websocket/client-connection';
import { ConnectionHub } from '../../../src/adapters/websocket/connection-hub';
import { RecordingLogger } from '../../support/fakes';

/** A connection whose backlog grows with every send and never drains: a client that stopped reading. */
const stuckConnection = () => {
  const sent: string[] = [];
  const abandoned: [string, number, string][] = [];
  let backlog = 0;
  const connection: ClientConnection = {
    id: 'slow',
    transport: 'websocket',
    remoteAddress: '192.0.2.7',
    get backlogBytes() {
      return backlog;
    },
    send: (text) => {
      sent.push(text);
      backlog += text.length;
    },
    close: () => undefined,
    abandon: (lastWords, code, reason) => abandoned.push([lastWords, code, reason]),
  };
  return { connection, sent, abandoned };
};

describe('ConnectionHub send backlog bound', () => {
  it('cuts a client off with slowConsumer and 4008 the moment its backlog passes the bound, then sends it nothing', () => {
    const logger = new RecordingLogger();
    const hub = new ConnectionHub(undefined, { maxBacklogBytes: 1_000, logger });
    const { connection, sent, abandoned } = stuckConnection();
    hub.add(connection);
    const offer: ClientMessage = { type: 'signal', signal: { type: 'offer', roomId: 'r', to: 'x', link: { kind: 'upstream', subscriber: 'y' }, sdp: 'v'.repeat(300) } };
    for (let i = 0; i < 10; i += 1) hub.send('slow', offer);
    expect(sent).toHaveLength(3); // 3 × ~340 bytes > 1000
    expect(abandoned).toHaveLength(1);
    const [lastWords, code, reason] = abandoned[0]!;
    expect(JSON.parse(lastWords)).toMatchObject({ id: 'error', code: 'slowConsumer', details: { limit: 1_000 } });
    expect([code, reason]).toEqual([4008, 'slowConsumer']);
    expect(hub.size).toBe(0);
    expect(logger.entries.filter((e) => e.message === 'slow consumer cut off')).toHaveLength(1);
  });

  it('leaves a client under the bound alone', () => {
    const hub = new ConnectionHub(undefined, { maxBacklogBytes: 1_000_000 });
    const { connection, abandoned } = stuckConnection();
    hub.add(connection);
    for (let i = 0; i < 100; i += 1) hub.send('slow', { type: 'participantLeft', userId: `u${i}` });
    expect(abandoned).toEqual([]);
    expect(hub.size).toBe(1);
  });

  it('a disconnect maps slowConsumer to 4008 like a cut-off', () => {
    const hub = new ConnectionHub();
    const closes: number[] = [];
    const { connection } = stuckConnection();
    hub.add({ ...connection, backlogBytes: 0, close: (code) => closes.push(code) });
    hub.disconnect('slow', 'slowConsumer', 'too slow');
    expect(closes).toEqual([4008]);
  });
});
