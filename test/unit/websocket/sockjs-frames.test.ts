import { closeFrame, messageFrame, parsePayload, quote } from '../../../src/adapters/websocket/sockjs/frames';

describe('SockJS frames', () => {
  it('writes the four frame kinds', () => {
    expect(messageFrame(['a', '{"id":"x"}'])).toBe('a["a","{\\"id\\":\\"x\\"}"]');
    expect(messageFrame([])).toBe('a[]');
    expect(closeFrame(3000, 'Go away!')).toBe('c[3000,"Go away!"]');
  });

  it('escapes what browsers and proxies mangle, as the protocol lists it, and nothing a client cannot read back', () => {
    const mangled = '\u200c\u200f\u2028\u2029\u202f\u2060\u206f\ufff0\uffff';
    const quoted = quote(`x${mangled}\u0000\n"y`);
    expect(quoted).toBe('"x\\u200c\\u200f\\u2028\\u2029\\u202f\\u2060\\u206f\\ufff0\\uffff\\u0000\\n\\"y"');
    expect(JSON.parse(quoted)).toBe(`x${mangled}\u0000\n"y`);
    // Ordinary text, non-ASCII included, goes as it is.
    expect(quote('héllo ✓ 日本')).toBe('"héllo ✓ 日本"');
    // A lone surrogate cannot be sent as UTF-8: JSON.stringify escapes it.
    expect(JSON.parse(quote('\ud800'))).toBe('\ud800');
  });

  it.each([
    ['["a","b"]', ['a', 'b']],
    ['"one"', ['one']],
    ['[]', []],
    ['["\\u0041"]', ['A']],
  ])('reads the payload %s', (text, expected) => {
    expect(parsePayload(text)).toEqual(expected);
  });

  it.each([['["a'], ['[1]'], ['{"a":1}'], ['null'], ['["a",2]'], ['[["a"]]'], ['']])('refuses the framing %j', (text) => {
    expect(parsePayload(text)).toBeUndefined();
  });
});
