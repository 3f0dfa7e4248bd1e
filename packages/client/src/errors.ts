import type { ErrorCode, ErrorMessage } from './protocol';

/** The server refused a request: `code` is one of the protocol's error codes (docs/protocol.md). */
export class SignalingError extends Error {
  override readonly name = 'SignalingError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Readonly<Record<string, string | number | boolean>> = {},
    readonly requestId?: string | number,
  ) {
    super(message);
  }

  static from(m: ErrorMessage): SignalingError {
    return new SignalingError(m.code, m.message, m.details ?? {}, m.requestId);
  }
}

/** The connection closed (or could not open) before the reply came. */
export class ConnectionLostError extends Error {
  override readonly name = 'ConnectionLostError';
  constructor(
    message: string,
    readonly closeCode?: number,
  ) {
    super(message);
  }
}

/** No reply within the request's timeout. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
}

/** Codes that end the session for good: another device took the seat, or an administrator removed it. */
export const FINAL_CODES: ReadonlySet<ErrorCode> = new Set(['sessionReplaced', 'kicked', 'unauthorized']);
