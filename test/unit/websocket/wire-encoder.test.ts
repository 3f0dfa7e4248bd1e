import { encodeClientMessage, encodeClientText } from '../../../src/adapters/websocket/wire-encoder';
import type { MediaSignal } from '../../../src/application';
import { PUBLISH, subscribeTo, upstreamTo, type MediaCapabilities } from '../../../src/domain';

const CAPS: MediaCapabilities = { backend: 'kurento', publish: true, clientOfferedSubscribe: true, serverOfferedSubscribe: true, peerToPeer: false };
const CANDIDATE = { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 };

const signal = (s: MediaSignal) => encodeClientMessage({ type: 'signal', signal: s });

describe('encodeClientMessage', () => {
  describe('the seed’s server messages', () => {
    it('joined → existingParticipants with members (and the capabilities, roomId and userId added)', () => {
      const members = [{ userId: 'a', audio: true, video: false }];
      expect(encodeClientMessage({ type: 'joined', roomId: 'r', userId: 'me', others: members, media: CAPS, requestId: 'j' })).toEqual({
        id: 'existingParticipants',
        roomId: 'r',
        userId: 'me',
        members,
        media: CAPS,
        requestId: 'j',
      });
    });

    it('participantJoined → newParticipantArrived', () => {
      expect(encodeClientMessage({ type: 'participantJoined', member: { userId: 'a', audio: false, video: true } })).toEqual({
        id: 'newParticipantArrived',
        member: { userId: 'a', audio: false, video: true },
      });
    });

    it('participantLeft → participantLeft', () => {
      expect(encodeClientMessage({ type: 'participantLeft', userId: 'a' })).toEqual({ id: 'participantLeft', userId: 'a' });
    });

    it('mediaStateChanged → videoStateAnswer / audioStateAnswer', () => {
      expect(encodeClientMessage({ type: 'mediaStateChanged', userId: 'a', kind: 'video', enabled: false, requestId: 'v' })).toEqual({
        id: 'videoStateAnswer',
        userId: 'a',
        video: false,
        requestId: 'v',
      });
      expect(encodeClientMessage({ type: 'mediaStateChanged', userId: 'a', kind: 'audio', enabled: true })).toEqual({
        id: 'audioStateAnswer',
        userId: 'a',
        audio: true,
      });
    });

    it('roomFull → limitJoinAnswer', () => {
      expect(encodeClientMessage({ type: 'roomFull', roomId: 'r', requestId: 'x' })).toEqual({ id: 'limitJoinAnswer', roomId: 'r', requestId: 'x' });
    });

    it('an answer to a publish offer → receiveVideoAnswer with one’s own id', () => {
      expect(signal({ type: 'answer', roomId: 'r', to: 'me', link: PUBLISH, sdp: 'ans', requestId: 'p' })).toEqual({
        id: 'receiveVideoAnswer',
        userId: 'me',
        sdpAnswer: 'ans',
        requestId: 'p',
      });
    });

    it('an answer to a subscribe offer → receiveVideoAnswer with the publisher’s id', () => {
      expect(signal({ type: 'answer', roomId: 'r', to: 'me', link: subscribeTo('pub'), sdp: 'ans' })).toEqual({
        id: 'receiveVideoAnswer',
        userId: 'pub',
        sdpAnswer: 'ans',
      });
    });

    it('a candidate → iceCandidate naming whose connection, without requestId', () => {
      expect(signal({ type: 'candidate', roomId: 'r', to: 'me', link: PUBLISH, candidate: CANDIDATE })).toEqual({
        id: 'iceCandidate',
        userId: 'me',
        candidate: CANDIDATE,
      });
      expect(signal({ type: 'candidate', roomId: 'r', to: 'me', link: subscribeTo('pub'), candidate: CANDIDATE })).toEqual({
        id: 'iceCandidate',
        userId: 'pub',
        candidate: CANDIDATE,
      });
    });
  });

  describe('the added flows', () => {
    it('a server offer to subscribe → subscribeOffer', () => {
      expect(signal({ type: 'offer', roomId: 'r', to: 'me', link: subscribeTo('pub'), sdp: 'off', requestId: 's' })).toEqual({
        id: 'subscribeOffer',
        userId: 'pub',
        sdpOffer: 'off',
        requestId: 's',
      });
    });

    it('mesh upstream: offer → peerOffer, answer → peerAnswer, candidate → peerIceCandidate, each naming the subscriber', () => {
      expect(signal({ type: 'offer', roomId: 'r', to: 'me', link: upstreamTo('sub'), sdp: 'o' })).toEqual({ id: 'peerOffer', userId: 'sub', sdpOffer: 'o' });
      expect(signal({ type: 'answer', roomId: 'r', to: 'me', link: upstreamTo('sub'), sdp: 'a' })).toEqual({ id: 'peerAnswer', userId: 'sub', sdpAnswer: 'a' });
      expect(signal({ type: 'candidate', roomId: 'r', to: 'me', link: upstreamTo('sub'), candidate: CANDIDATE })).toEqual({
        id: 'peerIceCandidate',
        userId: 'sub',
        candidate: CANDIDATE,
      });
    });

    it('an offer request → peerSubscribe naming the subscriber', () => {
      expect(signal({ type: 'offerRequest', roomId: 'r', to: 'me', link: upstreamTo('sub'), requestId: 'q' })).toEqual({
        id: 'peerSubscribe',
        userId: 'sub',
        requestId: 'q',
      });
    });

    it('ack', () => {
      expect(encodeClientMessage({ type: 'ack', requestId: 'r' })).toEqual({ id: 'ack', requestId: 'r' });
    });

    it('error with code, message, details and requestId; without details or requestId when there are none', () => {
      expect(
        encodeClientMessage({ type: 'error', code: 'wrongNode', message: 'go', details: { nodeUrl: 'ws://127.0.0.1:1' }, requestId: 'j' }),
      ).toEqual({ id: 'error', code: 'wrongNode', message: 'go', details: { nodeUrl: 'ws://127.0.0.1:1' }, requestId: 'j' });
      const bare = encodeClientMessage({ type: 'error', code: 'badJson', message: 'bad' });
      expect(bare).toEqual({ id: 'error', code: 'badJson', message: 'bad' });
      expect(Object.keys(bare)).toEqual(['id', 'code', 'message']);
    });
  });

  it('never sends a requestId key when there is none (SetMediaState passes requestId: undefined to the others)', () => {
    const encoded = encodeClientMessage({ type: 'mediaStateChanged', userId: 'a', kind: 'audio', enabled: false, requestId: undefined });
    expect(Object.keys(encoded)).not.toContain('requestId');
    const joined = encodeClientMessage({ type: 'joined', roomId: 'r', userId: 'u', others: [], media: CAPS, requestId: undefined });
    expect(Object.keys(joined)).not.toContain('requestId');
  });

  it('everything it produces survives JSON unchanged', () => {
    const encoded = signal({ type: 'candidate', roomId: 'r', to: 'me', link: PUBLISH, candidate: { candidate: 'c', sdpMid: null, sdpMLineIndex: null } });
    expect(JSON.parse(JSON.stringify(encoded))).toEqual(encoded);
  });
});

describe('encodeClientText', () => {
  it('writes a relayed candidate byte for byte as JSON.stringify of its wire object, on every link kind', () => {
    const candidates = [CANDIDATE, { candidate: 'candidate:2 1 udp 1 ::1 9 typ host "quoted" \\ back' }, { candidate: 'c', sdpMid: null, sdpMLineIndex: null }];
    for (const link of [PUBLISH, subscribeTo('pub "x"'), upstreamTo('sub\u2028y')]) {
      for (const candidate of candidates) {
        const message = { type: 'signal' as const, signal: { type: 'candidate' as const, roomId: 'r', to: 'to "me"', link, candidate } };
        expect(encodeClientText(message)).toBe(JSON.stringify(encodeClientMessage(message)));
      }
    }
  });

  it('every other message is JSON.stringify of encodeClientMessage', () => {
    const message = { type: 'participantLeft' as const, userId: 'a' };
    expect(encodeClientText(message)).toBe(JSON.stringify(encodeClientMessage(message)));
  });
});
