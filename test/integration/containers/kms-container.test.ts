import WebSocket from 'ws';
import { kmsImage, startKmsContainer, type KmsContainer } from '../../support/kms/kms-container.cjs';

jest.setTimeout(90_000);

interface RpcReply {
  readonly id: number;
  readonly result?: { readonly value?: unknown; readonly sessionId?: string };
  readonly error?: { readonly code: number; readonly message: string };
}

/** A bare JSON-RPC 2.0 client, as KMS speaks it (frames as in ../shared/kms/transcripts). */
const rpcClient = async (url: string) => {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const waiting = new Map<number, (reply: RpcReply) => void>();
  socket.on('message', (data) => {
    const reply = JSON.parse(String(data)) as RpcReply;
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  });
  return {
    call: (method: string, params: Record<string, unknown>): Promise<RpcReply> =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      }),
    close: () => socket.close(),
  };
};

const available = kmsImage();
if (!available.image) process.stderr.write(`[containers] KMS container test skipped: ${available.reason}\n`);

(available.image ? describe : describe.skip)(`the real KMS image (${available.image ?? 'none'}) through Testcontainers`, () => {
  let kms: KmsContainer;

  beforeAll(async () => {
    kms = await startKmsContainer();
  });

  afterAll(async () => {
    await kms?.stop();
  });

  it('answers JSON-RPC from the host: ping, create a MediaPipeline and a WebRtcEndpoint in it, release them', async () => {
    const rpc = await rpcClient(kms.url);
    try {
      expect(await rpc.call('ping', { interval: 240_000 })).toMatchObject({ result: { value: 'pong' } });
      const pipeline = await rpc.call('create', { type: 'MediaPipeline', constructorParams: {}, properties: {} });
      expect(pipeline.error).toBeUndefined();
      const sessionId = pipeline.result?.sessionId;
      const pipelineId = pipeline.result?.value;
      expect(pipelineId).toMatch(/_kurento\.MediaPipeline$/);
      const endpoint = await rpc.call('create', {
        type: 'WebRtcEndpoint',
        constructorParams: { mediaPipeline: pipelineId },
        properties: {},
        sessionId,
      });
      expect(endpoint.result?.value).toMatch(/_kurento\.WebRtcEndpoint$/);
      expect(await rpc.call('release', { object: endpoint.result?.value, sessionId })).toMatchObject({ result: { sessionId } });
      expect(await rpc.call('release', { object: pipelineId, sessionId })).toMatchObject({ result: { sessionId } });
      // Released means gone: KMS's own error for an unknown object.
      expect(await rpc.call('describe', { object: pipelineId, sessionId })).toMatchObject({ error: { code: 40101 } });
    } finally {
      rpc.close();
    }
  });
});
