import { readFileSync } from 'node:fs';
import { KurentoEmulator } from '../../support/kurento-emulator';
import { KmsWireClient } from '../../support/kurento-emulator/kms-wire-client';
import { transcriptPath } from '../../support/kurento/kms-dir';
import { chromiumOffer } from './kms-conformance-script';

jest.setTimeout(30_000);


interface TranscriptLine {
  readonly t_ms: number;
  readonly dir: 'send' | 'recv';
  readonly msg?: Record<string, unknown>;
}

const transcript = (name: string): TranscriptLine[] =>
  readFileSync(transcriptPath(name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TranscriptLine);

/** The shape of a response: which members it has, the error's code and type, the kind of its value. */
const shapeOf = (m: Record<string, unknown>): string => {
  const error = m.error as { code: number; data?: { type?: string } } | undefined;
  if (error) return `error ${error.code} ${error.data?.type ?? ''}`;
  const result = m.result as Record<string, unknown> | null;
  if (result === null) return 'result null';
  const value = result.value;
  const kind = value === undefined ? 'none' : value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `result {${Object.keys(result).sort().join(',')}} value:${kind}`;
};

describe('KMS emulator held to the real KMS transcripts (../shared/kms/transcripts)', () => {
  let kms: KurentoEmulator;
  beforeEach(async () => {
    kms = new KurentoEmulator();
    await kms.start();
  });
  afterEach(async () => {
    await kms.stop();
  });

  it.each(['kms-api-session.jsonl', 'kms-webrtc-loopback-chromium.jsonl'])(
    'replays every request of %s and answers each with the shape KMS 7.3.1 answered',
    async (name) => {
      const lines = transcript(name);
      const client = await KmsWireClient.open(kms.url);
      // Ids KMS handed out in the recording, mapped to those the emulator hands out in the replay.
      const ids = new Map<string, string>();
      const translate = (value: unknown): unknown => {
        // Longest first: an endpoint id begins with its pipeline's id.
        if (typeof value === 'string') {
          return [...ids.entries()].sort((x, y) => y[0].length - x[0].length).reduce((text, [recorded, replayed]) => text.split(recorded).join(replayed), value);
        }
        if (Array.isArray(value)) return value.map(translate);
        if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, translate(v)]));
        return value;
      };
      const recorded = new Map<unknown, Record<string, unknown>>();
      for (const line of lines) if (line.dir === 'recv' && line.msg && 'id' in line.msg) recorded.set(line.msg.id, line.msg);
      let compared = 0;
      try {
        for (const line of lines) {
          if (line.dir !== 'send' || !line.msg) continue;
          const request = line.msg as { id: number; method: string; params?: Record<string, unknown> };
          const expected = recorded.get(request.id);
          if (!expected) continue;
          const params = translate(request.params ?? {}) as Record<string, unknown>;
          const answer = (await client.call(request.method, params, 10_000)) as unknown as Record<string, unknown>;
          expect({ request: `${request.method} ${String(params.operation ?? params.type ?? '')}`, shape: shapeOf(answer) }).toEqual({
            request: `${request.method} ${String(params.operation ?? params.type ?? '')}`,
            shape: shapeOf(expected),
          });
          if (answer.error) expect((answer.error as { message: string }).message).toBe(translate((expected.error as { message: string }).message));
          const recordedResult = expected.result as Record<string, unknown> | undefined;
          const replayedResult = answer.result as Record<string, unknown> | undefined;
          for (const key of ['value', 'sessionId'] as const) {
            const was = recordedResult?.[key];
            const now = replayedResult?.[key];
            if (typeof was === 'string' && typeof now === 'string' && (key === 'sessionId' || /_kurento\.|^[0-9a-f-]{36}$/.test(was))) ids.set(was, now);
          }
          compared += 1;
        }
      } finally {
        client.close();
      }
      expect(compared).toBeGreaterThan(10);
    },
  );
});

describe('KMS emulator: serving requests as KMS does', () => {
  const started: KurentoEmulator[] = [];
  const clients: KmsWireClient[] = [];
  const emulator = async (options: ConstructorParameters<typeof KurentoEmulator>[0] = {}): Promise<KurentoEmulator> => {
    const kms = new KurentoEmulator(options);
    await kms.start();
    started.push(kms);
    return kms;
  };
  const open = async (url: string): Promise<KmsWireClient> => {
    const client = await KmsWireClient.open(url);
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(started.splice(0).map((k) => k.stop()));
  });

  const endpointIn = async (client: KmsWireClient): Promise<{ endpoint: string; sessionId: string }> => {
    const created = (await client.call('create', { type: 'MediaPipeline', constructorParams: {} })).result as { value: string; sessionId: string };
    const ep = (await client.call('create', { type: 'WebRtcEndpoint', constructorParams: { mediaPipeline: created.value }, sessionId: created.sessionId }))
      .result as { value: string };
    return { endpoint: ep.value, sessionId: created.sessionId };
  };

  it('serves one connection in order: a ping sent after slow processOffers waits for them; another connection does not', async () => {
    const kms = await emulator({ latencyMs: { processOffer: 200 } });
    const busy = await open(kms.url);
    const other = await open(kms.url);
    const endpoints = await Promise.all([0, 1, 2].map(() => endpointIn(busy)));
    const started = Date.now();
    const offers = endpoints.map(({ endpoint, sessionId }) =>
      busy.call('invoke', { object: endpoint, operation: 'processOffer', operationParams: { offer: chromiumOffer() }, sessionId }).then(() => Date.now() - started),
    );
    const sameSocketPing = busy.call('ping', {}).then(() => Date.now() - started);
    const otherSocketPing = other.call('ping', {}).then(() => Date.now() - started);
    const [offerTimes, busyPing, otherPing] = await Promise.all([Promise.all(offers), sameSocketPing, otherSocketPing]);
    expect(offerTimes[2]).toBeGreaterThanOrEqual(590);
    expect(busyPing).toBeGreaterThanOrEqual(offerTimes[2]!);
    expect(otherPing).toBeLessThan(200);
  });

  it('KMS 6 accepts the deprecated event names KMS 7 refuses; KeyframeRequired is in neither', async () => {
    for (const [version, onIceCandidate] of [['6.16.0', 'ok'], ['7.3.1', 40106]] as const) {
      const kms = await emulator({ version });
      const client = await open(kms.url);
      const { endpoint, sessionId } = await endpointIn(client);
      const subscribe = async (type: string): Promise<string | number> => {
        const r = await client.call('subscribe', { object: endpoint, type, sessionId });
        return r.error ? r.error.code : 'ok';
      };
      expect(await subscribe('OnIceCandidate')).toBe(onIceCandidate);
      expect(await subscribe('IceCandidateFound')).toBe('ok');
      expect(await subscribe('KeyframeRequired')).toBe(40106);
      expect(await subscribe(version.startsWith('6') ? 'MediaFlowInStateChange' : 'MediaFlowInStateChanged')).toBe('ok');
    }
  });

  it('a frozen KMS answers nothing, events included, until it thaws; then it serves the queue in order', async () => {
    const kms = await emulator();
    const client = await open(kms.url);
    await client.call('ping', { interval: 1000 });
    kms.freeze();
    const first = client.send('ping', {});
    const second = client.send('ping', {});
    await expect(client.awaitId(first, 300)).rejects.toThrow(/no answer/);
    kms.unfreeze();
    await client.awaitId(second, 2_000);
    expect(client.responseOrder.slice(-2)).toEqual([first, second]);
  });

  it('answers a repeated (session, id) from its 20 s request cache, as KMS does', async () => {
    const kms = await emulator();
    const client = await open(kms.url);
    const { endpoint, sessionId } = await endpointIn(client);
    const first = await client.call('invoke', { object: endpoint, operation: 'getName', operationParams: {}, sessionId }, 5_000, 9_000_001);
    const again = await client.call('invoke', { object: 'manager_ServerManager', operation: 'getPipelines', operationParams: {}, sessionId }, 5_000, 9_000_001);
    expect(again).toEqual(first);
  });

  it('dies, as KMS 7.3.1 does, when asked to connect an element to a pipeline', async () => {
    const kms = await emulator();
    const client = await open(kms.url);
    const created = (await client.call('create', { type: 'MediaPipeline', constructorParams: {} })).result as { value: string; sessionId: string };
    const ep = (await client.call('create', { type: 'WebRtcEndpoint', constructorParams: { mediaPipeline: created.value }, sessionId: created.sessionId })).result as {
      value: string;
    };
    client.send('invoke', { object: ep.value, operation: 'connect', operationParams: { sink: created.value }, sessionId: created.sessionId });
    expect(await client.closedWithin(2_000)).toBeDefined();
    expect(kms.running).toBe(false);
  });
});
