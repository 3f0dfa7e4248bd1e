import { SignalingError } from '../../domain';
import type { RequestId } from '../../application';
import { readHotMessage, readRequestId } from './hot-message-reader';
import { INBOUND_MESSAGE_IDS, InboundMessage } from './inbound-messages';

export type ParseResult =
  | { readonly ok: true; readonly message: InboundMessage }
  | { readonly ok: false; readonly error: SignalingError; readonly requestId?: RequestId };

const requestIdOf = (value: unknown): RequestId | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const id = readRequestId((value as { requestId?: unknown }).requestId);
  return id === false ? undefined : id;
};

/**
 * A short, safe rendering of whatever `id` was: a deeply nested array would overflow the stack of
 * JSON.stringify, and a long string must not be echoed whole.
 */
const describeId = (id: unknown): string => {
  if (typeof id === 'string') return JSON.stringify(id.slice(0, 64));
  if (typeof id === 'number' || typeof id === 'boolean' || id === null) return String(id);
  if (id === undefined) return 'undefined';
  return Array.isArray(id) ? '(an array)' : '(an object)';
};

/** Text frame → validated message, or the typed error to send back (with the requestId when readable). */
export const parseInbound = (text: string, maxBytes: number): ParseResult => {
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so short frames need no byte count.
  const bytes = text.length * 3 <= maxBytes ? 0 : Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    return { ok: false, error: new SignalingError('frameTooLarge', `message of ${bytes} bytes exceeds the limit of ${maxBytes}`, { limit: maxBytes }) };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: new SignalingError('badJson', 'message is not valid JSON') };
  }
  const requestId = requestIdOf(raw);
  const withId = (error: SignalingError): ParseResult => (requestId === undefined ? { ok: false, error } : { ok: false, error, requestId });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return withId(new SignalingError('invalidMessage', 'message must be a JSON object with an "id"'));
  }
  const id = (raw as { id?: unknown }).id;
  if (typeof id !== 'string' || !INBOUND_MESSAGE_IDS.has(id)) {
    return withId(new SignalingError('unknownMessage', `unknown message id ${describeId(id)}`));
  }
  const hot = readHotMessage(id, raw as Record<string, unknown>);
  if (hot !== undefined) return { ok: true, message: hot };
  const parsed = InboundMessage.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`)
      .join('; ');
    return withId(new SignalingError('invalidMessage', `${id}: ${detail}`));
  }
  return { ok: true, message: parsed.data };
};
