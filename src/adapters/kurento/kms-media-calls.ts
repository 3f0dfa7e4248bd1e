import { SignalingError } from '../../domain';
import type { KmsRequestOptions, KmsResult } from './kms-rpc-socket';

/** What the calls below need from a connection: one JSON-RPC request with a deadline. */
export interface KmsRequester {
  request(method: string, params: Record<string, unknown>, operation?: string, options?: KmsRequestOptions): Promise<KmsResult>;
}

/** A KMS IceCandidate complex type, as KMS reads and writes it. */
export interface KmsIceCandidate {
  readonly candidate: string;
  readonly sdpMid: string;
  readonly sdpMLineIndex: number;
}

const stringValue = (operation: string, result: KmsResult): string => {
  if (typeof result.value !== 'string') {
    throw new SignalingError('mediaBackendError', `Kurento ${operation} answered without a value`, { kmsErrorType: 'BAD_RESPONSE' });
  }
  return result.value;
};

/**
 * The few KMS operations this adapter uses, typed. Names and parameters are those of KMS's module
 * descriptors (core.kmd.json, elements.kmd.json): `create` with `constructorParams`, `invoke` with
 * `operation` and `operationParams`.
 */
export const kmsCalls = (kms: KmsRequester) => {
  // An object KMS creates after we gave up on it would leak: release it when its id finally arrives.
  const releaseLate: KmsRequestOptions = {
    onLate: (result) => {
      if (typeof result.value === 'string') kms.request('release', { object: result.value }).catch(() => undefined);
    },
  };
  const create = async (type: string, constructorParams: Record<string, unknown>): Promise<string> =>
    stringValue(`create ${type}`, await kms.request('create', { type, constructorParams, properties: {} }, `create ${type}`, releaseLate));
  const invoke = (object: string, operation: string, operationParams: Record<string, unknown> = {}): Promise<KmsResult> =>
    kms.request('invoke', { object, operation, operationParams }, operation);
  return {
    createPipeline: (): Promise<string> => create('MediaPipeline', {}),
    createWebRtcEndpoint: (pipelineId: string): Promise<string> => create('WebRtcEndpoint', { mediaPipeline: pipelineId }),
    subscribe: async (object: string, type: string): Promise<string> =>
      stringValue(`subscribe ${type}`, await kms.request('subscribe', { object, type }, `subscribe ${type}`)),
    release: async (object: string): Promise<void> => {
      await kms.request('release', { object });
    },
    connect: async (source: string, sink: string): Promise<void> => {
      await invoke(source, 'connect', { sink });
    },
    processOffer: async (endpoint: string, offer: string): Promise<string> => stringValue('processOffer', await invoke(endpoint, 'processOffer', { offer })),
    processAnswer: async (endpoint: string, answer: string): Promise<void> => {
      await invoke(endpoint, 'processAnswer', { answer });
    },
    generateOffer: async (endpoint: string): Promise<string> => stringValue('generateOffer', await invoke(endpoint, 'generateOffer')),
    gatherCandidates: async (endpoint: string): Promise<void> => {
      await invoke(endpoint, 'gatherCandidates');
    },
    addIceCandidate: async (endpoint: string, candidate: KmsIceCandidate): Promise<void> => {
      await invoke(endpoint, 'addIceCandidate', { candidate: { __module__: 'kurento', __type__: 'IceCandidate', ...candidate } });
    },
  };
};

export type KmsCalls = ReturnType<typeof kmsCalls>;
