import { KurentoEmulator } from '../../support/kurento-emulator';
import type { SignalingClient } from '../../support/signaling-client';
import type { RunningNode } from '../../../src/start-node';
import { closeAll, connectClients, eventually, publish, receiveFrom, startKurentoNode } from './kurento-test-kit';

jest.setTimeout(30_000);

const UUID = '[0-9a-f-]{36}';

/**
 * The adapter's frames, byte for byte in the shape kurento-client (kurento-jsonrpc's packer) writes them:
 * members in the order jsonrpc, method, params, id; no `params` when there are none; the session in every
 * request but ping and connect; the first ping announcing the ping interval.
 */
describe('Kurento adapter: the JSON-RPC frames it sends, as kurento-client sends them', () => {
  let kms: KurentoEmulator;
  let node: RunningNode;
  const open: SignalingClient[] = [];

  beforeAll(async () => {
    kms = new KurentoEmulator();
    await kms.start();
    node = await startKurentoNode([kms.url]);
  });
  afterAll(async () => {
    await closeAll(open);
    await node.stop();
    await kms.stop();
  });

  it('every frame of a call, a health ping and a resume', async () => {
    const clients = await connectClients(node, 2);
    open.push(...clients);
    const [alice, bob] = clients as [SignalingClient, SignalingClient];
    await alice.join({ userId: 'alice', roomId: 'c-wire' });
    await bob.join({ userId: 'bob', roomId: 'c-wire' });
    await publish(alice, 'alice');
    await receiveFrom(bob, 'alice');
    bob.send({ id: 'onIceCandidate', userId: 'alice', candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.9 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
    await eventually(() => expect(kms.frames().some((f) => f.includes('"operation":"addIceCandidate"'))).toBe(true));
    // A health ping goes out every 0.5 s in these tests.
    await eventually(() => expect(kms.frames().filter((f) => f.includes('"method":"ping"')).length).toBeGreaterThan(1), 3_000);
    kms.dropConnections();
    await eventually(() => expect(kms.frames().some((f) => f.includes('"method":"connect"'))).toBe(true));

    const frames = kms.frames();
    const session = kms.pipelines()[0]!.sessionId;
    const shape = (f: string): string => f.replace(new RegExp(session, 'g'), '<session>').replace(/"id":\d+/, '"id":<n>').replace(new RegExp(UUID, 'g'), '<uuid>');
    const shapes = frames.map(shape);
    expect(shapes[0]).toBe('{"jsonrpc":"2.0","method":"ping","params":{"interval":500},"id":<n>}');
    expect(shapes).toContain('{"jsonrpc":"2.0","method":"create","params":{"type":"MediaPipeline","constructorParams":{},"properties":{}},"id":<n>}');
    expect(shapes).toContain(
      '{"jsonrpc":"2.0","method":"create","params":{"type":"WebRtcEndpoint","constructorParams":{"mediaPipeline":"<uuid>_kurento.MediaPipeline"},"properties":{},"sessionId":"<session>"},"id":<n>}',
    );
    expect(shapes).toContain('{"jsonrpc":"2.0","method":"subscribe","params":{"object":"<uuid>_kurento.MediaPipeline/<uuid>_kurento.WebRtcEndpoint","type":"IceCandidateFound","sessionId":"<session>"},"id":<n>}');
    expect(shapes.find((f) => f.includes('"operation":"processOffer"'))).toMatch(
      /^\{"jsonrpc":"2\.0","method":"invoke","params":\{"object":"[^"]+","operation":"processOffer","operationParams":\{"offer":"v=0\\r\\n.*"\},"sessionId":"<session>"\},"id":<n>\}$/,
    );
    expect(shapes).toContain('{"jsonrpc":"2.0","method":"invoke","params":{"object":"<uuid>_kurento.MediaPipeline/<uuid>_kurento.WebRtcEndpoint","operation":"gatherCandidates","operationParams":{},"sessionId":"<session>"},"id":<n>}');
    expect(shapes).toContain(
      '{"jsonrpc":"2.0","method":"invoke","params":{"object":"<uuid>_kurento.MediaPipeline/<uuid>_kurento.WebRtcEndpoint","operation":"addIceCandidate","operationParams":{"candidate":{"__module__":"kurento","__type__":"IceCandidate","candidate":"candidate:1 1 udp 1 192.0.2.9 5000 typ host","sdpMid":"0","sdpMLineIndex":0}},"sessionId":"<session>"},"id":<n>}',
    );
    expect(shapes).toContain('{"jsonrpc":"2.0","method":"invoke","params":{"object":"<uuid>_kurento.MediaPipeline/<uuid>_kurento.WebRtcEndpoint","operation":"connect","operationParams":{"sink":"<uuid>_kurento.MediaPipeline/<uuid>_kurento.WebRtcEndpoint"},"sessionId":"<session>"},"id":<n>}');
    // Health pings carry nothing; a resume is ping {interval} then connect {sessionId}, as kurento-client reconnects.
    expect(shapes).toContain('{"jsonrpc":"2.0","method":"ping","id":<n>}');
    const resume = shapes.indexOf('{"jsonrpc":"2.0","method":"connect","params":{"sessionId":"<session>"},"id":<n>}');
    expect(resume).toBeGreaterThan(0);
    expect(shapes[resume - 1]).toBe('{"jsonrpc":"2.0","method":"ping","params":{"interval":500},"id":<n>}');
    // Ids only grow, across sockets.
    const ids = frames.map((f) => Number(/"id":(\d+)\}$/.exec(f)?.[1]));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
  });
});
