import { linkPeer, PUBLISH, subscribeTo, upstreamTo, withMediaState } from '../../../src/domain';
import { participant } from './participant-fixture';

describe('media links', () => {
  it('builds each kind of link', () => {
    expect(PUBLISH).toEqual({ kind: 'publish' });
    expect(subscribeTo('bob')).toEqual({ kind: 'subscribe', publisher: 'bob' });
    expect(upstreamTo('carol')).toEqual({ kind: 'upstream', subscriber: 'carol' });
  });

  it('PUBLISH is frozen, so no caller can turn it into another link', () => {
    expect(Object.isFrozen(PUBLISH)).toBe(true);
  });

  it('linkPeer names the participant at the far end, none for publish', () => {
    expect(linkPeer(PUBLISH)).toBeUndefined();
    expect(linkPeer(subscribeTo('bob'))).toBe('bob');
    expect(linkPeer(upstreamTo('carol'))).toBe('carol');
  });
});

describe('withMediaState', () => {
  const base = participant('a', 'conn-a', { audio: true, video: false, joinedAt: 7 });

  it('changes only what is named', () => {
    expect(withMediaState(base, { audio: false })).toEqual({ ...base, audio: false });
    expect(withMediaState(base, { video: true })).toEqual({ ...base, video: true });
    expect(withMediaState(base, {})).toEqual(base);
  });

  it('makes a new value and leaves the old one as it was', () => {
    const next = withMediaState(base, { audio: false, video: true });
    expect(next).not.toBe(base);
    expect(base).toMatchObject({ audio: true, video: false });
    expect(next).toMatchObject({ userId: 'a', connectionId: 'conn-a', joinedAt: 7, audio: false, video: true });
  });
});
