import fc from 'fast-check';
import { checkIdentifier } from '../../../src/domain';
import { parseInbound } from '../../../src/adapters/websocket/message-parser';

/** The parser's fast path for plain ASCII ids must accept and refuse exactly what checkIdentifier does. */
describe('ids in messages: the plain-ASCII fast path agrees with checkIdentifier', () => {
  const parsedUserId = (userId: string): string | undefined => {
    const result = parseInbound(JSON.stringify({ id: 'subscribe', userId }), 65_536);
    return result.ok && result.message.id === 'subscribe' ? result.message.userId : undefined;
  };
  const expected = (userId: string): string | undefined => {
    const checked = checkIdentifier(userId);
    return checked.ok ? checked.id : undefined;
  };

  it('for every string of ASCII and a little beyond', () => {
    const chars = fc.constantFrom(' ', '\t', '\u007f', '\u0000', 'a', 'Z', '~', '!', 'é', 'e\u0301', '\u202e', '김');
    fc.assert(fc.property(fc.array(chars, { maxLength: 140 }).map((cs) => cs.join('')), (userId) => parsedUserId(userId) === expected(userId)), { numRuns: 3_000 });
  });

  it('at the edges', () => {
    for (const userId of ['', ' ', '  a ', 'x'.repeat(128), 'x'.repeat(129), ' '.repeat(127) + 'x', '~', 'a\u007f', 'heedong kim']) {
      expect(parsedUserId(userId)).toBe(expected(userId));
    }
  });
});
