import { readFileSync } from 'node:fs';
import { transcriptPath } from '../../support/kurento/kms-dir';
import { KmsWireClient, type WireResponse } from '../../support/kurento-emulator/kms-wire-client';

/**
 * One script of KMS JSON-RPC exchanges, run as it is against the emulator (kms-conformance.test.ts) and
 * against the real KMS 7.3.1 (real-kms/kms-conformance.real-kms.ts). Each step records what a client can
 * rely on (codes, types, messages, shapes), not values that differ run to run (ids, ports), so the two
 * reports can be compared whole. It covers every request the adapter sends and the rules around them.
 */

/** The Chromium 156 offer recorded next to the real KMS (transcripts/chromium-offer.sdp). */
export const chromiumOffer = (): string => readFileSync(transcriptPath('chromium-offer.sdp'), 'utf8');

export type Observation = string | boolean | Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An error as a client sees it, or a description of the result's shape. */
const seen = (r: WireResponse, shape?: (result: Record<string, unknown>) => Observation): Observation => {
  if (r.error) {
    return { code: r.error.code, ...(r.error.data?.type !== undefined ? { type: r.error.data.type } : {}), message: r.error.message };
  }
  const result = (r.result ?? null) as Record<string, unknown> | null;
  if (result === null) return 'null result';
  return shape ? shape(result) : { keys: Object.keys(result).sort().join(','), value: describeValue(result.value) };
};

const describeValue = (v: unknown): string =>
  v === undefined ? 'absent' : v === null ? 'null' : typeof v === 'string' ? (UUID.test(v) ? 'uuid' : 'string') : Array.isArray(v) ? 'array' : typeof v;

interface SdpFacts {
  readonly mids: string[];
  readonly kinds: string[];
  readonly protos: string[];
  readonly directions: string[];
  readonly bundle: string;
  readonly setup: string[];
  readonly rtcpMux: boolean;
  readonly ufragLengths: number[];
  readonly pwdLengths: number[];
  readonly fingerprints: boolean;
  readonly sessionName: string;
}

/** What a browser checks in an SDP, per media section. */
export const sdpFacts = (sdp: string): SdpFacts => {
  const sections = sdp.split(/\r?\nm=/).slice(1).map((s) => `m=${s}`);
  const attr = (text: string, name: string): string[] => [...text.matchAll(new RegExp(`^a=${name}:?(.*)$`, 'gm'))].map((m) => m[1]!.trim());
  return {
    mids: sections.map((s) => attr(s, 'mid')[0] ?? ''),
    kinds: sections.map((s) => s.slice(2).split(' ')[0]!),
    protos: sections.map((s) => s.split(/\r?\n/)[0]!.split(' ')[2]!),
    directions: sections.map((s) => ['sendrecv', 'sendonly', 'recvonly', 'inactive'].find((d) => new RegExp(`^a=${d}\\s*$`, 'm').test(s)) ?? 'sendrecv'),
    bundle: attr(sdp.split(/\r?\nm=/)[0]!, 'group')[0] ?? '',
    setup: sections.map((s) => attr(s, 'setup')[0] ?? ''),
    rtcpMux: sections.every((s) => /^a=rtcp-mux\s*$/m.test(s)),
    ufragLengths: sections.map((s) => (attr(s, 'ice-ufrag')[0] ?? '').length),
    pwdLengths: sections.map((s) => (attr(s, 'ice-pwd')[0] ?? '').length),
    fingerprints: sections.every((s) => /^a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}\s*$/m.test(s)),
    sessionName: /^s=(.*)$/m.exec(sdp)?.[1]?.trim() ?? '',
  };
};

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const waitFor = async (check: () => boolean, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await wait(20);
  }
  return check();
};

/** Runs the script against the KMS at `url` and returns what each step saw, in order. */
export const runConformanceScript = async (url: string): Promise<Record<string, Observation>> => {
  const report: Record<string, Observation> = {};
  const offer = chromiumOffer();
  const a = await KmsWireClient.open(url);
  let b: KmsWireClient | undefined;
  let c: KmsWireClient | undefined;
  try {
    // Keep-alive handshake, session creation, and the pong's sessionId once a session exists.
    report['first ping'] = seen(await a.call('ping', { interval: 3000 }));
    const created = await a.call('create', { type: 'MediaPipeline', constructorParams: {}, properties: {} });
    report['create MediaPipeline'] = seen(created, (r) => ({
      keys: Object.keys(r).sort().join(','),
      value: /^[0-9a-f-]{36}_kurento\.MediaPipeline$/.test(String(r.value)) ? '<uuid>_kurento.MediaPipeline' : String(r.value),
      sessionId: describeValue(r.sessionId),
    }));
    const created2 = created.result as { value: string; sessionId: string };
    const pipeline = created2.value;
    const sessionId = created2.sessionId;
    const s = { sessionId };
    report['ping without sessionId, after a session exists'] = seen(await a.call('ping', {}), (r) => ({ value: String(r.value), sessionId: r.sessionId === sessionId ? 'the session' : describeValue(r.sessionId) }));
    const endpoint = async (): Promise<string> =>
      String(((await a.call('create', { type: 'WebRtcEndpoint', constructorParams: { mediaPipeline: pipeline }, properties: {}, ...s })).result as { value: string }).value);
    const ep1 = await endpoint();
    report['create WebRtcEndpoint'] = ep1.startsWith(`${pipeline}/`) && /\/[0-9a-f-]{36}_kurento\.WebRtcEndpoint$/.test(ep1) ? '<pipeline>/<uuid>_kurento.WebRtcEndpoint' : ep1;

    // Events by name (KMS 7: the deprecated 6.x names are gone; KeyframeRequired never existed).
    for (const type of ['IceCandidateFound', 'IceGatheringDone', 'OnIceCandidate', 'OnIceGatheringDone', 'IceComponentStateChange', 'MediaFlowInStateChange', 'KeyframeRequired']) {
      report[`subscribe ${type}`] = seen(await a.call('subscribe', { type, object: ep1, ...s }));
    }
    report['subscribe IceCandidateFound on a pipeline'] = seen(await a.call('subscribe', { type: 'IceCandidateFound', object: pipeline, ...s }));
    report['subscribe without type'] = seen(await a.call('subscribe', { object: ep1, ...s }));

    // create: parameters, types.
    report['create WebRtcEndpoint without constructorParams'] = seen(await a.call('create', { type: 'WebRtcEndpoint', ...s }));
    report['create WebRtcEndpoint without mediaPipeline'] = seen(await a.call('create', { type: 'WebRtcEndpoint', constructorParams: {}, ...s }));
    report['create WebRtcEndpoint in an unknown pipeline'] = seen(await a.call('create', { type: 'WebRtcEndpoint', constructorParams: { mediaPipeline: 'nope' }, ...s }));
    report['create of an unknown type'] = seen(await a.call('create', { type: 'NoSuchElement', constructorParams: {}, ...s }));
    report['create without type'] = seen(await a.call('create', { constructorParams: {}, ...s }));

    // invoke: operations, parameters, enums, objects.
    report['invoke of an unknown operation'] = seen(await a.call('invoke', { object: ep1, operation: 'frobnicate', operationParams: {}, ...s }));
    report['invoke of an unknown operation with 2 parameters'] = seen(await a.call('invoke', { object: ep1, operation: 'frobnicate', operationParams: { a: 1, b: 2 }, ...s }));
    report['invoke without operation'] = seen(await a.call('invoke', { object: ep1, operationParams: {}, ...s }));
    report['invoke on an unknown object'] = seen(await a.call('invoke', { object: 'does-not-exist', operation: 'getName', operationParams: {}, ...s }));
    report['processOffer without offer'] = seen(await a.call('invoke', { object: ep1, operation: 'processOffer', operationParams: {}, ...s }));
    report['isMediaFlowingIn with an unknown MediaType'] = seen(await a.call('invoke', { object: ep1, operation: 'isMediaFlowingIn', operationParams: { mediaType: 'FOO' }, ...s }));
    report['isMediaFlowingIn VIDEO'] = seen(await a.call('invoke', { object: ep1, operation: 'isMediaFlowingIn', operationParams: { mediaType: 'VIDEO' }, ...s }));
    const ep2 = await endpoint();
    report['connect without sink'] = seen(await a.call('invoke', { object: ep1, operation: 'connect', operationParams: {}, ...s }));
    report['connect to an unknown sink'] = seen(await a.call('invoke', { object: ep1, operation: 'connect', operationParams: { sink: 'nope' }, ...s }));
    report['connect with an unknown MediaType'] = seen(await a.call('invoke', { object: ep1, operation: 'connect', operationParams: { sink: ep2, mediaType: 'FOO' }, ...s }));
    report['connect'] = seen(await a.call('invoke', { object: ep1, operation: 'connect', operationParams: { sink: ep2 }, ...s }));

    // Candidates as the adapter sends them: the IceCandidate complex type.
    const line = 'candidate:1 1 UDP 2122260223 192.0.2.9 50000 typ host';
    const add = (candidate: unknown): Promise<WireResponse> => a.call('invoke', { object: ep2, operation: 'addIceCandidate', operationParams: { candidate }, ...s });
    report['addIceCandidate as the adapter sends it'] = seen(await add({ __module__: 'kurento', __type__: 'IceCandidate', candidate: line, sdpMid: '0', sdpMLineIndex: 0 }));
    report['addIceCandidate without __module__/__type__'] = seen(await add({ candidate: line, sdpMid: '0', sdpMLineIndex: 0 }));
    report['addIceCandidate without sdpMid'] = seen(await add({ candidate: line, sdpMLineIndex: 0 }));
    report['addIceCandidate with sdpMLineIndex as text'] = seen(await add({ candidate: line, sdpMid: '0', sdpMLineIndex: '0' }));
    report['addIceCandidate as a string'] = seen(await add(line));
    report['addIceCandidate of an unparsable line'] = seen(await add({ candidate: 'garbage', sdpMid: '0', sdpMLineIndex: 0 }));

    // SDP negotiation rules and answers a browser accepts.
    report['processAnswer before generateOffer'] = seen(await a.call('invoke', { object: ep1, operation: 'processAnswer', operationParams: { answer: offer }, ...s }));
    const answered = await a.call('invoke', { object: ep1, operation: 'processOffer', operationParams: { offer }, ...s });
    report['processOffer of a Chromium offer'] = seen(answered, (r) => ({ ...sdpFacts(String(r.value)) }));
    report['processOffer twice'] = seen(await a.call('invoke', { object: ep1, operation: 'processOffer', operationParams: { offer }, ...s }));
    report['generateOffer after processOffer'] = seen(await a.call('invoke', { object: ep1, operation: 'generateOffer', operationParams: {}, ...s }));
    report['processOffer of an empty offer'] = seen(await a.call('invoke', { object: ep2, operation: 'processOffer', operationParams: { offer: '' }, ...s }));
    report['processOffer of text that is no SDP'] = seen(await a.call('invoke', { object: ep2, operation: 'processOffer', operationParams: { offer: 'hello' }, ...s }));
    const ep3 = await endpoint();
    report['generateOffer'] = seen(await a.call('invoke', { object: ep3, operation: 'generateOffer', operationParams: {}, ...s }), (r) => ({ ...sdpFacts(String(r.value)) }));
    report['processOffer after generateOffer'] = seen(await a.call('invoke', { object: ep3, operation: 'processOffer', operationParams: { offer }, ...s }));
    report['processAnswer of text that is no SDP'] = seen(await a.call('invoke', { object: ep3, operation: 'processAnswer', operationParams: { answer: 'garbage' }, ...s }));

    // Candidates are events after the gatherCandidates response, for the subscribed type only.
    const before = a.events.length;
    const gatherId = a.send('invoke', { object: ep1, operation: 'gatherCandidates', operationParams: {}, ...s });
    const gathered = await a.awaitId(gatherId, 10_000);
    await waitFor(() => a.events.slice(before).some((e) => e.type === 'IceCandidateFound'), 5_000);
    await wait(300);
    const events = a.events.slice(before);
    const candidates = events.filter((e) => e.type === 'IceCandidateFound');
    const first = candidates[0]?.data.candidate as Record<string, unknown> | undefined;
    report['gatherCandidates'] = {
      response: seen(gathered),
      eventTypes: [...new Set(events.map((e) => e.type))].sort().join(','),
      candidateKeys: first ? Object.keys(first).sort().join(',') : 'none',
      candidateType: first ? `${String(first.__module__)}.${String(first.__type__)}` : 'none',
      mids: [...new Set(candidates.map((e) => String((e.data.candidate as Record<string, unknown>).sdpMid)))].sort().join(','),
      eventDataKeys: candidates[0] ? Object.keys(candidates[0].data).sort().join(',') : 'none',
    };

    // One connection's requests are answered in the order they were sent.
    const burst = [
      a.send('create', { type: 'WebRtcEndpoint', constructorParams: { mediaPipeline: pipeline }, properties: {}, ...s }),
      a.send('invoke', { object: 'manager_ServerManager', operation: 'getPipelines', operationParams: {}, ...s }),
      a.send('create', { type: 'WebRtcEndpoint', constructorParams: { mediaPipeline: pipeline }, properties: {}, ...s }),
      a.send('ping', {}),
    ];
    await Promise.all(burst.map((id) => a.awaitId(id, 10_000)));
    const answeredOrder = a.responseOrder.filter((id) => burst.includes(id as number));
    report['a burst is answered in request order'] = answeredOrder.join(',') === burst.join(',');

    // Object listings.
    report['ServerManager getPipelines'] = seen(await a.call('invoke', { object: 'manager_ServerManager', operation: 'getPipelines', operationParams: {}, ...s }), (r) => ({
      holdsThePipeline: Array.isArray(r.value) && (r.value as unknown[]).includes(pipeline),
    }));
    report['ServerManager getChildren'] = seen(await a.call('invoke', { object: 'manager_ServerManager', operation: 'getChildren', operationParams: {}, ...s }));
    report['MediaPipeline getChildren'] = seen(await a.call('invoke', { object: pipeline, operation: 'getChildren', operationParams: {}, ...s }), (r) => ({
      endpoints: Array.isArray(r.value) ? (r.value as unknown[]).length : -1,
    }));
    report['describe a WebRtcEndpoint'] = seen(await a.call('describe', { object: ep1, ...s }), (r) => ({ type: String(r.type), qualifiedType: String(r.qualifiedType), hierarchy: (r.hierarchy as string[]).join(',') }));

    // JSON-RPC level: unknown method, a message that is no request, release of unknown ids.
    report['unknown method'] = seen(await a.call('frobnicate', { ...s }));
    report['a request without jsonrpc member'] = seen(await a.raw(JSON.stringify({ id: 777, method: 'ping', params: {} })));
    report['release of an unknown object'] = seen(await a.call('release', { object: 'nope_kurento.MediaPipeline', ...s }));
    report['release without object'] = seen(await a.call('release', { ...s }));

    // Session resume: the socket goes, KMS keeps the session's objects and subscriptions.
    a.close();
    await wait(300);
    b = await KmsWireClient.open(url);
    report['ping on a new socket'] = seen(await b.call('ping', { interval: 3000 }));
    report['connect with the old sessionId'] = seen(await b.call('connect', { sessionId }), (r) => ({
      keys: Object.keys(r).sort().join(','),
      sessionId: r.sessionId === sessionId ? 'the same session' : describeValue(r.sessionId),
      serverId: describeValue(r.serverId),
    }));
    // KMS's request cache: an id this session used in the last 20 s gets the old answer again, whatever the request.
    const reused = await b.call('invoke', { object: 'manager_ServerManager', operation: 'getPipelines', operationParams: {}, ...s }, 10_000, gatherId);
    report['a request reusing an id of the old socket'] = seen(reused, (r) => ({ value: describeValue(r.value), note: r.value === null ? 'the cached gatherCandidates answer' : 'answered anew' }));
    report['the pipeline lives on'] = seen(await b.call('invoke', { object: pipeline, operation: 'getName', operationParams: {}, ...s }), (r) => ({ value: r.value === pipeline ? 'its id' : describeValue(r.value) }));
    const resumedBefore = b.events.length;
    await b.call('invoke', { object: ep1, operation: 'processOffer', operationParams: { offer }, ...s }).catch(() => undefined);
    const epResumed = String(((await b.call('create', { type: 'WebRtcEndpoint', constructorParams: { mediaPipeline: pipeline }, properties: {}, ...s })).result as { value: string }).value);
    await b.call('subscribe', { type: 'IceCandidateFound', object: epResumed, ...s });
    await b.call('invoke', { object: epResumed, operation: 'processOffer', operationParams: { offer }, ...s });
    await b.call('invoke', { object: epResumed, operation: 'gatherCandidates', operationParams: {}, ...s });
    report['events reach the resumed connection'] = await waitFor(() => b!.events.length > resumedBefore, 5_000);
    report['connect with an unknown sessionId'] = seen(await b.call('connect', { sessionId: '00000000-0000-4000-8000-000000000000' }));

    // closeSession: resuming the session is refused from then on. (Whether its objects go at once is not
    // asserted: KMS 7.3.1 unrefs them and was seen both to free the pipeline at once and to keep it.)
    await b.call('release', { object: pipeline, ...s });
    report['closeSession'] = seen(await b.call('closeSession', { ...s }));
    c = await KmsWireClient.open(url);
    report['connect with a closed sessionId'] = seen(await c.call('connect', { sessionId }));

    // A frame that is not JSON: KMS drops the connection without an answer.
    c.raw('{not json').catch(() => undefined);
    report['a frame that is not JSON'] = (await c.closedWithin(3_000)) === undefined ? 'connection kept' : 'connection closed';
    return report;
  } finally {
    a.close();
    b?.close();
    c?.close();
  }
};

/**
 * What KMS 7.3.1 (../shared/kms, built from Kurento/kurento 2e4bf55) answered to the script on
 * 2026-11-30. The emulator must answer the same; kms-conformance.real-kms.ts checks that KMS still does.
 */
export const KMS_7_3_1: Record<string, Observation> = {
  'first ping': { keys: 'value', value: 'string' },
  'create MediaPipeline': { keys: 'sessionId,value', value: '<uuid>_kurento.MediaPipeline', sessionId: 'uuid' },
  'ping without sessionId, after a session exists': { value: 'pong', sessionId: 'the session' },
  'create WebRtcEndpoint': '<pipeline>/<uuid>_kurento.WebRtcEndpoint',
  'subscribe IceCandidateFound': { keys: 'sessionId,value', value: 'uuid' },
  'subscribe IceGatheringDone': { keys: 'sessionId,value', value: 'uuid' },
  'subscribe OnIceCandidate': { code: 40106, type: 'MEDIA_OBJECT_EVENT_NOT_SUPPORTED', message: "Event 'OnIceCandidate' not supported" },
  'subscribe OnIceGatheringDone': { code: 40106, type: 'MEDIA_OBJECT_EVENT_NOT_SUPPORTED', message: "Event 'OnIceGatheringDone' not supported" },
  'subscribe IceComponentStateChange': { code: 40106, type: 'MEDIA_OBJECT_EVENT_NOT_SUPPORTED', message: "Event 'IceComponentStateChange' not supported" },
  'subscribe MediaFlowInStateChange': { code: 40106, type: 'MEDIA_OBJECT_EVENT_NOT_SUPPORTED', message: "Event 'MediaFlowInStateChange' not supported" },
  'subscribe KeyframeRequired': { code: 40106, type: 'MEDIA_OBJECT_EVENT_NOT_SUPPORTED', message: "Event 'KeyframeRequired' not supported" },
  'subscribe IceCandidateFound on a pipeline': { code: 40106, type: 'MEDIA_OBJECT_EVENT_NOT_SUPPORTED', message: "Event 'IceCandidateFound' not supported" },
  'subscribe without type': { code: -32000, message: "'type' parameter is required" },
  'create WebRtcEndpoint without constructorParams': { code: 40001, type: 'MARSHALL_ERROR', message: "'constructorParams' is required" },
  'create WebRtcEndpoint without mediaPipeline': { code: 40001, type: 'MARSHALL_ERROR', message: "'mediaPipeline' parameter should be a string" },
  'create WebRtcEndpoint in an unknown pipeline': { code: 40101, type: 'MEDIA_OBJECT_NOT_FOUND', message: "Object 'nope' not found" },
  'create of an unknown type': { code: 40108, type: 'MEDIA_OBJECT_NOT_AVAILABLE', message: "Factory 'NoSuchElement' not found" },
  'create without type': { code: -32000, message: "'type' parameter is required" },
  'invoke of an unknown operation': { code: 40008, type: 'MALFORMED_TRANSACTION', message: "Method 'frobnicate' with 0 parameters not found" },
  'invoke of an unknown operation with 2 parameters': { code: 40008, type: 'MALFORMED_TRANSACTION', message: "Method 'frobnicate' with 2 parameters not found" },
  'invoke without operation': { code: -32000, message: "'operation' parameter is required" },
  'invoke on an unknown object': { code: 40101, type: 'MEDIA_OBJECT_NOT_FOUND', message: "Object 'does-not-exist' not found" },
  'processOffer without offer': { code: 40001, type: 'MARSHALL_ERROR', message: "'offer' parameter should be a string" },
  'isMediaFlowingIn with an unknown MediaType': { code: 40001, type: 'MARSHALL_ERROR', message: "Invalid value for 'MediaType'" },
  'isMediaFlowingIn VIDEO': { keys: 'sessionId,value', value: 'boolean' },
  'connect without sink': { code: 40001, type: 'MARSHALL_ERROR', message: "'sink' parameter should be a string" },
  'connect to an unknown sink': { code: 40101, type: 'MEDIA_OBJECT_NOT_FOUND', message: "Object 'nope' not found" },
  'connect with an unknown MediaType': { code: 40001, type: 'MARSHALL_ERROR', message: "Invalid value for 'MediaType'" },
  connect: { keys: 'sessionId,value', value: 'null' },
  'addIceCandidate as the adapter sends it': { keys: 'sessionId,value', value: 'null' },
  'addIceCandidate without __module__/__type__': { keys: 'sessionId,value', value: 'null' },
  'addIceCandidate without sdpMid': { code: 40001, type: 'MARSHALL_ERROR', message: "'sdpMid' property should be a string" },
  'addIceCandidate with sdpMLineIndex as text': { code: 40001, type: 'MARSHALL_ERROR', message: "'sdpMLineIndex' property should be a integer" },
  'addIceCandidate as a string': { code: 40001, type: 'MARSHALL_ERROR', message: "'candidate' parameter should be a object" },
  'addIceCandidate of an unparsable line': { keys: 'sessionId,value', value: 'null' },
  'processAnswer before generateOffer': {
    code: 40209,
    type: 'SDP_END_POINT_NOT_OFFER_GENERATED',
    message: 'Offer not generated. It is not possible to process an answer.',
  },
  'processOffer of a Chromium offer': {
    mids: ['0', '1'],
    kinds: ['audio', 'video'],
    protos: ['UDP/TLS/RTP/SAVPF', 'UDP/TLS/RTP/SAVPF'],
    directions: ['sendrecv', 'sendrecv'],
    bundle: 'BUNDLE 0 1',
    setup: ['active', 'active'],
    rtcpMux: true,
    ufragLengths: [4, 4],
    pwdLengths: [22, 22],
    fingerprints: true,
    sessionName: 'Kurento Media Server',
  },
  'processOffer twice': { code: 40208, type: 'SDP_END_POINT_ALREADY_NEGOTIATED', message: 'Endpoint already negotiated' },
  'generateOffer after processOffer': { code: 40208, type: 'SDP_END_POINT_ALREADY_NEGOTIATED', message: 'Endpoint already negotiated' },
  'processOffer of an empty offer': { code: 40201, type: 'SDP_PARSE_ERROR', message: 'Empty offer not valid' },
  'processOffer of text that is no SDP': { code: 40201, type: 'SDP_PARSE_ERROR', message: 'Invalid SDP' },
  generateOffer: {
    mids: ['audio0', 'video0'],
    kinds: ['audio', 'video'],
    protos: ['RTP/SAVPF', 'RTP/SAVPF'],
    directions: ['sendrecv', 'sendrecv'],
    bundle: 'BUNDLE audio0 video0',
    setup: ['actpass', 'actpass'],
    rtcpMux: true,
    ufragLengths: [4, 4],
    pwdLengths: [22, 22],
    fingerprints: true,
    sessionName: 'Kurento Media Server',
  },
  'processOffer after generateOffer': { code: 40208, type: 'SDP_END_POINT_ALREADY_NEGOTIATED', message: 'Endpoint already negotiated' },
  'processAnswer of text that is no SDP': { code: 40201, type: 'SDP_PARSE_ERROR', message: 'Invalid SDP' },
  gatherCandidates: {
    response: { keys: 'sessionId,value', value: 'null' },
    eventTypes: 'IceCandidateFound,IceGatheringDone',
    candidateKeys: '__module__,__type__,candidate,sdpMLineIndex,sdpMid',
    candidateType: 'kurento.IceCandidate',
    mids: '0,1',
    eventDataKeys: 'candidate,source,tags,timestampMillis,type',
  },
  'a burst is answered in request order': true,
  'ServerManager getPipelines': { holdsThePipeline: true },
  'ServerManager getChildren': { keys: 'sessionId,value', value: 'array' },
  'MediaPipeline getChildren': { endpoints: 5 },
  'describe a WebRtcEndpoint': {
    type: 'WebRtcEndpoint',
    qualifiedType: 'kurento.WebRtcEndpoint',
    hierarchy: 'kurento.BaseRtpEndpoint,kurento.SdpEndpoint,kurento.SessionEndpoint,kurento.Endpoint,kurento.MediaElement,kurento.MediaObject',
  },
  'unknown method': { code: -32601, message: 'Method not found.' },
  'a request without jsonrpc member': { code: -32600, message: 'Invalid JSON-RPC request.' },
  'release of an unknown object': { keys: 'sessionId', value: 'absent' },
  'release without object': { code: -32000, message: "'object' parameter is required" },
  'ping on a new socket': { keys: 'value', value: 'string' },
  'connect with the old sessionId': { keys: 'serverId,sessionId', sessionId: 'the same session', serverId: 'uuid' },
  'a request reusing an id of the old socket': { value: 'null', note: 'the cached gatherCandidates answer' },
  'the pipeline lives on': { value: 'its id' },
  'events reach the resumed connection': true,
  'connect with an unknown sessionId': { code: 40007, type: 'INVALID_SESSION', message: 'Invalid session' },
  closeSession: 'null result',
  'connect with a closed sessionId': { code: 40007, type: 'INVALID_SESSION', message: 'Invalid session' },
  'a frame that is not JSON': 'connection closed',
};
