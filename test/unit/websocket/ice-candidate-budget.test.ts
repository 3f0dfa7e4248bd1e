import { IceCandidateBudget } from '../../../src/adapters/websocket/ice-candidate-budget';
import { PUBLISH, subscribeTo, upstreamTo } from '../../../src/domain';

describe('IceCandidateBudget', () => {
  it('counts per link and renews a link on a new SDP exchange', () => {
    const budget = new IceCandidateBudget(2);
    budget.spend(PUBLISH);
    budget.spend(PUBLISH);
    expect(budget.allows(PUBLISH)).toBe(false);
    expect(budget.allows(subscribeTo('bob'))).toBe(true);
    expect(budget.allows(upstreamTo('bob'))).toBe(true);
    budget.renew(PUBLISH);
    expect(budget.allows(PUBLISH)).toBe(true);
  });

  it('keeps links to different peers apart and renews all on join or leave', () => {
    const budget = new IceCandidateBudget(1);
    budget.spend(upstreamTo('bob'));
    expect(budget.allows(upstreamTo('bob'))).toBe(false);
    expect(budget.allows(upstreamTo('carol'))).toBe(true);
    budget.renewAll();
    expect(budget.allows(upstreamTo('bob'))).toBe(true);
  });

  it('keeps a subscription and an upstream link to the same peer apart, and renews one link only', () => {
    const budget = new IceCandidateBudget(1);
    budget.spend(subscribeTo('bob'));
    expect(budget.allows(subscribeTo('bob'))).toBe(false);
    expect(budget.allows(upstreamTo('bob'))).toBe(true);
    budget.spend(upstreamTo('bob'));
    budget.spend(upstreamTo('carol'));
    budget.renew(upstreamTo('bob'));
    expect([budget.allows(upstreamTo('bob')), budget.allows(upstreamTo('carol')), budget.allows(subscribeTo('bob'))]).toEqual([true, false, false]);
  });
});
