import fc from 'fast-check';
import { readHotMessage } from '../../../src/adapters/websocket/hot-message-reader';
import { InboundMessage } from '../../../src/adapters/websocket/inbound-messages';
import { parseInbound } from '../../../src/adapters/websocket/message-parser';

/**
 * The hand-written reader of the hot messages may only accept what the zod schema accepts, with the same
 * output (key order included: the relayed text is the object stringified), and must leave everything
 * else to zod. Generated messages mix the forms clients send with values just past every limit.
 */
const ids = fc.constantFrom('peerIceCandidate', 'onIceCandidate', 'peerAnswer', 'receiveVideoFrom', 'joinRoom');
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 0, maxLength: 130 });
const oddString = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 10 }), fc.constant(' '), fc.constant(''), fc.constant('\u00e9'), fc.constant('e\u0301'));
const lengthAround = (limit: number) => fc.constantFrom(0, 1, limit - 1, limit, limit + 1).map((n) => 'x'.repeat(Math.max(0, n)));
const anyJson = fc.jsonValue({ maxDepth: 2 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });

const userId = fc.oneof(printable, oddString, fc.nat(), fc.integer(), fc.double(), anyJson);
const requestId = fc.oneof(printable, lengthAround(128), fc.integer(), fc.constant(2 ** 53), fc.constant(-(2 ** 60)), fc.double(), fc.boolean(), fc.constant(null), anyJson);
const candidateObject = fc.record(
  {
    candidate: fc.oneof(printable, lengthAround(2048), fc.integer(), fc.constant(null)),
    sdpMid: fc.oneof(printable, lengthAround(64), fc.constant(null), fc.integer()),
    sdpMLineIndex: fc.oneof(fc.integer({ min: -2, max: 1030 }), fc.double(), fc.constant(null), fc.string({ maxLength: 3 }), fc.constant(-0)),
    usernameFragment: fc.string({ maxLength: 8 }),
  },
  { requiredKeys: [] },
);
const candidate = fc.oneof(candidateObject, candidateObject, anyJson, fc.array(fc.string(), { maxLength: 2 }));
const sdp = fc.oneof(fc.string({ minLength: 0, maxLength: 40 }), lengthAround(60_000), fc.integer(), fc.constant(null));

const message = fc.record(
  { id: ids, userId, requestId, candidate, sdpAnswer: sdp, extra: anyJson },
  { requiredKeys: ['id'] },
);
/** Through JSON, as the server reads them: no undefined values, -0 becomes 0, keys in the order sent. */
const wire = (value: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

describe('readHotMessage', () => {
  it('accepts only what the zod schema accepts, with the same output and key order', () => {
    fc.assert(
      fc.property(message.map(wire), (raw) => {
        const hot = readHotMessage(raw.id as string, raw);
        if (hot === undefined) return;
        const parsed = InboundMessage.safeParse(raw);
        expect(parsed.success).toBe(true);
        if (!parsed.success) return;
        expect(hot).toEqual(parsed.data);
        expect(JSON.stringify(hot)).toBe(JSON.stringify(parsed.data));
      }),
      { numRuns: 5_000 },
    );
  });

  it('takes the usual forms of the three hot messages itself (the fast path is really used)', () => {
    const plainId = fc.stringMatching(/^[a-zA-Z0-9_-]{1,40}$/);
    const usual = fc.oneof(
      fc.record(
        {
          id: fc.constantFrom('peerIceCandidate', 'onIceCandidate'),
          userId: plainId,
          candidate: fc.record({ candidate: printable, sdpMid: fc.oneof(fc.constant('0'), fc.constant(null)), sdpMLineIndex: fc.nat(10) }, { requiredKeys: ['candidate'] }),
          requestId: fc.oneof(plainId, fc.nat()),
        },
        { requiredKeys: ['id', 'userId', 'candidate'] },
      ),
      fc.record({ id: fc.constant('peerAnswer'), userId: plainId, sdpAnswer: fc.string({ minLength: 1, maxLength: 300 }) }),
    );
    fc.assert(
      fc.property(usual.map(wire), (raw) => {
        const hot = readHotMessage(raw.id as string, raw);
        expect(hot).toBeDefined();
        const parsed = InboundMessage.safeParse(raw);
        expect(parsed.success && JSON.stringify(parsed.data)).toBe(JSON.stringify(hot));
      }),
      { numRuns: 2_000 },
    );
  });

  it('leaves what it is not sure of to zod, which still answers with its typed error', () => {
    expect(readHotMessage('peerIceCandidate', { id: 'peerIceCandidate', userId: 7, candidate: { candidate: 'c' } })).toBeUndefined();
    expect(readHotMessage('peerIceCandidate', { id: 'peerIceCandidate', userId: 'e\u0301', candidate: { candidate: 'c' } })).toBeUndefined();
    const refused = parseInbound(JSON.stringify({ id: 'peerIceCandidate', userId: 'u', candidate: { candidate: 'c', sdpMLineIndex: 1025 } }), 64 * 1024);
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalidMessage' } });
    expect(!refused.ok && refused.error.message).toMatch(/^peerIceCandidate: candidate\.sdpMLineIndex: /);
  });
});
