/**
 * Base64 as jjwt 0.9 decodes an HS secret (javax.xml.bind.DatatypeConverter.parseBase64Binary): characters
 * outside the standard alphabet are skipped, `=` counts as padding inside its group of four, and a last
 * incomplete group is dropped. Node's decoder differs on exactly the inputs seed deployments have (it reads
 * `-` and `_` as URL-safe digits and decodes a trailing partial group), so keys would not match.
 */
export const decodeJjwtBase64 = (text: string): Uint8Array => {
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const PADDING = 127;
  const out: number[] = [];
  let quad: number[] = [];
  for (const ch of text) {
    const value = ch === '=' ? PADDING : ALPHABET.indexOf(ch);
    if (value < 0) continue;
    quad.push(value);
    if (quad.length < 4) continue;
    const [a, b, c, d] = quad as [number, number, number, number];
    out.push(((a << 2) | (b >> 4)) & 0xff);
    if (c !== PADDING) out.push(((b << 4) | (c >> 2)) & 0xff);
    if (d !== PADDING) out.push(((c << 6) | d) & 0xff);
    quad = [];
  }
  return Uint8Array.from(out);
};
