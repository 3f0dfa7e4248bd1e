import { classifyReply } from '../../../src/adapters/presence/reply-classifier';

const classify = (reply: string | Buffer, eventId = 'e1') => classifyReply(typeof reply === 'string' ? Buffer.from(reply) : reply, eventId);

describe('classifyReply', () => {
  it.each(['OK', '', 'ack', '{"ok":true}', '{"ok":true,"event_id":"e1"}', '42', '"fine"'])('acknowledges %p', (reply) => {
    expect(classify(reply)).toEqual({ kind: 'ack' });
  });

  it('acknowledges but flags malformed replies', () => {
    expect(classify(Buffer.from([0x00, 0xff, 0x41]))).toMatchObject({ kind: 'malformed' });
    expect(classify(Buffer.from([0xc3, 0x28]))).toEqual({ kind: 'malformed', why: 'not UTF-8' });
    expect(classify('{"ok":tru')).toEqual({ kind: 'malformed', why: 'broken JSON' });
    expect(classify('x'.repeat(5_000))).toEqual({ kind: 'malformed', why: 'overlong' });
  });

  it('flags an error reply as refused (still delivered: resending would fail again)', () => {
    expect(classify('{"ok":false,"error":"bad"}')).toMatchObject({ kind: 'refused' });
    expect(classify('{"error":"bad"}')).toMatchObject({ kind: 'refused' });
  });

  it('ignores a reply naming another event as stale', () => {
    expect(classify('{"ok":true,"event_id":"e0"}')).toEqual({ kind: 'stale', eventId: 'e0' });
  });
});
