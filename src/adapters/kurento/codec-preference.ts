/**
 * The codec a publisher sends, per media kind (`audio` → `opus`, `video` → `VP8`), read from the answer KMS
 * gave to its offer: the first payload type of each section is what the browser sends.
 */
export type SentCodecs = Readonly<Record<string, string>>;

interface Section {
  readonly kind: string;
  readonly formats: string[];
  readonly codecs: Map<string, string>;
}

const sectionsOf = (sdp: string): { head: string; bodies: string[]; sections: Section[] } => {
  const parts = sdp.split(/(?=^m=)/m);
  const head = parts[0]?.startsWith('m=') ? '' : (parts.shift() ?? '');
  const sections = parts.map((body) => {
    const [kind = '', , , ...formats] = (body.split(/\r?\n/)[0] ?? '').slice(2).split(' ');
    const codecs = new Map<string, string>();
    for (const match of body.matchAll(/^a=rtpmap:(\d+) ([^/\s]+)/gm)) codecs.set(match[1]!, match[2]!.toUpperCase());
    return { kind, formats, codecs };
  });
  return { head, bodies: parts, sections };
};

/**
 * What to prefer while a publisher's codecs are not known yet (its offer not negotiated when someone
 * subscribes): what every WebRTC browser sends and KMS both forwards and transcodes.
 */
export const USUAL_CODECS: SentCodecs = Object.freeze({ audio: 'OPUS', video: 'VP8' });

/** What each section's first payload type is, by kind. */
export const sentCodecs = (answer: string): SentCodecs => {
  const result: Record<string, string> = {};
  for (const s of sectionsOf(answer).sections) {
    const first = s.formats[0];
    const codec = first === undefined ? undefined : s.codecs.get(first);
    if (codec !== undefined && result[s.kind] === undefined) result[s.kind] = codec;
  }
  return result;
};

/**
 * Moves the payload types of `preferred` codecs to the front of each media section's format list, leaving
 * everything else as it is. KMS sends to a subscriber the first codec of the negotiated list; when that is
 * not the codec the publisher sends, KMS must transcode, and with a codec it cannot encode nothing arrives
 * (KMS 7.3.1's generateOffer lists AV1 and VP9 before VP8, Chromium answers in that order, and the VP8
 * a Chromium publisher sends then reaches no subscriber). Putting the publisher's codec first lets KMS
 * forward it untouched. Reordering keeps the set of codecs and their payload types, so either side may
 * still use any of them.
 */
export const preferCodecs = (sdp: string, preferred: SentCodecs): string => {
  const { head, bodies, sections } = sectionsOf(sdp);
  const rewritten = bodies.map((body, i) => {
    const section = sections[i]!;
    const want = preferred[section.kind];
    if (want === undefined) return body;
    const first = section.formats.filter((pt) => section.codecs.get(pt) === want.toUpperCase());
    if (first.length === 0 || section.formats[0] === first[0]) return body;
    const order = [...first, ...section.formats.filter((pt) => !first.includes(pt))];
    return body.replace(/^(m=\S+ \S+ \S+) .*?(\r?\n|$)/, (_all, mline: string, end: string) => `${mline} ${order.join(' ')}${end}`);
  });
  return head + rewritten.join('');
};
