import { fromKmsEventData, toKmsCandidate } from '../../../src/adapters/kurento/ice-candidate-codec';

describe('ICE candidates between browsers and KMS', () => {
  const text = 'candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host';

  it('passes complete candidates through', () => {
    expect(toKmsCandidate({ candidate: text, sdpMid: 'audio', sdpMLineIndex: 0 })).toEqual({ candidate: text, sdpMid: 'audio', sdpMLineIndex: 0 });
  });

  it('fills the field a browser left null, since KMS needs all three', () => {
    expect(toKmsCandidate({ candidate: text, sdpMid: null, sdpMLineIndex: 1 })).toEqual({ candidate: text, sdpMid: '1', sdpMLineIndex: 1 });
    expect(toKmsCandidate({ candidate: text, sdpMid: '2' })).toEqual({ candidate: text, sdpMid: '2', sdpMLineIndex: 2 });
    expect(toKmsCandidate({ candidate: text, sdpMid: 'video', sdpMLineIndex: null })).toEqual({ candidate: text, sdpMid: 'video', sdpMLineIndex: 0 });
    expect(toKmsCandidate({ candidate: text })).toEqual({ candidate: text, sdpMid: '0', sdpMLineIndex: 0 });
  });

  it('reads the candidate of an IceCandidateFound event', () => {
    const data = { candidate: { __module__: 'kurento', __type__: 'IceCandidate', candidate: text, sdpMid: '0', sdpMLineIndex: 0 }, source: 'x', type: 'IceCandidateFound' };
    expect(fromKmsEventData(data)).toEqual({ candidate: text, sdpMid: '0', sdpMLineIndex: 0 });
  });

  it('ignores malformed events instead of throwing', () => {
    expect(fromKmsEventData({})).toBeUndefined();
    expect(fromKmsEventData({ candidate: 'nope' })).toBeUndefined();
    expect(fromKmsEventData({ candidate: { candidate: 5 } })).toBeUndefined();
    expect(fromKmsEventData({ candidate: { candidate: text } })).toEqual({ candidate: text, sdpMid: null, sdpMLineIndex: null });
  });
});
