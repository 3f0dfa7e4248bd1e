import { INBOUND_MESSAGE_IDS, MAX_SDP_LENGTH } from '../../../src/adapters/websocket/inbound-messages';
import { parseInbound, type ParseResult } from '../../../src/adapters/websocket/message-parser';

const LIMIT = 64 * 1024;
const parse = (value: unknown): ParseResult => parseInbound(typeof value === 'string' ? value : JSON.stringify(value), LIMIT);

const message = (value: unknown) => {
  const result = parse(value);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(value)} to parse, got ${result.error.code}: ${result.error.message}`);
  return result.message;
};

const failure = (value: unknown, maxBytes = LIMIT) => {
  const result = parseInbound(typeof value === 'string' ? value : JSON.stringify(value), maxBytes);
  if (result.ok) throw new Error(`expected ${JSON.stringify(value)} to be refused`);
  return result;
};

const SDP = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
const CANDIDATE = { candidate: 'candidate:842163049 1 udp 1677729535 127.0.0.1 46154 typ srflx', sdpMid: '0', sdpMLineIndex: 0 };

describe('parseInbound', () => {
  describe('the seed’s messages, as its clients send them', () => {
    it('joinRoom with every field', () => {
      expect(
        message({ id: 'joinRoom', token: 'eyJ.jwt', userId: 'u-1', communityId: '42', roomId: 'c-17', video: false, audio: true }),
      ).toEqual({ id: 'joinRoom', token: 'eyJ.jwt', userId: 'u-1', communityId: '42', roomId: 'c-17', video: false, audio: true });
    });

    it('joinRoom of a direct-message room, with numeric ids as Java-era clients sent them', () => {
      expect(message({ id: 'joinRoom', token: 't', userId: 1234, communityId: 0, roomId: 'r-99', video: true, audio: false })).toEqual({
        id: 'joinRoom',
        token: 't',
        userId: '1234',
        communityId: '0',
        roomId: 'r-99',
        video: true,
        audio: false,
      });
    });

    it('joinRoom defaults: community "0", camera and microphone on, no token', () => {
      expect(message({ id: 'joinRoom', userId: 'u', roomId: 'r-1' })).toEqual({
        id: 'joinRoom',
        userId: 'u',
        roomId: 'r-1',
        communityId: '0',
        video: true,
        audio: true,
      });
    });

    it('receiveVideoFrom (own id = publish, other id = subscribe: the parser keeps the id as sent)', () => {
      expect(message({ id: 'receiveVideoFrom', userId: 'u-2', sdpOffer: SDP })).toEqual({ id: 'receiveVideoFrom', userId: 'u-2', sdpOffer: SDP });
    });

    it('receiveVideoFrom with an SDP offer far larger than the seed’s 8 KiB buffer', () => {
      const big = `${SDP}${'a=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n'.repeat(400)}`;
      expect(big.length).toBeGreaterThan(8 * 1024);
      expect(message({ id: 'receiveVideoFrom', userId: 'u', sdpOffer: big })).toMatchObject({ sdpOffer: big });
    });

    it('onIceCandidate', () => {
      expect(message({ id: 'onIceCandidate', userId: 'u-1', candidate: CANDIDATE })).toEqual({ id: 'onIceCandidate', userId: 'u-1', candidate: CANDIDATE });
    });

    it('onIceCandidate with null sdpMid and sdpMLineIndex, as browsers may send', () => {
      const c = { candidate: 'candidate:1', sdpMid: null, sdpMLineIndex: null };
      expect(message({ id: 'onIceCandidate', userId: 'u', candidate: c })).toEqual({ id: 'onIceCandidate', userId: 'u', candidate: c });
    });

    it('onIceCandidate with an empty candidate (end of candidates)', () => {
      expect(message({ id: 'onIceCandidate', userId: 'u', candidate: { candidate: '' } })).toMatchObject({ candidate: { candidate: '' } });
    });

    it('leaveRoom', () => {
      expect(message({ id: 'leaveRoom' })).toEqual({ id: 'leaveRoom' });
    });

    it('videoStateFrom and audioStateFrom', () => {
      expect(message({ id: 'videoStateFrom', userId: 'u', video: false })).toEqual({ id: 'videoStateFrom', userId: 'u', video: false });
      expect(message({ id: 'audioStateFrom', userId: 7, audio: true })).toEqual({ id: 'audioStateFrom', userId: '7', audio: true });
    });

    it('ignores extra fields clients carry for themselves', () => {
      expect(message({ id: 'leaveRoom', clientTime: 123, extra: { a: 1 } })).toEqual({ id: 'leaveRoom' });
    });
  });

  describe('the seed’s field types, as its Java server (Jackson) read them', () => {
    it('audioStateFrom as the Vue app sends it: numeric userId, the boolean as a string', () => {
      expect(message({ id: 'audioStateFrom', userId: 6, audio: 'false' })).toEqual({ id: 'audioStateFrom', userId: '6', audio: false });
      expect(message({ id: 'videoStateFrom', userId: 6, video: 'true' })).toEqual({ id: 'videoStateFrom', userId: '6', video: true });
    });

    it.each<[unknown, boolean]>([
      [true, true], [false, false], ['true', true], ['false', false], ['TRUE', true], ['False', false], [1, true], [0, false],
    ])('reads %j as %j wherever the seed carries a boolean', (value, expected) => {
      expect(message({ id: 'joinRoom', userId: 'u', roomId: 'r', video: value, audio: value })).toMatchObject({ video: expected, audio: expected });
      expect(message({ id: 'videoStateFrom', userId: 'u', video: value })).toMatchObject({ video: expected });
      expect(message({ id: 'audioStateFrom', userId: 'u', audio: value })).toMatchObject({ audio: expected });
    });

    it.each(['김희동', 'heedong kim', '회의실', 'test room', "o'brien", 'a{b}c', '}{', 'a/b', '50%', '👨‍👩‍👧 family', 'x'.repeat(128), '회'.repeat(128)])(
      'takes the typed text %p as an id, unchanged',
      (id) => {
        expect(message({ id: 'joinRoom', userId: id, roomId: id, communityId: id })).toMatchObject({ userId: id, roomId: id, communityId: id });
      },
    );

    it('normalises ids to NFC, so a name typed as decomposed jamo is the same id', () => {
      const decomposed = '김희동'.normalize('NFD');
      expect(decomposed).not.toBe('김희동');
      expect(message({ id: 'joinRoom', userId: decomposed, roomId: 'cafe\u0301' })).toMatchObject({ userId: '김희동', roomId: 'café' });
      expect(message({ id: 'receiveVideoFrom', userId: decomposed, sdpOffer: SDP })).toMatchObject({ userId: '김희동' });
    });

    it('counts characters, not UTF-16 units: 128 emoji are an id', () => {
      expect(message({ id: 'subscribe', userId: '😀'.repeat(128) })).toMatchObject({ userId: '😀'.repeat(128) });
      expect(failure({ id: 'subscribe', userId: '😀'.repeat(129) }).error.code).toBe('invalidMessage');
    });
  });

  describe('the backend-neutral additions', () => {
    it.each([
      [{ id: 'publish', sdpOffer: SDP }],
      [{ id: 'subscribe', userId: 'u' }],
      [{ id: 'subscribeAnswer', userId: 'u', sdpAnswer: SDP }],
      [{ id: 'peerOffer', userId: 'u', sdpOffer: SDP }],
      [{ id: 'peerAnswer', userId: 'u', sdpAnswer: SDP }],
      [{ id: 'peerIceCandidate', userId: 'u', candidate: CANDIDATE }],
    ])('%j', (value) => {
      expect(message(value)).toEqual(value);
    });

    it('joinRoom may ask for a resumable seat, read as the other booleans are', () => {
      expect(message({ id: 'joinRoom', userId: 'u', roomId: 'r-1', resumable: true })).toMatchObject({ resumable: true });
      expect(message({ id: 'joinRoom', userId: 'u', roomId: 'r-1', resumable: 'false' })).toMatchObject({ resumable: false });
      expect(failure({ id: 'joinRoom', userId: 'u', roomId: 'r-1', resumable: 'yes' }).error.code).toBe('invalidMessage');
    });

    it('resumeSession carries a token of bounded length', () => {
      expect(message({ id: 'resumeSession', resumeToken: 'abc.def', requestId: 'r' })).toEqual({ id: 'resumeSession', resumeToken: 'abc.def', requestId: 'r' });
      expect(failure({ id: 'resumeSession' }).error.code).toBe('invalidMessage');
      expect(failure({ id: 'resumeSession', resumeToken: '' }).error.code).toBe('invalidMessage');
      expect(failure({ id: 'resumeSession', resumeToken: 'x'.repeat(2_049) }).error.code).toBe('invalidMessage');
      expect(failure({ id: 'resumeSession', resumeToken: 7 }).error.code).toBe('invalidMessage');
    });

    it('knows exactly the fourteen message ids', () => {
      expect([...INBOUND_MESSAGE_IDS].sort()).toEqual(
        [
          'joinRoom',
          'receiveVideoFrom',
          'publish',
          'subscribe',
          'subscribeAnswer',
          'onIceCandidate',
          'peerOffer',
          'peerAnswer',
          'peerIceCandidate',
          'leaveRoom',
          'videoStateFrom',
          'audioStateFrom',
          'resumeSession',
          'ping',
        ].sort(),
      );
    });
  });

  describe('requestId', () => {
    it('keeps the type it came with: a client matching replies with === finds its own value', () => {
      expect(message({ id: 'leaveRoom', requestId: 'abc' })).toEqual({ id: 'leaveRoom', requestId: 'abc' });
      expect(message({ id: 'leaveRoom', requestId: 17 })).toEqual({ id: 'leaveRoom', requestId: 17 });
      expect(message({ id: 'leaveRoom', requestId: 0 })).toEqual({ id: 'leaveRoom', requestId: 0 });
      expect(message({ id: 'peerIceCandidate', userId: 'bob', candidate: { candidate: 'c' }, requestId: 9 })).toMatchObject({ requestId: 9 });
    });

    it('is echoed with every refusal once the JSON is readable', () => {
      expect(failure({ id: 'nope', requestId: 'r1' })).toMatchObject({ requestId: 'r1' });
      expect(failure({ id: 'joinRoom', requestId: 'r2' })).toMatchObject({ requestId: 'r2' });
      expect(failure({ id: 'joinRoom', requestId: 5 })).toMatchObject({ requestId: 5 });
    });

    it('is absent from refusals when missing or unusable', () => {
      expect(failure({ id: 'nope' })).not.toHaveProperty('requestId');
      expect(failure({ id: 'nope', requestId: 'x'.repeat(129) })).not.toHaveProperty('requestId');
      expect(failure({ id: 'nope', requestId: 1.5 })).not.toHaveProperty('requestId');
      expect(failure({ id: 'nope', requestId: { a: 1 } })).not.toHaveProperty('requestId');
      expect(failure('[1,2]')).not.toHaveProperty('requestId');
    });

    it('a requestId that is too long makes the message invalid', () => {
      expect(failure({ id: 'leaveRoom', requestId: 'x'.repeat(129) }).error.code).toBe('invalidMessage');
    });
  });

  describe('refusals', () => {
    it.each(['{', 'not json', '{"id":"leaveRoom",}', '', "{'id':'leaveRoom'}"])('badJson for %p', (text) => {
      const result = failure(text);
      expect(result.error.code).toBe('badJson');
      expect(result).not.toHaveProperty('requestId');
    });

    it.each(['[]', 'null', '42', '"joinRoom"', 'true'])('invalidMessage for JSON that is not an object: %p', (text) => {
      expect(failure(text).error.code).toBe('invalidMessage');
    });

    it.each([
      [{ id: 'createRoom' }],
      [{ id: 'JOINROOM' }],
      [{ id: 42 }],
      [{ userId: 'u' }],
      [{ id: null }],
      [{ id: 'toString' }],
      [{ id: '__proto__' }],
    ])('unknownMessage for %j', (value) => {
      expect(failure(value).error.code).toBe('unknownMessage');
    });

    it('names the unknown id, shortened', () => {
      expect(failure({ id: 'createRoom' }).error.message).toContain('"createRoom"');
      expect(failure({ id: 'x'.repeat(500) }).error.message.length).toBeLessThan(200);
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['missing userId', { id: 'joinRoom', roomId: 'r' }, 'userId'],
      ['missing roomId', { id: 'joinRoom', userId: 'u' }, 'roomId'],
      ['empty userId', { id: 'joinRoom', userId: '', roomId: 'r' }, 'userId'],
      ['userId with a control character', { id: 'joinRoom', userId: 'a\u0000b', roomId: 'r' }, 'userId'],
      ['userId with a line break', { id: 'joinRoom', userId: 'a\nb', roomId: 'r' }, 'userId'],
      ['roomId with a bidirectional override', { id: 'joinRoom', userId: 'u', roomId: 'a\u202eb' }, 'roomId'],
      ['roomId of blanks only', { id: 'joinRoom', userId: 'u', roomId: '   ' }, 'roomId'],
      ['userId with a lone surrogate', { id: 'joinRoom', userId: 'a\ud800', roomId: 'r' }, 'userId'],
      ['129 Hangul syllables', { id: 'joinRoom', userId: '회'.repeat(129), roomId: 'r' }, 'userId'],
      ['negative numeric userId', { id: 'joinRoom', userId: -1, roomId: 'r' }, 'userId'],
      ['fractional numeric userId', { id: 'joinRoom', userId: 1.5, roomId: 'r' }, 'userId'],
      ['over-long roomId', { id: 'joinRoom', userId: 'u', roomId: 'r'.repeat(129) }, 'roomId'],
      ['video as a string that is no boolean', { id: 'joinRoom', userId: 'u', roomId: 'r', video: 'yes' }, 'video'],
      ['video as null', { id: 'joinRoom', userId: 'u', roomId: 'r', video: null }, 'video'],
      ['token as a number', { id: 'joinRoom', userId: 'u', roomId: 'r', token: 123 }, 'token'],
      ['over-long token', { id: 'joinRoom', userId: 'u', roomId: 'r', token: 't'.repeat(8193) }, 'token'],
      ['missing sdpOffer', { id: 'receiveVideoFrom', userId: 'u' }, 'sdpOffer'],
      ['empty sdpOffer', { id: 'receiveVideoFrom', userId: 'u', sdpOffer: '' }, 'sdpOffer'],
      ['over-long sdpOffer', { id: 'publish', sdpOffer: 's'.repeat(MAX_SDP_LENGTH + 1) }, 'sdpOffer'],
      ['candidate not an object', { id: 'onIceCandidate', userId: 'u', candidate: 'candidate:1' }, 'candidate'],
      ['candidate without its string', { id: 'onIceCandidate', userId: 'u', candidate: { sdpMid: '0' } }, 'candidate.candidate'],
      ['negative sdpMLineIndex', { id: 'onIceCandidate', userId: 'u', candidate: { candidate: 'c', sdpMLineIndex: -1 } }, 'candidate.sdpMLineIndex'],
      ['video state without video', { id: 'videoStateFrom', userId: 'u' }, 'video'],
      ['audio state as a number other than 0/1', { id: 'audioStateFrom', userId: 'u', audio: 2 }, 'audio'],
      ['audio state as an empty string', { id: 'audioStateFrom', userId: 'u', audio: '' }, 'audio'],
    ])('invalidMessage with details for %s', (_what, value, path) => {
      const result = failure(value);
      expect(result.error.code).toBe('invalidMessage');
      expect(result.error.message.startsWith(`${String(value.id)}: `)).toBe(true);
      expect(result.error.message).toContain(`${path}: `);
    });

    it('reports at most five problems', () => {
      const result = failure({ id: 'joinRoom', userId: 1.5, roomId: '', video: 'x', audio: 'y', token: 1, communityId: 'a b' });
      expect(result.error.code).toBe('invalidMessage');
      expect(result.error.message.split('; ').length).toBeLessThanOrEqual(5);
    });

    describe('frameTooLarge', () => {
      it('refuses a frame over the limit before parsing it, naming the limit', () => {
        const result = failure(`{"id":"publish","sdpOffer":"${'a'.repeat(2_000)}"}`, 1_024);
        expect(result.error.code).toBe('frameTooLarge');
        expect(result.error.details).toEqual({ limit: 1_024 });
        expect(result).not.toHaveProperty('requestId');
      });

      it('even when it is not JSON', () => {
        expect(failure('x'.repeat(2_000), 1_024).error.code).toBe('frameTooLarge');
      });

      it('counts UTF-8 bytes, not characters', () => {
        const text = JSON.stringify({ id: 'leaveRoom', note: '€'.repeat(400) });
        expect(text.length).toBeLessThan(1_024);
        expect(Buffer.byteLength(text)).toBeGreaterThan(1_024);
        expect(failure(text, 1_024).error.code).toBe('frameTooLarge');
      });

      it('accepts a frame of exactly the limit', () => {
        const base = JSON.stringify({ id: 'leaveRoom', pad: '' });
        const text = JSON.stringify({ id: 'leaveRoom', pad: 'p'.repeat(1_024 - base.length) });
        expect(Buffer.byteLength(text)).toBe(1_024);
        expect(parseInbound(text, 1_024).ok).toBe(true);
        expect(parseInbound(`${text} `, 1_024).ok).toBe(false);
      });
    });
  });
});
