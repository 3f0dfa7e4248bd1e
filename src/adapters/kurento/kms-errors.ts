import { SignalingError } from '../../domain';

/** The `error` member of a KMS JSON-RPC response: `{code: 40101, message, data: {type: 'MEDIA_OBJECT_NOT_FOUND'}}`. */
export interface KmsErrorBody {
  readonly code: number;
  readonly message: string;
  readonly type?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Reads KMS's error member leniently: a malformed one still becomes a typed error, never a crash. */
export const parseKmsError = (error: unknown): KmsErrorBody => {
  if (!isRecord(error)) return { code: 0, message: String(error) };
  const data = isRecord(error.data) ? error.data : undefined;
  return {
    code: typeof error.code === 'number' ? error.code : 0,
    message: typeof error.message === 'string' ? error.message : 'unknown KMS error',
    ...(typeof data?.type === 'string' ? { type: data.type } : {}),
  };
};

/** KMS refused a request: the client sees `mediaBackendError` with KMS's code and type. */
export const kmsRefused = (operation: string, body: KmsErrorBody): SignalingError =>
  new SignalingError('mediaBackendError', `Kurento ${operation} failed: ${body.type ?? `code ${body.code}`}: ${body.message}`, {
    kmsErrorCode: body.code,
    kmsErrorType: body.type ?? 'UNKNOWN',
  });

/** KMS did not answer in time: also `mediaBackendError`; a dead KMS is detected by the health check. */
export const kmsTimedOut = (operation: string, timeoutMs: number): SignalingError =>
  new SignalingError('mediaBackendError', `Kurento ${operation} got no answer within ${timeoutMs} ms`, { kmsErrorType: 'TIMEOUT' });

export const kmsUnavailable = (url: string, why: string): SignalingError =>
  new SignalingError('mediaServerUnavailable', `the media server ${url} is unreachable (${why})`);
