import { hintedDelay, MAX_HINTED_DELAY_MS } from '../../../packages/client/src/retry-hint';

describe('hintedDelay', () => {
  it('follows a sane hint, and ignores what is not a number', () => {
    expect(hintedDelay(1_500)).toBe(1_500);
    expect([hintedDelay(undefined), hintedDelay('9000'), hintedDelay(Number.NaN), hintedDelay(-5)]).toEqual([0, 0, 0, 0]);
  });

  it('caps a hint a wrong or hostile server could park the client with', () => {
    expect(hintedDelay(1e12)).toBe(MAX_HINTED_DELAY_MS);
    expect(hintedDelay(Number.POSITIVE_INFINITY)).toBe(0);
  });
});
