import { CandidateBuffer } from '../../../src/adapters/kurento/candidate-buffer';

describe('CandidateBuffer', () => {
  it('returns what was buffered per key, in arrival order, once', () => {
    const b = new CandidateBuffer<number>(10);
    b.add('a', 1);
    b.add('b', 2);
    b.add('a', 3);
    expect(b.take('a')).toEqual([1, 3]);
    expect(b.take('a')).toEqual([]);
    expect(b.take('b')).toEqual([2]);
  });

  it('keeps at most maxPerKey per key, dropping the oldest, and counts the drops', () => {
    const b = new CandidateBuffer<number>(2);
    for (let i = 1; i <= 5; i += 1) b.add('k', i);
    expect(b.size('k')).toBe(2);
    expect(b.dropped).toBe(3);
    expect(b.take('k')).toEqual([4, 5]);
  });

  it('with a limit of zero keeps nothing', () => {
    const b = new CandidateBuffer<number>(0);
    b.add('k', 1);
    expect(b.take('k')).toEqual([]);
    expect(b.dropped).toBe(1);
  });

  it('discards the keys a predicate selects', () => {
    const b = new CandidateBuffer<number>(5);
    b.add('bob publish', 1);
    b.add('ann from bob', 2);
    b.add('ann from cat', 3);
    b.discard((k) => k.startsWith('bob ') || k.endsWith(' bob'));
    expect([b.size('bob publish'), b.size('ann from bob'), b.size('ann from cat')]).toEqual([0, 0, 1]);
  });

  it('refuses a nonsensical limit', () => {
    expect(() => new CandidateBuffer(-1)).toThrow(RangeError);
    expect(() => new CandidateBuffer(1.5)).toThrow(RangeError);
  });
});
