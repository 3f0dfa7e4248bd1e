import { SignalingError } from '../../domain';
import { INBOUND_MESSAGE_IDS, InboundMessage } from './inbound-messages';

export type ParseResult =
  | { readonly ok: true; readonly message: InboundMessage }
  | { readonly ok: false; readonly error: SignalingError; readonly requestId?: string };

const requestIdOf = (value: unknown): string | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const id = (value as { requestId?: unknown }).requestId;
  return typeof id === 'string' && id.length <= 128 ? id : typeof id === 'number' && Number.isInteger(id) ? String(id) : undefined;
};

/** Text frame → validated message, or the typed error to send back (with the requestId when readable). */
export const parseInbound = (text: string, maxBytes: number): ParseResult => {
  const bytes = Buffer.byteLength(text, 'utf8');
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
    return withId(new SignalingError('unknownMessage', `unknown message id ${JSON.stringify(id)?.slice(0, 64) ?? 'undefined'}`));
  }
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
