/**
 * The errors Kurento Media Server answers with, by code and by the `data.type` name KMS puts next to
 * it (KurentoException.hpp). kurento-client turns some codes into specific JS error classes, so the
 * codes must be the real ones.
 */
export const KMS_ERRORS = {
  MEDIA_OBJECT_TYPE_NOT_FOUND: 40100,
  MEDIA_OBJECT_NOT_FOUND: 40101,
  MEDIA_OBJECT_METHOD_NOT_FOUND: 40105,
  MEDIA_OBJECT_EVENT_NOT_SUPPORTED: 40106,
  MEDIA_OBJECT_ILLEGAL_PARAM_ERROR: 40107,
  INVALID_SESSION: 40007,
  SDP_PARSE_ERROR: 40201,
  SDP_END_POINT_PROCESS_OFFER_ERROR: 40205,
  SDP_END_POINT_PROCESS_ANSWER_ERROR: 40206,
  SDP_END_POINT_ALREADY_NEGOTIATED: 40208,
  SDP_END_POINT_NOT_OFFER_GENERATED: 40209,
  SDP_END_POINT_ANSWER_ALREADY_PROCCESED: 40210,
  ICE_ADD_CANDIDATE_ERROR: 40401,
  NOT_ENOUGH_RESOURCES: 40003,
} as const;

export type KmsErrorType = keyof typeof KMS_ERRORS;

/** JSON-RPC's own errors, which KMS uses for malformed requests. */
export const JSON_RPC_ERRORS = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
} as const;

export interface RpcErrorBody {
  readonly code: number;
  readonly message: string;
  readonly data?: { readonly type: string };
}

/** Thrown inside the emulator's handlers and turned into the `error` member of the response. */
export class KmsError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly type: string,
  ) {
    super(message);
    this.name = 'KmsError';
  }

  static of(type: KmsErrorType, message: string): KmsError {
    return new KmsError(KMS_ERRORS[type], message, type);
  }

  static invalidParams(message: string): KmsError {
    return new KmsError(JSON_RPC_ERRORS.INVALID_PARAMS, message, 'INVALID_PARAMS');
  }

  toBody(): RpcErrorBody {
    return { code: this.code, message: this.message, data: { type: this.type } };
  }
}
