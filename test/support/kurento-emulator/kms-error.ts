/**
 * The errors Kurento Media Server answers with, by the `data.type` name KMS puts next to the code
 * (KurentoException.hpp of KMS 6 and 7). Checked against KMS 7.3.1 where a request can provoke them
 * (test/integration/kurento/real-kms/kms-conformance.real-kms.ts): 40001, 40007, 40008, 40101, 40106,
 * 40108, 40201, 40208, 40209. kurento-client turns some codes into specific JS error classes, so the codes
 * must be the real ones.
 */
export const KMS_ERRORS = {
  MEDIA_ERROR: 40000,
  /** A parameter is missing or of the wrong type, or an enum value is unknown. */
  MARSHALL_ERROR: 40001,
  UNMARSHALL_ERROR: 40002,
  UNEXPECTED_ERROR: 40003,
  CONNECT_ERROR: 40004,
  NOT_IMPLEMENTED: 40006,
  /** `connect` with a session KMS does not hold (it restarted, or the session was closed). */
  INVALID_SESSION: 40007,
  /** `invoke` of an operation the object does not have. */
  MALFORMED_TRANSACTION: 40008,
  NOT_ENOUGH_RESOURCES: 40009,
  MEDIA_OBJECT_TYPE_NOT_FOUND: 40100,
  MEDIA_OBJECT_NOT_FOUND: 40101,
  MEDIA_OBJECT_METHOD_NOT_FOUND: 40105,
  MEDIA_OBJECT_EVENT_NOT_SUPPORTED: 40106,
  MEDIA_OBJECT_ILLEGAL_PARAM_ERROR: 40107,
  /** `create` of a type no loaded module provides. */
  MEDIA_OBJECT_NOT_AVAILABLE: 40108,
  SDP_PARSE_ERROR: 40201,
  SDP_END_POINT_GENERATE_OFFER_ERROR: 40204,
  SDP_END_POINT_PROCESS_OFFER_ERROR: 40205,
  SDP_END_POINT_PROCESS_ANSWER_ERROR: 40206,
  SDP_END_POINT_ALREADY_NEGOTIATED: 40208,
  SDP_END_POINT_NOT_OFFER_GENERATED: 40209,
  SDP_END_POINT_ANSWER_ALREADY_PROCCESED: 40210,
  ICE_GATHER_CANDIDATES_ERROR: 40400,
  ICE_ADD_CANDIDATE_ERROR: 40401,
} as const;

export type KmsErrorType = keyof typeof KMS_ERRORS;

/**
 * JSON-RPC level errors, which KMS answers without `data`: a required request member missing (-32000
 * "'object' parameter is required"), a message that is no request (-32600), an unknown method (-32601).
 */
export const JSON_RPC_ERRORS = {
  SERVER_ERROR: -32000,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INTERNAL_ERROR: -32603,
} as const;

export interface RpcErrorBody {
  readonly code: number;
  readonly message: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Thrown inside the emulator's handlers and turned into the `error` member of the response. */
export class KmsError extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** KMS's `data.type`; absent on JSON-RPC level errors, as KMS sends them. */
    readonly type?: string,
  ) {
    super(message);
    this.name = 'KmsError';
  }

  static of(type: KmsErrorType, message: string): KmsError {
    return new KmsError(KMS_ERRORS[type], message, type);
  }

  /** KMS's marshalling error: "'offer' parameter should be a string", "Invalid value for 'MediaType'". */
  static marshall(message: string): KmsError {
    return KmsError.of('MARSHALL_ERROR', message);
  }

  /** A request member KMS itself needs (type, object, operation, subscription) is missing. */
  static missingMember(name: string): KmsError {
    return new KmsError(JSON_RPC_ERRORS.SERVER_ERROR, `'${name}' parameter is required`);
  }

  toBody(): RpcErrorBody {
    return this.type === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: { type: this.type } };
  }
}
