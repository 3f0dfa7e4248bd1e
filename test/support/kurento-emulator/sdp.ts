import { randomBytes } from 'node:crypto';
import { KmsError } from './kms-error';

/** One `m=` section of an SDP, with what an answerer needs from it. */
export interface MediaSection {
  readonly kind: string;
  readonly mid: string;
  readonly direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** Payload type → `codec/clock[/channels]` from the section's rtpmap lines. */
  readonly codecs: ReadonlyMap<string, string>;
  readonly port: number;
}

const DIRECTIONS = ['sendrecv', 'sendonly', 'recvonly', 'inactive'] as const;
/** The codecs KMS negotiates for WebRTC out of the box. */
const SUPPORTED = /^(opus|VP8|H264|PCMU|PCMA)\//i;

/**
 * Parses enough of an SDP to answer it the way KMS does; rejects what KMS rejects with SDP_PARSE_ERROR
 * (no version line, no media section).
 */
export const parseSdp = (sdp: string): MediaSection[] => {
  const lines = sdp.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines[0] !== 'v=0') throw KmsError.of('SDP_PARSE_ERROR', 'Error processing SDP: missing or invalid version line');
  const sections: MediaSection[] = [];
  let current: { kind: string; mid: string; direction: MediaSection['direction']; codecs: Map<string, string>; port: number } | undefined;
  const flush = (): void => {
    if (current) sections.push(current);
  };
  for (const line of lines) {
    if (line.startsWith('m=')) {
      flush();
      const [kind = '', port = '0'] = line.slice(2).split(' ');
      current = { kind, mid: String(sections.length), direction: 'sendrecv', codecs: new Map(), port: Number(port) };
    } else if (current && line.startsWith('a=mid:')) {
      current.mid = line.slice('a=mid:'.length);
    } else if (current && line.startsWith('a=rtpmap:')) {
      const [pt = '', codec = ''] = line.slice('a=rtpmap:'.length).split(' ');
      current.codecs.set(pt, codec);
    } else if (current) {
      const direction = DIRECTIONS.find((d) => line === `a=${d}`);
      if (direction) current.direction = direction;
    }
  }
  flush();
  if (sections.length === 0) throw KmsError.of('SDP_PARSE_ERROR', 'Error processing SDP: no media sections');
  return sections;
};

const reverse = (d: MediaSection['direction']): MediaSection['direction'] =>
  d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d;

const iceCredentials = (): string[] => [
  `a=ice-ufrag:${randomBytes(3).toString('hex')}`,
  `a=ice-pwd:${randomBytes(12).toString('base64').replace(/[^A-Za-z0-9]/g, 'x')}`,
  `a=fingerprint:sha-256 ${[...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')}`,
];

const sessionHeader = (mids: readonly string[]): string[] => [
  'v=0',
  `o=- ${Date.now()} 0 IN IP4 127.0.0.1`,
  's=Kurento Media Server',
  'c=IN IP4 0.0.0.0',
  't=0 0',
  `a=group:BUNDLE ${mids.join(' ')}`,
  'a=msid-semantic: WMS *',
];

/** An answer as KMS writes one: same mids, reversed direction, one supported codec per section, DTLS active. */
export const buildAnswer = (offer: readonly MediaSection[]): string => {
  const live = offer.filter((s) => s.port !== 0 && s.kind !== 'application');
  const creds = iceCredentials();
  const out = sessionHeader(live.map((s) => s.mid));
  for (const section of offer) {
    const chosen = [...section.codecs.entries()].find(([, codec]) => SUPPORTED.test(codec));
    if (!chosen || section.port === 0 || section.kind === 'application') {
      // KMS refuses what it cannot carry by answering with port 0, as RFC 3264 says.
      out.push(`m=${section.kind} 0 UDP/TLS/RTP/SAVPF 0`, `a=mid:${section.mid}`, 'a=inactive');
      continue;
    }
    const [pt, codec] = chosen;
    out.push(
      `m=${section.kind} 1 UDP/TLS/RTP/SAVPF ${pt}`,
      'c=IN IP4 0.0.0.0',
      `a=mid:${section.mid}`,
      `a=${reverse(section.direction)}`,
      'a=rtcp-mux',
      `a=rtpmap:${pt} ${codec}`,
      ...creds,
      'a=setup:active',
      `a=ssrc:${randomBytes(4).readUInt32BE(0)} cname:kms-emulator`,
    );
  }
  if (!offer.some((s) => s.port !== 0 && s.kind !== 'application' && [...s.codecs.values()].some((c) => SUPPORTED.test(c)))) {
    throw KmsError.of('SDP_END_POINT_PROCESS_OFFER_ERROR', 'Error processing offer: no supported codec in any media section');
  }
  return `${out.join('\r\n')}\r\n`;
};

/** The offer `generateOffer` returns: audio and video, sendrecv, DTLS actpass. */
export const buildOffer = (): string => {
  const creds = iceCredentials();
  const out = sessionHeader(['0', '1']);
  out.push(
    'm=audio 1 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=sendrecv', 'a=rtcp-mux', 'a=rtpmap:96 opus/48000/2', ...creds, 'a=setup:actpass',
    'm=video 1 UDP/TLS/RTP/SAVPF 101 103', 'c=IN IP4 0.0.0.0', 'a=mid:1', 'a=sendrecv', 'a=rtcp-mux', 'a=rtpmap:101 VP8/90000', 'a=rtpmap:103 H264/90000', ...creds, 'a=setup:actpass',
  );
  return `${out.join('\r\n')}\r\n`;
};
