import { KmsError } from './kms-error';

/** The KMS generation the emulator plays: the module descriptors (kmd) differ in event names. */
export type KmsGeneration = 6 | 7;

export const generationOf = (version: string): KmsGeneration => (Number(version.split('.')[0]) >= 7 ? 7 : 6);

/**
 * Events a WebRtcEndpoint accepts subscriptions for, by generation: its own kmd plus those of
 * BaseRtpEndpoint, SessionEndpoint, MediaElement and MediaObject. KMS 7 dropped the deprecated `On…`
 * names and renamed the `…Change` events of 6 to `…Changed` (KMS 7.3.1 answers 40106 for
 * `OnIceCandidate`, `IceComponentStateChange`, `MediaFlowInStateChange`, `DataChannelOpen`).
 * `KeyframeRequired` is in neither.
 */
const WEBRTC_EVENTS: Readonly<Record<KmsGeneration, readonly string[]>> = {
  6: [
    'OnIceCandidate', 'IceCandidateFound', 'OnIceGatheringDone', 'IceGatheringDone', 'OnIceComponentStateChanged', 'IceComponentStateChange',
    'OnDataChannelOpened', 'DataChannelOpen', 'OnDataChannelClosed', 'DataChannelClose', 'NewCandidatePairSelected',
    'MediaStateChanged', 'ConnectionStateChanged', 'MediaSessionStarted', 'MediaSessionTerminated',
    'ElementConnected', 'ElementDisconnected', 'MediaFlowOutStateChange', 'MediaFlowInStateChange', 'MediaTranscodingStateChange', 'Error',
  ],
  7: [
    'IceCandidateFound', 'IceGatheringDone', 'IceComponentStateChanged', 'DtlsConnectionStateChange', 'DataChannelOpened', 'DataChannelClosed',
    'NewCandidatePairSelected', 'MediaStateChanged', 'ConnectionStateChanged', 'MediaSessionTerminated', 'MediaSessionStarted',
    'ElementConnected', 'ElementDisconnected', 'MediaFlowOutStateChanged', 'MediaFlowInStateChanged', 'MediaTranscodingStateChanged', 'Error',
  ],
};

export const eventsOf = (type: 'WebRtcEndpoint' | 'MediaPipeline' | 'ServerManager', generation: KmsGeneration): ReadonlySet<string> =>
  new Set(type === 'WebRtcEndpoint' ? WEBRTC_EVENTS[generation] : type === 'MediaPipeline' ? ['Error'] : ['ObjectCreated', 'ObjectDestroyed', 'Error']);

export const WEBRTC_HIERARCHY = [
  'kurento.BaseRtpEndpoint',
  'kurento.SdpEndpoint',
  'kurento.SessionEndpoint',
  'kurento.Endpoint',
  'kurento.MediaElement',
  'kurento.MediaObject',
];

const ENUMS = { MediaType: ['AUDIO', 'DATA', 'VIDEO'] } as const;

type Params = Readonly<Record<string, unknown>>;

/** A required string parameter, read as KMS's marshaller reads it (numbers become their text). */
export const stringParam = (params: Params, name: string): string => {
  const value = params[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw KmsError.marshall(`'${name}' parameter should be a string`);
};

/** An optional enum parameter: absent is fine, an unknown value is KMS's marshalling error. */
export const enumParam = (params: Params, name: string, type: keyof typeof ENUMS, required = false): string | undefined => {
  const value = params[name];
  if (value === undefined) {
    if (required) throw KmsError.marshall(`'${name}' parameter should be a string`);
    return undefined;
  }
  if (typeof value !== 'string' || !(ENUMS[type] as readonly string[]).includes(value)) throw KmsError.marshall(`Invalid value for '${type}'`);
  return value;
};

export interface WireIceCandidate {
  readonly candidate: string;
  readonly sdpMid: string;
  readonly sdpMLineIndex: number;
}

/** The IceCandidate complex type; `__module__`/`__type__` are optional, as KMS 7.3.1 accepts them absent. */
export const candidateParam = (params: Params): WireIceCandidate => {
  const value = params.candidate;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw KmsError.marshall("'candidate' parameter should be a object");
  const c = value as Params;
  if (typeof c.candidate !== 'string') throw KmsError.marshall("'candidate' property should be a string");
  if (typeof c.sdpMid !== 'string') throw KmsError.marshall("'sdpMid' property should be a string");
  if (typeof c.sdpMLineIndex !== 'number' || !Number.isInteger(c.sdpMLineIndex)) throw KmsError.marshall("'sdpMLineIndex' property should be a integer");
  return { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex };
};

/** KMS's answer for an operation the object does not have, counting the parameters it was given. */
export const operationNotFound = (operation: string, params: Params): KmsError =>
  KmsError.of('MALFORMED_TRANSACTION', `Method '${operation}' with ${Object.keys(params).length} parameters not found`);
