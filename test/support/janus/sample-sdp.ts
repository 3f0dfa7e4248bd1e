import { randomBytes } from 'node:crypto';

/**
 * Hand-made SDP in the shape Chromium sends, for integration tests that exercise signaling against a real
 * Janus without a browser: Janus parses and answers them, while DTLS never completes (nothing sends media).
 * Real media is covered by the Chromium end-to-end tests.
 */
const fingerprint = (): string => [...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
const token = (n: number): string => randomBytes(n).toString('base64').replace(/[^a-zA-Z0-9]/g, 'x').slice(0, n);

const session = (): string[] => [
  'v=0',
  `o=- ${Date.now()} 2 IN IP4 127.0.0.1`,
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS stream',
];

const transport = (ufrag: string, pwd: string, fp: string, setup: string, mid: string): string[] => [
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  `a=ice-ufrag:${ufrag}`,
  `a=ice-pwd:${pwd}`,
  'a=ice-options:trickle',
  `a=fingerprint:sha-256 ${fp}`,
  `a=setup:${setup}`,
  `a=mid:${mid}`,
];

/** A publisher's offer: sendonly Opus audio and VP8 video, bundled, trickle ICE. */
export const publishOffer = (): string => {
  const ufrag = token(4);
  const pwd = token(24);
  const fp = fingerprint();
  return [
    ...session(),
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    ...transport(ufrag, pwd, fp, 'actpass', '0'),
    'a=sendonly',
    'a=msid:stream audio-track',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 transport-cc',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=ssrc:1111 cname:testcname',
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    ...transport(ufrag, pwd, fp, 'actpass', '1'),
    'a=sendonly',
    'a=msid:stream video-track',
    'a=rtcp-mux',
    'a=rtcp-rsize',
    'a=rtpmap:96 VP8/90000',
    'a=rtcp-fb:96 goog-remb',
    'a=rtcp-fb:96 transport-cc',
    'a=rtcp-fb:96 ccm fir',
    'a=rtcp-fb:96 nack',
    'a=rtcp-fb:96 nack pli',
    'a=ssrc:2222 cname:testcname',
    '',
  ].join('\r\n');
};

/** A subscriber's answer to Janus's offer: every m-line accepted recvonly with the offer's first codec. */
export const subscribeAnswer = (offer: string): string => {
  const ufrag = token(4);
  const pwd = token(24);
  const fp = fingerprint();
  const sections = offer.split(/\r?\nm=/).slice(1).map((s) => `m=${s}`);
  const mids = sections.map((s) => /a=mid:(\S+)/.exec(s)?.[1] ?? '0');
  const lines = [
    'v=0',
    `o=- ${Date.now()} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    `a=group:BUNDLE ${mids.join(' ')}`,
    'a=msid-semantic: WMS',
  ];
  sections.forEach((section, i) => {
    const [mline = ''] = section.split(/\r?\n/);
    const [media, , proto, firstPt] = mline.slice(2).split(' ');
    const rtpmap = new RegExp(`a=rtpmap:${firstPt} (\\S+)`).exec(section)?.[1];
    lines.push(`m=${media} 9 ${proto} ${firstPt}`, ...transport(ufrag, pwd, fp, 'active', mids[i]!), 'a=recvonly', 'a=rtcp-mux');
    if (rtpmap) lines.push(`a=rtpmap:${firstPt} ${rtpmap}`);
  });
  lines.push('');
  return lines.join('\r\n');
};

/** A host candidate on loopback for trickle tests. */
export const loopbackCandidate = (mid = '0', port = 50000): { candidate: string; sdpMid: string; sdpMLineIndex: number } => ({
  candidate: `candidate:1 1 udp 2122260223 127.0.0.1 ${port} typ host generation 0`,
  sdpMid: mid,
  sdpMLineIndex: Number(mid),
});
