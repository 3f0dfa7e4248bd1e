import { RelayBudget } from '../../../src/adapters/mesh/relay-budget';

describe('RelayBudget (SDP bytes per pair of members)', () => {
  it('gives each ordered pair its own burst, refills with time, and forgets members and rooms', () => {
    let now = 0;
    const budget = new RelayBudget(100, 10, () => now);
    expect(budget.take('r', 'a', 'b', 80)).toBe(true);
    expect(budget.take('r', 'a', 'b', 30)).toBe(false);
    // Another recipient, or the other direction, is another budget.
    expect(budget.take('r', 'a', 'c', 100)).toBe(true);
    expect(budget.take('r', 'b', 'a', 100)).toBe(true);
    now = 1_000; // +10 bytes
    expect(budget.take('r', 'a', 'b', 30)).toBe(true);
    expect(budget.take('r', 'a', 'b', 1)).toBe(false);
    budget.forgetMember('r', 'a');
    expect(budget.take('r', 'a', 'b', 100)).toBe(true); // a fresh budget after leaving and rejoining
    expect(budget.take('r', 'c', 'a', 100)).toBe(true);
    budget.forgetMember('r', 'a'); // the pairs towards it go too
    expect(budget.take('r', 'c', 'a', 100)).toBe(true);
    budget.forgetMember('r', 'a');
    budget.forgetMember('r', 'b');
    expect(budget.roomCount).toBe(0);
    budget.take('s', 'x', 'y', 1);
    budget.forgetRoom('s');
    expect(budget.roomCount).toBe(0);
  });
});
