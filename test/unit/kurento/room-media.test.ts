import { PUBLISH, subscribeTo } from '../../../src/domain';
import type { KmsConnection } from '../../../src/adapters/kurento/kms-connection';
import { linkKey, RoomMedia, type EndpointRecord } from '../../../src/adapters/kurento/room-media';

const kms = {} as KmsConnection; // RoomMedia only keeps it as a label
const ep = (id: string, owner: string, publisher?: string): EndpointRecord => ({
  id,
  owner,
  link: publisher === undefined ? PUBLISH : subscribeTo(publisher),
  negotiation: 'none',
});

describe('RoomMedia', () => {
  const full = (): RoomMedia => {
    const room = new RoomMedia('c-1', 'ref', 'pipe', kms, 8);
    for (const u of ['a', 'b', 'c']) room.set(ep(`${u}-out`, u));
    for (const r of ['a', 'b', 'c']) for (const s of ['a', 'b', 'c']) if (r !== s) room.set(ep(`${r}<${s}`, r, s));
    return room;
  };

  it('finds endpoints by owner and link', () => {
    const room = full();
    expect(room.endpointCount).toBe(9);
    expect(room.endpointFor('a', PUBLISH)?.id).toBe('a-out');
    expect(room.endpointFor('a', subscribeTo('b'))?.id).toBe('a<b');
    expect(room.fedBy('b').map((e) => e.id).sort()).toEqual(['a<b', 'c<b']);
  });

  it('removing a participant yields its own endpoints and every endpoint it fed, nothing else', () => {
    const room = full();
    room.candidates.add(linkKey('b', subscribeTo('a')), { candidate: 'x' });
    room.candidates.add(linkKey('a', subscribeTo('b')), { candidate: 'y' });
    room.candidates.add(linkKey('a', subscribeTo('c')), { candidate: 'z' });
    const doomed = room.removeParticipant('b').map((e) => e.id).sort();
    expect(doomed).toEqual(['a<b', 'b-out', 'b<a', 'b<c', 'c<b']);
    expect(room.allEndpoints().map((e) => e.id).sort()).toEqual(['a-out', 'a<c', 'c-out', 'c<a']);
    expect(room.candidates.size(linkKey('b', subscribeTo('a')))).toBe(0);
    expect(room.candidates.size(linkKey('a', subscribeTo('b')))).toBe(0);
    expect(room.candidates.size(linkKey('a', subscribeTo('c')))).toBe(1);
  });

  it('forgets an endpoint only if it is still the current one for its link', () => {
    const room = full();
    room.forget('a', subscribeTo('b'), 'stale-id');
    expect(room.endpointFor('a', subscribeTo('b'))?.id).toBe('a<b');
    room.forget('a', subscribeTo('b'), 'a<b');
    expect(room.endpointFor('a', subscribeTo('b'))).toBeUndefined();
  });

  it('keeps link keys of different users apart', () => {
    expect(linkKey('a', PUBLISH)).not.toBe(linkKey('a', subscribeTo('a')));
    expect(linkKey('ab', subscribeTo('c'))).not.toBe(linkKey('a', subscribeTo('bc')));
  });

  it('keeps link keys apart when typed names hold spaces and words of the old key format', () => {
    // With keys joined by spaces these two were both "a from b publish".
    expect(linkKey('a from b', PUBLISH)).not.toBe(linkKey('a', subscribeTo('b publish')));
    expect(linkKey('김 희동', subscribeTo('o\'brien "x"'))).not.toBe(linkKey('김', subscribeTo('희동 from o\'brien "x"')));
  });

  it('discards the buffered candidates of a leaver with a typed name, and only theirs', () => {
    const room = new RoomMedia('회의실', 'ref', 'pipe', kms, 8);
    room.candidates.add(linkKey('heedong kim', PUBLISH), { candidate: 'own' });
    room.candidates.add(linkKey('b', subscribeTo('heedong kim')), { candidate: 'from him' });
    room.candidates.add(linkKey('kim', subscribeTo('b')), { candidate: 'someone else' });
    room.candidates.add(linkKey('b', subscribeTo('heedong')), { candidate: 'another heedong' });
    room.removeParticipant('heedong kim');
    expect(room.candidates.size(linkKey('heedong kim', PUBLISH))).toBe(0);
    expect(room.candidates.size(linkKey('b', subscribeTo('heedong kim')))).toBe(0);
    expect(room.candidates.size(linkKey('kim', subscribeTo('b')))).toBe(1);
    expect(room.candidates.size(linkKey('b', subscribeTo('heedong')))).toBe(1);
    // 'kim' leaving must not take what b receives from 'heedong kim' (the old keys ended in " kim" too).
    room.candidates.add(linkKey('b', subscribeTo('heedong kim')), { candidate: 'from him again' });
    room.removeParticipant('kim');
    expect(room.candidates.size(linkKey('kim', subscribeTo('b')))).toBe(0);
    expect(room.candidates.size(linkKey('b', subscribeTo('heedong kim')))).toBe(1);
  });
});
