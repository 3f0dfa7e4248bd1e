/**
 * SockJS frames (sockjs-protocol 0.3.3), whatever transport carries them: `o` opens a session, `h` is a
 * heartbeat, `a[...]` carries messages as JSON strings, `c[code,"reason"]` closes.
 */
export const OPEN_FRAME = 'o';
export const HEARTBEAT_FRAME = 'h';

export const closeFrame = (code: number, reason: string): string => `c${JSON.stringify([code, reason])}`;

/** `a[...]` for messages; built by hand so a burst is one frame without an intermediate array copy. */
export const messageFrame = (messages: readonly string[]): string => {
  let frame = 'a[';
  for (let i = 0; i < messages.length; i += 1) frame += (i === 0 ? '' : ',') + quote(messages[i]!);
  return `${frame}]`;
};

/**
 * Characters the protocol has the server escape beyond JSON's own: browsers and proxies mangle these
 * (zero-width and bidi marks, line/paragraph separators, specials). JSON.stringify already escapes the
 * control characters and lone surrogates.
 */
const MANGLED = /[\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufff0-\uffff]/;
const MANGLED_ALL = new RegExp(MANGLED.source, 'g');
const escapeChar = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

export const quote = (text: string): string => {
  const json = JSON.stringify(text);
  return MANGLED.test(json) ? json.replace(MANGLED_ALL, escapeChar) : json;
};

/**
 * What a client sent: one JSON string or a JSON array of strings (sockjs-client sends arrays; it batches
 * what the application sent within 25 ms into one). Anything else is broken framing: undefined.
 */
export const parsePayload = (text: string): string[] | undefined => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return undefined;
  for (const item of value) if (typeof item !== 'string') return undefined;
  return value as string[];
};
