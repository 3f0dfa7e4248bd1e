import { KurentoEmulator, sampleOffer, type EndpointView } from '../../support/kurento-emulator';
import { SignalingClient, type WireMessage } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';
import type { RunningNode } from '../../../src/start-node';

/** Fast failure detection for tests; every value is far above what loopback needs. */
export const FAST_KMS_ENV: Record<string, string> = {
  KURENTO_HEALTH_INTERVAL_MS: '500',
  KURENTO_HEALTH_TIMEOUT_MS: '800',
  KURENTO_HEALTH_FAILURES: '2',
  KURENTO_RECONNECT_MIN_MS: '100',
  KURENTO_RECONNECT_MAX_MS: '400',
  KURENTO_JOIN_WAIT_MS: '3000',
  KURENTO_CONNECT_TIMEOUT_MS: '1000',
  KURENTO_RESUME_WINDOW_MS: '1500',
};

export const startKurentoNode = (kmsUrls: readonly string[], env: Record<string, string> = {}): Promise<RunningNode> =>
  startTestServer({ MEDIA_BACKEND: 'kurento', KURENTO_URL: kmsUrls.join(','), ...FAST_KMS_ENV, ...env });

export const startEmulator = async (): Promise<KurentoEmulator> => {
  const emulator = new KurentoEmulator();
  await emulator.start();
  return emulator;
};

export const candidate = (n: number) => ({
  candidate: `candidate:${n} 1 udp 2122260223 192.0.2.${n} 5${n}000 typ host generation 0`,
  sdpMid: '0',
  sdpMLineIndex: 0,
});

/** Polls until `check` returns (or resolves) without throwing, or rethrows its last error after `timeoutMs`. */
export const eventually = async <T>(check: () => T | Promise<T>, timeoutMs = 5_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
};

export const connectClients = (node: RunningNode, n: number): Promise<SignalingClient[]> =>
  Promise.all(Array.from({ length: n }, () => SignalingClient.connect(node.wsUrl)));

/** The seed's publish: `receiveVideoFrom` with one's own id; resolves with the answer. */
export const publish = async (client: SignalingClient, userId: string): Promise<WireMessage> => {
  client.send({ id: 'receiveVideoFrom', userId, sdpOffer: sampleOffer('sendonly') });
  return client.next('receiveVideoAnswer', (m) => m.userId === userId);
};

/** The seed's subscription: `receiveVideoFrom` with another's id; resolves with the answer. */
export const receiveFrom = async (client: SignalingClient, publisher: string): Promise<WireMessage> => {
  client.send({ id: 'receiveVideoFrom', userId: publisher, sdpOffer: sampleOffer('recvonly') });
  return client.next('receiveVideoAnswer', (m) => m.userId === publisher);
};

/** A candidate whose text names its link, so a test can find the KMS endpoint it reached. */
export const marker = (label: string) => ({ candidate: `candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host ufrag ${label}`, sdpMid: '0', sdpMLineIndex: 0 });

/** The one endpoint whose remote candidates include the marker `label`. */
export const endpointMarked = (kms: KurentoEmulator, label: string): EndpointView => {
  const found = kms.endpoints().filter((e) => e.remoteCandidates.some((c) => c.candidate.endsWith(` ${label}`)));
  if (found.length !== 1) throw new Error(`${found.length} endpoints carry the marker ${label}`);
  return found[0]!;
};

/** The endpoint that receives from `source`, i.e. the incoming endpoint connected from it. */
export const sinksOf = (endpoints: readonly EndpointView[], source: string): EndpointView[] => endpoints.filter((e) => e.source === source);

export const closeAll = async (clients: readonly SignalingClient[]): Promise<void> => {
  await Promise.all(clients.map((c) => c.close()));
};

/** A KMS emulator and a signaling node on it; the clients a test opens go into `open`. */
export interface KurentoRig {
  readonly kms: KurentoEmulator;
  readonly node: RunningNode;
  readonly open: SignalingClient[];
  /** Connects `n` clients to the node; they are closed after each test. */
  clients(n: number): Promise<SignalingClient[]>;
}

export interface KurentoRigOptions {
  /** Variables for the node besides FAST_KMS_ENV. */
  readonly env?: Record<string, string>;
  /** Before the test's clients are closed (e.g. clear the faults it injected, so closing is not refused). */
  readonly beforeCleanup?: (rig: KurentoRig) => void;
  /** After each test, KMS must be left with no object: everything a room made was released. */
  readonly leavesNothing?: boolean;
}

/**
 * The set-up the Kurento integration tests share: one emulator and one node for the whole file (`all`)
 * or fresh ones for each test (`each`), the test's clients closed after it.
 */
export const kurentoRig = (scope: 'all' | 'each', options: KurentoRigOptions = {}): KurentoRig => {
  let kms: KurentoEmulator | undefined;
  let node: RunningNode | undefined;
  const open: SignalingClient[] = [];
  const rig: KurentoRig = {
    get kms() {
      if (!kms) throw new Error('the KMS emulator is not running');
      return kms;
    },
    get node() {
      if (!node) throw new Error('the signaling node is not running');
      return node;
    },
    open,
    clients: async (n) => {
      const made = await connectClients(rig.node, n);
      open.push(...made);
      return made;
    },
  };
  const start = async (): Promise<void> => {
    kms = await startEmulator();
    node = await startKurentoNode([kms.url], options.env);
  };
  const stop = async (): Promise<void> => {
    await node?.stop();
    await kms?.stop();
    node = undefined;
    kms = undefined;
  };
  if (scope === 'all') beforeAll(start);
  else beforeEach(start);
  afterEach(async () => {
    options.beforeCleanup?.(rig);
    await closeAll(open.splice(0));
    if (options.leavesNothing) await eventually(() => expect(rig.kms.liveObjectCount()).toBe(0));
    if (scope === 'each') await stop();
  });
  if (scope === 'all') afterAll(stop);
  return rig;
};
