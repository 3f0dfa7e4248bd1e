import { OriginPolicy } from '../../../src/adapters/websocket/origin-policy';

describe('OriginPolicy', () => {
  it('allowAll allows anything', () => {
    const p = OriginPolicy.allowAll();
    expect(p.restricts).toBe(false);
    expect(p.allows('https://evil.example')).toBe(true);
    expect(p.allows(undefined)).toBe(true);
  });

  describe('an allowlist', () => {
    const p = OriginPolicy.only(['https://app.example.com', 'http://localhost:8080', 'https://*.example.org']);
    it.each([
      ['https://app.example.com', true],
      ['HTTPS://APP.EXAMPLE.COM', true],
      ['https://app.example.com:443', true],
      ['http://app.example.com', false],
      ['https://app.example.com.evil.com', false],
      ['https://evilapp.example.com', false],
      ['http://localhost:8080', true],
      ['http://localhost:8081', false],
      ['https://a.example.org', true],
      ['https://a.b.example.org', true],
      ['https://example.org', false],
      ['https://evilexample.org', false],
      ['http://a.example.org', false],
      ['null', false],
      ['not an origin', false],
      ['https://app.example.com/path', false],
    ])('%s → %s', (origin, allowed) => {
      expect(p.allows(origin)).toBe(allowed);
    });

    it('allows a request without Origin (not a browser) unless told otherwise', () => {
      expect(p.allows(undefined)).toBe(true);
      expect(OriginPolicy.only(['https://a.example'], false).allows(undefined)).toBe(false);
    });
  });

  it('allows the opaque origin only when listed', () => {
    expect(OriginPolicy.only(['null']).allows('null')).toBe(true);
  });

  it('refuses entries that are not origins', () => {
    expect(() => OriginPolicy.only(['example.com'])).toThrow(RangeError);
    expect(() => OriginPolicy.only(['https://example.com/app'])).toThrow(RangeError);
  });
});
