import type { ErrorCode } from './error-code';

/**
 * A refusal the client is told about. Thrown by the domain and the use cases; the inbound adapter turns
 * it into an `error` reply. Anything else that is thrown is a bug and is reported as `internalError`.
 */
export class SignalingError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable facts for the client, e.g. the right node's URL for `wrongNode`. */
    readonly details?: Readonly<Record<string, string | number | boolean>>,
  ) {
    super(message);
    this.name = 'SignalingError';
  }
}

export const isSignalingError = (e: unknown): e is SignalingError => e instanceof SignalingError;
