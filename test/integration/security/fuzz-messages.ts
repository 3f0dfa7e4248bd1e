import fc from 'fast-check';
import { InboundMessage } from '../../../src/adapters/websocket/inbound-messages';

/** One generated frame, and what the fuzzer knows about it. */
export interface FuzzFrame {
  readonly text: string;
  /** Whether the server's schema accepts it; such frames go only to connections in no room. */
  readonly wellFormed: boolean;
  /** The requestId the server can read from it, if any (the error must echo it). */
  readonly requestId?: string | number;
}

const candidate = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };

/** One valid example of every message a client may send. */
const TEMPLATES: readonly Record<string, unknown>[] = [
  { id: 'joinRoom', userId: 'alice', roomId: 'fuzz-room', communityId: '1', audio: true, video: true, token: 'x.y.z' },
  { id: 'receiveVideoFrom', userId: 'alice', sdpOffer: 'v=0 offer' },
  { id: 'publish', sdpOffer: 'v=0 offer' },
  { id: 'subscribe', userId: 'alice' },
  { id: 'subscribeAnswer', userId: 'alice', sdpAnswer: 'v=0 answer' },
  { id: 'onIceCandidate', userId: 'alice', candidate },
  { id: 'peerOffer', userId: 'alice', sdpOffer: 'v=0 offer' },
  { id: 'peerAnswer', userId: 'alice', sdpAnswer: 'v=0 answer' },
  { id: 'peerIceCandidate', userId: 'alice', candidate },
  { id: 'leaveRoom' },
  { id: 'videoStateFrom', userId: 'alice', video: false },
  { id: 'audioStateFrom', userId: 'alice', audio: true },
];

/** Values of the wrong type for any field, and strings that no identifier rule accepts. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.integer({ min: -1_000_000, max: -1 }),
  fc.array(fc.integer(), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => `${s} \u0000`),
  fc.constant(''),
  fc.constant({ $gt: '' }),
  fc.constant('__proto__'),
);

const unicode = fc.string({ unit: 'binary', maxLength: 200 });
const anyKey = fc.oneof(fc.constantFrom('id', 'userId', 'roomId', 'sdpOffer', 'candidate', 'requestId', '__proto__', 'constructor'), fc.string({ maxLength: 12 }));

/** A valid message changed in one way: a field dropped, retyped, added, or its text cut. */
const mutated: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...TEMPLATES), fc.nat(), wrongValue, anyKey, fc.oneof(unicode, wrongValue), fc.nat())
  .chain(([template, pick, wrong, key, extra, cut]) => {
    const fields = Object.keys(template);
    const field = fields[pick % fields.length]!;
    return fc.constantFrom(
      () => JSON.stringify(Object.fromEntries(Object.entries(template).filter(([k]) => k !== field || k === 'id'))),
      () => JSON.stringify({ ...template, [field]: wrong }),
      () => JSON.stringify({ ...template, [key]: extra }),
      () => JSON.stringify({ ...template, requestId: extra }),
      () => {
        const text = JSON.stringify(template);
        return text.slice(0, cut % text.length);
      },
      () => JSON.stringify({ ...template, id: `${String(template.id)}${(JSON.stringify(extra) ?? "").slice(0, 3)}x` }),
      () => JSON.stringify(template).replace(/"/, "'"),
    );
  })
  .map((make) => make());

const randomJson = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null');

const randomObject = fc
  .record({ id: fc.oneof(fc.constantFrom(...TEMPLATES.map((t) => t.id)), wrongValue, unicode), rest: fc.dictionary(anyKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }) })
  .map(({ id, rest }) => JSON.stringify({ ...rest, id }));

const rawText = fc.oneof(unicode, fc.string({ maxLength: 30 }).map((s) => `{${s}`), fc.constantFrom('', ' ', 'null', '[]', '{}', '"joinRoom"', '1e309', 'true'));

/** Strings over the 60 000-character SDP limit, or over the frame limit. */
const huge = fc
  .tuple(fc.integer({ min: 60_001, max: 120_000 }), fc.constantFrom('peerOffer', 'receiveVideoFrom', 'publish', 'joinRoom'), fc.constantFrom('a', 'é', '😀'))
  .map(([n, id, ch]) => JSON.stringify({ id, userId: 'alice', roomId: 'r', sdpOffer: ch.repeat(Math.ceil(n / ch.length / 2)), token: ch.repeat(n % 9000) }));

/** Nesting far deeper than any message needs, in arrays and objects, where the schema looks and where it does not. */
const deep = fc
  .tuple(fc.integer({ min: 50, max: 20_000 }), fc.constantFrom('array', 'object', 'field', 'requestId'))
  .map(([depth, where]) => {
    const arr = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const obj = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    switch (where) {
      case 'array':
        return arr;
      case 'object':
        return obj;
      case 'field':
        return `{"id":"joinRoom","userId":${arr},"roomId":${obj},"communityId":"1"}`;
      default:
        return `{"id":"leaveRoom","requestId":${obj}}`;
    }
  });

/** Every kind of frame, weighted so that big ones are rare enough to keep the run short. */
export const fuzzText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: mutated, weight: 40 },
  { arbitrary: randomJson, weight: 15 },
  { arbitrary: randomObject, weight: 20 },
  { arbitrary: rawText, weight: 10 },
  { arbitrary: unicode.map((s) => JSON.stringify({ id: s, userId: s, roomId: s })), weight: 5 },
  { arbitrary: deep, weight: 1 },
  { arbitrary: huge, weight: 1 },
);

/** As docs/protocol.md says: a string up to 128 characters, or an integer, echoed with its own type. */
const readableRequestId = (value: unknown): string | number | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const id = (value as { requestId?: unknown }).requestId;
  return typeof id === 'string' && id.length <= 128 ? id : typeof id === 'number' && Number.isSafeInteger(id) ? id : undefined;
};

/**
 * Classifies a frame. A well-formed joinRoom would put the fuzzing connection into a room, which is a
 * state change rather than an error, so such frames are broken on purpose (room id with a control character).
 */
export const toFrame = (text: string, maxBytes: number): FuzzFrame => {
  if (Buffer.byteLength(text, 'utf8') > maxBytes) return { text, wellFormed: false };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { text, wellFormed: false };
  }
  let parsed = InboundMessage.safeParse(value);
  if (parsed.success && parsed.data.id === 'joinRoom') {
    const broken = JSON.stringify({ ...(value as object), roomId: 'not\u0000a room' });
    return toFrame(broken, maxBytes);
  }
  parsed = InboundMessage.safeParse(value);
  const requestId = readableRequestId(value);
  return { text, wellFormed: parsed.success, ...(requestId !== undefined ? { requestId } : {}) };
};
