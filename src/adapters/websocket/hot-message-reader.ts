import { MAX_CANDIDATE_LENGTH, MAX_ID_LENGTH, MAX_M_LINE_INDEX, MAX_SDP_LENGTH, MAX_SDP_MID_LENGTH, PLAIN_ASCII_ID } from '../../protocol/fields';
import type { InboundMessage } from './inbound-messages';

/**
 * A hand-written reader for the three most frequent messages — trickled candidates (`peerIceCandidate`,
 * `onIceCandidate`) and the mesh answer (`peerAnswer`) — in the form clients actually send them. Why not
 * zod: on the realistic relay benchmark zod's parse of a candidate was about 2 µs of the ~24 µs of server
 * CPU per relayed message, more than the rest of the membership and limit checks together.
 *
 * It only ever accepts: anything it is not sure of (a numeric user id, an id that needs Unicode
 * normalisation, a field of the wrong type or length) returns undefined and the zod schema
 * (InboundMessage) decides, so every refusal still gets zod's typed, detailed error. What it accepts, zod
 * accepts with the same output, key order included: test/unit/websocket/hot-message-reader.test.ts checks
 * that with fast-check on generated messages, valid and invalid.
 */
export const readHotMessage = (id: string, raw: Record<string, unknown>): InboundMessage | undefined => {
  if (id !== 'peerIceCandidate' && id !== 'onIceCandidate' && id !== 'peerAnswer') return undefined;
  const userId = raw.userId;
  if (typeof userId !== 'string' || !PLAIN_ASCII_ID.test(userId)) return undefined;
  const requestId = readRequestId(raw.requestId);
  if (requestId === false) return undefined;
  if (id === 'peerAnswer') {
    const sdpAnswer = raw.sdpAnswer;
    if (typeof sdpAnswer !== 'string' || sdpAnswer.length < 1 || sdpAnswer.length > MAX_SDP_LENGTH) return undefined;
    return requestId === undefined ? { id, userId, sdpAnswer } : { id, requestId, userId, sdpAnswer };
  }
  const candidate = readCandidate(raw.candidate);
  if (candidate === undefined) return undefined;
  return requestId === undefined ? { id, userId, candidate } : { id, requestId, userId, candidate };
};

/**
 * The one rule for a requestId the server echoes: a string of at most MAX_ID_LENGTH or a safe integer,
 * as it came. undefined: absent; false: anything else (zod refuses it, and no refusal can echo it).
 */
export const readRequestId = (value: unknown): string | number | undefined | false => {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value.length <= MAX_ID_LENGTH ? value : false;
  return Number.isSafeInteger(value) ? (value as number) : false;
};

type Candidate = { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null };

const readCandidate = (value: unknown): Candidate | undefined => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { candidate, sdpMid, sdpMLineIndex } = value as Record<string, unknown>;
  if (typeof candidate !== 'string' || candidate.length > MAX_CANDIDATE_LENGTH) return undefined;
  const midOk = sdpMid === undefined || sdpMid === null || (typeof sdpMid === 'string' && sdpMid.length <= MAX_SDP_MID_LENGTH);
  const indexOk =
    sdpMLineIndex === undefined ||
    sdpMLineIndex === null ||
    (typeof sdpMLineIndex === 'number' && Number.isInteger(sdpMLineIndex) && sdpMLineIndex >= 0 && sdpMLineIndex <= MAX_M_LINE_INDEX);
  if (!midOk || !indexOk) return undefined;
  // Built in the schema's key order, as zod builds it: the relayed text is this object stringified.
  const out: Candidate = { candidate };
  if (sdpMid !== undefined) out.sdpMid = sdpMid as string | null;
  if (sdpMLineIndex !== undefined) out.sdpMLineIndex = sdpMLineIndex as number | null;
  return out;
};
