import { readFileSync } from 'node:fs';
import { preferCodecs, sentCodecs, USUAL_CODECS } from '../../../src/adapters/kurento/codec-preference';
import { transcriptPath } from '../../support/kurento/kms-dir';

const mline = (sdp: string, kind: string): string => sdp.split(/\r?\n/).find((l) => l.startsWith(`m=${kind} `)) ?? '';

/** The offer KMS 7.3.1's generateOffer returned (probe of 2026-11-30): AV1 and VP9 before VP8. */
const KMS_GENERATED_OFFER = [
  'v=0', 'o=- 4005032016 4005032016 IN IP4 0.0.0.0', 's=Kurento Media Server', 'c=IN IP4 0.0.0.0', 't=0 0', 'a=group:BUNDLE audio0 video0',
  'm=audio 1 RTP/SAVPF 96 0 8', 'a=setup:actpass', 'a=rtpmap:96 opus/48000/2', 'a=rtcp-mux', 'a=sendrecv', 'a=mid:audio0',
  'm=video 1 RTP/SAVPF 102 103 104 105', 'a=setup:actpass', 'a=rtpmap:102 AV1/90000', 'a=fmtp:102 level-idx=5;profile=0;tier=0',
  'a=rtpmap:103 VP9/90000', 'a=fmtp:103 profile-id=0', 'a=rtpmap:104 VP8/90000', 'a=rtpmap:105 H264/90000', 'a=rtcp-mux', 'a=sendrecv', 'a=mid:video0',
  '',
].join('\r\n');

describe('codec preference for subscriptions', () => {
  it('reads what a publisher sends from the answer KMS gave it (transcripts/kms-answer.sdp: opus and VP8)', () => {
    expect(sentCodecs(readFileSync(transcriptPath('kms-answer.sdp'), 'utf8'))).toEqual({ audio: 'OPUS', video: 'VP8' });
  });

  it("puts the publisher's codec first in KMS's generated offer, keeping every payload type and line", () => {
    const preferred = preferCodecs(KMS_GENERATED_OFFER, { audio: 'OPUS', video: 'VP8' });
    expect(mline(preferred, 'video')).toBe('m=video 1 RTP/SAVPF 104 102 103 105');
    expect(mline(preferred, 'audio')).toBe('m=audio 1 RTP/SAVPF 96 0 8');
    expect(preferred.replace(mline(preferred, 'video'), '')).toBe(KMS_GENERATED_OFFER.replace(mline(KMS_GENERATED_OFFER, 'video'), ''));
  });

  it('prefers H264 when that is what the publisher sends, and every payload type of it', () => {
    const offer = readFileSync(transcriptPath('chromium-offer.sdp'), 'utf8');
    const video = mline(preferCodecs(offer, { video: 'H264' }), 'video').split(' ').slice(3);
    const h264 = [...offer.matchAll(/^a=rtpmap:(\d+) H264\//gm)].map((m) => m[1]);
    expect(video.slice(0, h264.length)).toEqual(h264);
    expect([...video].sort()).toEqual([...mline(offer, 'video').split(' ').slice(3)].sort());
  });

  it('leaves an SDP alone when it already starts with the codec, or does not offer it at all', () => {
    const offer = readFileSync(transcriptPath('chromium-offer.sdp'), 'utf8');
    expect(preferCodecs(offer, USUAL_CODECS)).toBe(offer);
    expect(preferCodecs(KMS_GENERATED_OFFER, { video: 'NOPE' })).toBe(KMS_GENERATED_OFFER);
  });
});
