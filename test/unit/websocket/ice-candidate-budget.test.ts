import fc from 'fast-check';
import { IceCandidateBudget, MAX_ICE_CANDIDATES_PER_LINK } from '../../../src/adapters/websocket/ice-candidate-budget';
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

describe('IceCandidateBudget, both link kinds to a peer in one count', () => {
  const peers = ['bob', 'carol', 'dave'];
  const kinds = ['subscribe', 'upstream', 'publish'] as const;
  type Kind = (typeof kinds)[number];
  type Op = { op: 'spend' | 'renew'; kind: Kind; peer: string } | { op: 'renewAll' };
  const linkOf = (kind: Kind, peer: string) => (kind === 'publish' ? PUBLISH : kind === 'subscribe' ? subscribeTo(peer) : upstreamTo(peer));
  const keyOf = (kind: Kind, peer: string) => (kind === 'publish' ? 'publish' : `${kind}:${peer}`);

  it('answers as one counter per link would, for any sequence of spends and renewals', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constantFrom('spend' as const, 'renew' as const), kind: fc.constantFrom(...kinds), peer: fc.constantFrom(...peers) }),
      fc.constant({ op: 'renewAll' as const }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 60 }), (limit, ops: Op[]) => {
        const budget = new IceCandidateBudget(limit);
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.op === 'renewAll') {
            model.clear();
            budget.renewAll();
          } else if (o.op === 'renew') {
            model.delete(keyOf(o.kind, o.peer));
            budget.renew(linkOf(o.kind, o.peer));
          } else if (budget.allows(linkOf(o.kind, o.peer))) {
            // The core spends only what the budget allows.
            model.set(keyOf(o.kind, o.peer), (model.get(keyOf(o.kind, o.peer)) ?? 0) + 1);
            budget.spend(linkOf(o.kind, o.peer));
          }
          for (const kind of kinds) {
            for (const peer of peers) expect(budget.allows(linkOf(kind, peer))).toBe((model.get(keyOf(kind, peer)) ?? 0) < limit);
          }
        }
      }),
    );
  });

  it('caps the limit at what it can count, and a count at the limit does not carry into the other link', () => {
    expect(new IceCandidateBudget(MAX_ICE_CANDIDATES_PER_LINK + 1000).maxPerLink).toBe(MAX_ICE_CANDIDATES_PER_LINK);
    const budget = new IceCandidateBudget(2);
    budget.spend(subscribeTo('bob'));
    budget.spend(subscribeTo('bob'));
    budget.spend(subscribeTo('bob')); // over the limit: not counted, so nothing carries into the upstream count
    expect([budget.allows(subscribeTo('bob')), budget.allows(upstreamTo('bob'))]).toEqual([false, true]);
    budget.renew(subscribeTo('bob'));
    expect([budget.allows(subscribeTo('bob')), budget.allows(upstreamTo('bob'))]).toEqual([true, true]);
  });
});

describe('IceCandidateBudget, peers that come and go', () => {
  it('keeps counts for at most its room capacity of peers, however many peers a member trickled to over time', () => {
    // A member that stays while 1,000 others pass through its room (a count for each one it trickled to).
    const budget = new IceCandidateBudget(200, 10);
    for (let i = 0; i < 1_000; i += 1) {
      budget.spend(subscribeTo(`peer-${i}`));
      budget.spend(upstreamTo(`peer-${i}`));
    }
    expect(budget.peerCount).toBe(10);
  });

  it('drops the count that started longest ago; the others keep theirs', () => {
    const budget = new IceCandidateBudget(1, 3);
    for (const peer of ['a', 'b', 'c']) budget.spend(upstreamTo(peer));
    budget.spend(subscribeTo('a')); // a counted again: its place in line is still the first
    budget.spend(upstreamTo('d'));
    expect(['a', 'b', 'c', 'd'].map((p) => budget.allows(upstreamTo(p)))).toEqual([true, false, false, false]);
    expect(budget.allows(subscribeTo('a'))).toBe(true);
  });

  it('keeps the pair unboxed under 2^15 and counts past it above (limits of 2^15 and more)', () => {
    const big = new IceCandidateBudget(100_000);
    for (let i = 0; i < 40_000; i += 1) big.spend(subscribeTo('bob'));
    for (let i = 0; i < 3; i += 1) big.spend(upstreamTo('bob'));
    big.renew(upstreamTo('bob'));
    expect([big.allows(subscribeTo('bob')), big.allows(upstreamTo('bob'))]).toEqual([true, true]);
    const small = new IceCandidateBudget(40_000);
    for (let i = 0; i < 40_000; i += 1) small.spend(subscribeTo('bob'));
    expect([small.allows(subscribeTo('bob')), small.allows(upstreamTo('bob'))]).toEqual([false, true]);
  });
});

describe('IceCandidateBudget in rooms of any size (a flat array for a few peers, a Map past 32)', () => {
  /** One count per link, and the peers in the order their counts started: what the budget promises. */
  class Model {
    private readonly order: string[] = [];
    private readonly counts = new Map<string, { subscribe: number; upstream: number }>();
    constructor(private readonly maxPeers: number) {}
    spend(kind: 'subscribe' | 'upstream', peer: string): void {
      if (!this.counts.has(peer)) {
        if (this.order.length >= this.maxPeers) this.counts.delete(this.order.shift()!);
        this.order.push(peer);
        this.counts.set(peer, { subscribe: 0, upstream: 0 });
      }
      this.counts.get(peer)![kind] += 1;
    }
    renew(kind: 'subscribe' | 'upstream', peer: string): void {
      const both = this.counts.get(peer);
      if (!both) return;
      both[kind] = 0;
      if (both.subscribe === 0 && both.upstream === 0) this.forget(peer);
    }
    forget(peer: string): void {
      if (!this.counts.delete(peer)) return;
      this.order.splice(this.order.indexOf(peer), 1);
    }
    clear(): void {
      this.order.length = 0;
      this.counts.clear();
    }
    spent(kind: 'subscribe' | 'upstream', peer: string): number {
      return this.counts.get(peer)?.[kind] ?? 0;
    }
    get size(): number {
      return this.order.length;
    }
  }

  it('answers as one counter per link, keeping the latest maxPeers peers, for any sequence', () => {
    const peers = Array.from({ length: 45 }, (_, i) => `peer-${i}`);
    const kind = fc.constantFrom('subscribe' as const, 'upstream' as const);
    const op = fc.oneof(
      // Mostly spends, and resets rare enough that a budget often grows past 32 peers and past maxPeers.
      { weight: 200, arbitrary: fc.record({ op: fc.constant('spend' as const), kind, peer: fc.constantFrom(...peers) }) },
      { weight: 4, arbitrary: fc.record({ op: fc.constant('renew' as const), kind, peer: fc.constantFrom(...peers) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('forget' as const), peer: fc.constantFrom(...peers) }) },
      { weight: 1, arbitrary: fc.constant({ op: 'renewAll' as const }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 44 }), fc.array(op, { minLength: 150, maxLength: 300 }), (limit, maxPeers, ops) => {
        const budget = new IceCandidateBudget(limit, maxPeers);
        const model = new Model(maxPeers);
        const linkOf = (k: 'subscribe' | 'upstream', peer: string) => (k === 'subscribe' ? subscribeTo(peer) : upstreamTo(peer));
        for (const o of ops) {
          if (o.op === 'renewAll') {
            budget.renewAll();
            model.clear();
          } else if (o.op === 'forget') {
            budget.forget(o.peer);
            model.forget(o.peer);
          } else if (o.op === 'renew') {
            budget.renew(linkOf(o.kind, o.peer));
            model.renew(o.kind, o.peer);
          } else if (budget.allows(linkOf(o.kind, o.peer))) {
            budget.spend(linkOf(o.kind, o.peer));
            model.spend(o.kind, o.peer);
          }
          expect(budget.peerCount).toBe(model.size);
        }
        for (const peer of peers) {
          for (const k of ['subscribe', 'upstream'] as const) expect({ peer, k, allows: budget.allows(linkOf(k, peer)) }).toEqual({ peer, k, allows: model.spent(k, peer) < limit });
        }
      }),
      { numRuns: 200 },
    );
  });
});
