import fc from 'fast-check';
import { limitKey, limitKeyOf } from '../../../src/adapters/shared/client-address';

type Groups = readonly number[];

const group = fc.integer({ min: 0, max: 0xffff });
const groups = fc.array(group, { minLength: 8, maxLength: 8 });

/** `::ffff:a.b.c.d` is an IPv4 client, keyed as such: not an IPv6 address of the ::/64 prefix. */
const isMapped = (g: Groups): boolean => g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;

/** One way of many to write the address: any case, leading zeros, `::` over any zero run, a dotted tail, a zone id. */
interface Spelling {
  readonly pads: readonly number[];
  readonly upper: readonly boolean[];
  readonly compress: number;
  readonly dotted: boolean;
  readonly zone: boolean;
}
const spelling = fc.record({
  pads: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
  upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  compress: fc.nat(),
  dotted: fc.boolean(),
  zone: fc.boolean(),
});

const write = (g: Groups, how: Spelling): string => {
  const hex = g.map((x, i) => {
    const text = x.toString(16).padStart(Math.min(4, x.toString(16).length + how.pads[i]!), '0');
    return how.upper[i] ? text.toUpperCase() : text;
  });
  let parts: string[] = hex;
  if (how.dotted) parts = [...hex.slice(0, 6), [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join('.')];
  // Zero runs among the hex groups (never inside a dotted tail): `::` may stand for any one of them.
  const runs: [number, number][] = [];
  const hexCount = how.dotted ? 6 : 8;
  for (let i = 0; i < hexCount; i += 1) {
    if (g[i] !== 0) continue;
    let end = i;
    while (end + 1 < hexCount && g[end + 1] === 0) end += 1;
    for (let from = i; from <= end; from += 1) for (let to = from; to <= end; to += 1) runs.push([from, to]);
    i = end;
  }
  let text = parts.join(':');
  if (runs.length > 0 && how.compress % (runs.length + 1) !== 0) {
    const [from, to] = runs[(how.compress % (runs.length + 1)) - 1]!;
    text = `${parts.slice(0, from).join(':')}::${parts.slice(to + 1).join(':')}`;
  }
  return how.zone ? `${text}%eth0` : text;
};

/** The first `bits` of `a` followed by the rest of `b`. */
const splice = (a: Groups, b: Groups, bits: number): number[] =>
  a.map((x, i) => {
    const kept = Math.min(16, Math.max(0, bits - i * 16));
    const mask = (0xffff << (16 - kept)) & 0xffff;
    return (x & mask) | (b[i]! & ~mask & 0xffff);
  });

const samePrefix = (a: Groups, b: Groups, bits: number): boolean => {
  const zero = new Array<number>(8).fill(0);
  return splice(a, zero, bits).every((x, i) => x === splice(b, zero, bits)[i]);
};

describe('limitKey: the key every per-address limit counts a client under', () => {
  it('gives any two addresses of one /64 one key, however each is written', () => {
    fc.assert(
      fc.property(groups, groups, spelling, spelling, (a, rest, howA, howB) => {
        const b = splice(a, rest, 64);
        fc.pre(!isMapped(a) && !isMapped(b));
        expect(limitKey(write(a, howA))).toBe(limitKey(write(b, howB)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('gives addresses of different /64s different keys', () => {
    fc.assert(
      fc.property(groups, groups, spelling, spelling, (a, b, howA, howB) => {
        fc.pre(!samePrefix(a, b, 64) && !isMapped(a) && !isMapped(b));
        expect(limitKey(write(a, howA))).not.toBe(limitKey(write(b, howB)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('follows the configured prefix length: the same first bits share a key, any difference there does not', () => {
    fc.assert(
      fc.property(groups, groups, fc.integer({ min: 0, max: 128 }), spelling, spelling, (a, b, bits, howA, howB) => {
        fc.pre(!isMapped(a) && !isMapped(b));
        const keyOf = limitKeyOf(bits);
        const alike = splice(a, b, bits);
        fc.pre(!isMapped(alike));
        expect(keyOf(write(alike, howB))).toBe(keyOf(write(a, howA)));
        expect(keyOf(write(a, howA)) === keyOf(write(b, howB))).toBe(samePrefix(a, b, bits));
      }),
      { numRuns: 2_000 },
    );
  });

  it('writes the key as the canonical prefix (RFC 5952), and the canonical address at 128', () => {
    expect(limitKey('2001:DB8:0000:0001:abcd::1')).toBe('2001:db8:0:1::/64');
    expect(limitKey('2001:db8::1')).toBe('2001:db8::/64');
    expect(limitKey('2001:db8:1:2:3:4:5:6', 48)).toBe('2001:db8:1::/48');
    expect(limitKey('2001:db8:1:2ff:3:4:5:6', 56)).toBe('2001:db8:1:200::/56');
    expect(limitKey('2001:0DB8:0:0:0:0:0:0001', 128)).toBe('2001:db8::1');
    expect(limitKey('fe80::1%eth0')).toBe('fe80::/64');
    expect(limitKey('fe80::1%eth0', 128)).toBe('fe80::1');
    // Node's own parser (uv_ip6_addr) cuts a zoned address at 39 characters: these read as …:7f0a and …:7f01.
    expect(limitKey('00:0:0100:0000:0001:1000:100.100.127.100%eth0', 128)).toBe('::100:0:1:1000:6464:7f64');
    expect(limitKey('000:0:0100:0000:0001:1000:100.100.127.100%eth0', 128)).toBe('::100:0:1:1000:6464:7f64');
    expect(limitKey('::1')).toBe('::/64');
    expect(limitKey('::', 0)).toBe('::/0');
  });

  it('keys IPv4 as the address, written as IPv4 or IPv4-mapped in any form', () => {
    for (const written of ['10.0.0.1', '::ffff:10.0.0.1', '::FFFF:10.0.0.1', '::ffff:0a00:0001', '0:0:0:0:0:ffff:a00:1']) {
      expect(limitKey(written)).toBe('10.0.0.1');
      expect(limitKey(written, 128)).toBe('10.0.0.1');
    }
    expect(limitKey('10.0.0.2')).not.toBe(limitKey('10.0.0.1'));
  });

  it('never throws on text that is no address: it is its own key', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(typeof limitKey(text)).toBe('string');
      }),
    );
    for (const text of ['unknown', '', '::ffff:999.1.1.1', '1:2:3:4:5:6:7:8:9', 'fe80::1%', '[::1]', '01.2.3.4', ':::']) {
      expect(limitKey(text)).toBe(text.toLowerCase());
    }
    expect(limitKey('Unknown')).toBe('unknown');
  });

  it('refuses a prefix length that is not 0-128', () => {
    for (const bad of [-1, 129, 64.5, Number.NaN]) expect(() => limitKeyOf(bad)).toThrow(RangeError);
  });
});
