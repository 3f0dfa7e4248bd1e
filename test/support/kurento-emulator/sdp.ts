import { randomBytes, randomInt } from 'node:crypto';
import { KmsError } from './kms-error';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** One `m=` section of an SDP, with what an answerer needs from it. */
export interface MediaSection {
  readonly kind: string;
  readonly port: number;
  readonly proto: string;
  /** The format list of the m-line, in order (payload types for RTP). */
  readonly formats: readonly string[];
  readonly mid: string;
  readonly direction: Direction;
  /** Payload type → `codec/clock[/channels]` from the section's rtpmap lines. */
  readonly codecs: ReadonlyMap<string, string>;
  /** Payload type → fmtp parameters. */
  readonly fmtp: ReadonlyMap<string, string>;
}

const DIRECTIONS: readonly Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
/** Codecs KMS 7 answers with for WebRTC (its answer to Chromium 156 lists exactly these). */
const SUPPORTED = /^(opus|PCMU|PCMA|VP8|VP9|H264|AV1)\//i;
/** Static payload types a browser may list without an rtpmap line. */
const STATIC: Readonly<Record<string, string>> = { '0': 'PCMU/8000', '8': 'PCMA/8000' };

/**
 * Parses enough of an SDP to answer it the way KMS does, refusing what KMS refuses: an empty offer
 * ("Empty offer not valid") or text that is not SDP ("Invalid SDP"), both 40201 SDP_PARSE_ERROR.
 */
export const parseSdp = (sdp: string, what = 'offer'): MediaSection[] => {
  if (sdp.length === 0) throw KmsError.of('SDP_PARSE_ERROR', `Empty ${what} not valid`);
  const lines = sdp.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines[0] !== 'v=0' || !lines.some((l) => l.startsWith('o='))) throw KmsError.of('SDP_PARSE_ERROR', 'Invalid SDP');
  const sections: MediaSection[] = [];
  let current:
    | { kind: string; port: number; proto: string; formats: string[]; mid: string; direction: Direction; codecs: Map<string, string>; fmtp: Map<string, string> }
    | undefined;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      if (current) sections.push(current);
      const [kind = '', port = '0', proto = '', ...formats] = line.slice(2).split(' ');
      current = { kind, port: Number(port), proto, formats, mid: String(sections.length), direction: 'sendrecv', codecs: new Map(), fmtp: new Map() };
    } else if (current && line.startsWith('a=mid:')) {
      current.mid = line.slice('a=mid:'.length);
    } else if (current && line.startsWith('a=rtpmap:')) {
      const [pt = '', codec = ''] = line.slice('a=rtpmap:'.length).split(' ');
      current.codecs.set(pt, codec);
    } else if (current && line.startsWith('a=fmtp:')) {
      const space = line.indexOf(' ');
      current.fmtp.set(line.slice('a=fmtp:'.length, space), line.slice(space + 1));
    } else if (current) {
      const direction = DIRECTIONS.find((d) => line === `a=${d}`);
      if (direction) current.direction = direction;
    }
  }
  if (current) sections.push(current);
  return sections;
};

const reverse = (d: Direction): Direction => (d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d);

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const token = (length: number): string => Array.from({ length }, () => ALNUM[randomInt(ALNUM.length)]).join('');

/**
 * What KMS puts in every media section of one SDP: ICE credentials of the lengths it uses (a 4-character
 * ufrag, a 22-character password: Chromium refuses a password under 22) and a SHA-256 certificate
 * fingerprint, the same for every section since they are bundled.
 */
interface Transport {
  readonly ufrag: string;
  readonly pwd: string;
  readonly fingerprint: string;
  readonly cname: string;
}

const newTransport = (): Transport => ({
  ufrag: token(4),
  pwd: token(22),
  fingerprint: [...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':'),
  cname: `user${randomInt(1_000_000_000, 4_294_967_295)}@host-${randomBytes(4).toString('hex')}`,
});

const transportLines = (t: Transport): string[] => [`a=ice-ufrag:${t.ufrag}`, `a=ice-pwd:${t.pwd}`, `a=fingerprint:sha-256 ${t.fingerprint}`];
const ssrcLine = (t: Transport): string => `a=ssrc:${randomInt(1, 4_294_967_295)} cname:${t.cname}`;
const videoFeedback = (pt: string): string[] => ['goog-remb', 'ccm fir', 'nack', 'nack pli'].map((fb) => `a=rtcp-fb:${pt} ${fb}`);

const header = (): string[] => {
  const version = randomInt(1_000_000_000, 4_294_967_295);
  return ['v=0', `o=- ${version} ${version} IN IP4 0.0.0.0`, 's=Kurento Media Server', 'c=IN IP4 0.0.0.0', 't=0 0'];
};

/** The supported payload types of a section, in the offer's order, with their codec names. */
const acceptedCodecs = (section: MediaSection): [string, string][] =>
  section.formats
    .map((pt): [string, string | undefined] => [pt, section.codecs.get(pt) ?? STATIC[pt]])
    .filter((entry): entry is [string, string] => entry[1] !== undefined && SUPPORTED.test(entry[1]));

/**
 * An answer as KMS 7 writes one (compare transcripts/kms-answer.sdp): one section per offered section, in
 * order and with the same mid, kind and protocol; the direction reversed; the offered payload types KMS
 * supports, with their rtpmap and fmtp lines; `a=setup:active`; rtcp-mux; an SSRC where the answer sends;
 * bundled transport lines. A section with nothing KMS can carry (a data channel, an unknown codec) is
 * refused with port 0 and left out of the BUNDLE group, as RFC 3264 and 8843 say.
 */
export const buildAnswer = (offer: readonly MediaSection[]): string => {
  const transport = newTransport();
  const accepted = offer.map((s) => s.port !== 0 && s.kind !== 'application' && acceptedCodecs(s).length > 0);
  const out = header();
  if (offer.length > 0) out.push('a=msid-semantic: WMS');
  const bundled = offer.filter((_, i) => accepted[i]).map((s) => s.mid);
  if (bundled.length > 0) out.push(`a=group:BUNDLE ${bundled.join(' ')}`);
  offer.forEach((section, i) => {
    if (!accepted[i]) {
      out.push(`m=${section.kind} 0 ${section.proto} ${section.formats.join(' ')}`, 'c=IN IP4 0.0.0.0', `a=mid:${section.mid}`, 'a=inactive');
      return;
    }
    const codecs = acceptedCodecs(section);
    const direction = reverse(section.direction);
    out.push(`m=${section.kind} 1 ${section.proto} ${codecs.map(([pt]) => pt).join(' ')}`, `a=${direction}`, `a=mid:${section.mid}`, 'a=rtcp:9 IN IP4 0.0.0.0');
    for (const [pt, codec] of codecs) out.push(`a=rtpmap:${pt} ${codec}`);
    if (section.kind === 'video') for (const [pt] of codecs) out.push(...videoFeedback(pt));
    out.push('a=setup:active', 'a=rtcp-mux');
    for (const [pt] of codecs) {
      const fmtp = section.fmtp.get(pt);
      if (fmtp !== undefined) out.push(`a=fmtp:${pt} ${fmtp}`);
    }
    if (direction === 'sendrecv' || direction === 'sendonly') out.push(ssrcLine(transport));
    out.push(...transportLines(transport));
  });
  return `${out.join('\r\n')}\r\n`;
};

/**
 * The offer `generateOffer` returns, shaped as KMS 7.3.1's (mids `audio0`/`video0`, profile RTP/SAVPF,
 * sendrecv, DTLS actpass): audio opus/PCMU/PCMA, video AV1/VP9/VP8/H264.
 */
export const buildOffer = (): string => {
  const t = newTransport();
  const out = [...header(), 'a=group:BUNDLE audio0 video0'];
  out.push(
    'm=audio 1 RTP/SAVPF 96 0 8', 'a=setup:actpass', 'a=rtpmap:96 opus/48000/2', 'a=rtcp:9 IN IP4 0.0.0.0', 'a=rtcp-mux', 'a=sendrecv', 'a=mid:audio0',
    ssrcLine(t), ...transportLines(t),
    'm=video 1 RTP/SAVPF 102 103 104 105', 'a=setup:actpass',
    'a=rtpmap:102 AV1/90000', 'a=fmtp:102 level-idx=5;profile=0;tier=0', 'a=rtpmap:103 VP9/90000', 'a=fmtp:103 profile-id=0',
    'a=rtpmap:104 VP8/90000', 'a=rtpmap:105 H264/90000', 'a=fmtp:105 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    'a=rtcp:9 IN IP4 0.0.0.0', 'a=rtcp-mux', 'a=sendrecv', 'a=mid:video0',
    ...['102', '103', '104', '105'].flatMap(videoFeedback),
    ssrcLine(t), ...transportLines(t),
  );
  return `${out.join('\r\n')}\r\n`;
};
