import { isIP, isIPv4, SocketAddress } from 'node:net';

/** Turns a client's address into the key its per-address limits count it under. */
export type LimitKeyOf = (address: string) => string;

/**
 * IPv6 clients are counted per /64 unless told: a site is given a /48 to /64 (RFC 6177), so one client
 * may send from 2^64 addresses of its own, and a limit per full address would be no limit at all.
 */
export const DEFAULT_IPV6_LIMIT_PREFIX = 64;

/**
 * The key every per-address limit (connections, held seats, HTTP requests, room lookups, the flood
 * cool-down, kept SockJS sessions) counts a client under: an IPv4 address (IPv4-mapped IPv6 included) as
 * itself, an IPv6 address as its `ipv6Prefix`-bit prefix in canonical form (`2001:db8:1:2::/64`; at 128,
 * the canonical address). Whatever way the address is written — `::` compressed or not, any case, leading
 * zeros, a zone id — one client gets one key. Text that is no address is its own key (lower-cased): it
 * never throws, since it runs on every connection and request.
 */
export const limitKey = (address: string, ipv6Prefix: number = DEFAULT_IPV6_LIMIT_PREFIX): string => {
  const family = isIP(address);
  if (family === 4) return address; // isIPv4 takes dotted decimal only, without leading zeros: already canonical
  if (family !== 6) return address.toLowerCase();
  const canonical = canonicalIPv6(address);
  if (canonical === undefined) return address.toLowerCase();
  // `::ffff:0a00:0001` comes back from inet_ntop as `::ffff:10.0.0.1`.
  if (canonical.startsWith('::ffff:') && isIPv4(canonical.slice(7))) return canonical.slice(7);
  if (ipv6Prefix >= 128) return canonical;
  const prefix = canonicalIPv6(masked(groupsOf(canonical), ipv6Prefix));
  return `${prefix ?? canonical}/${ipv6Prefix}`;
};

/** `limitKey` with the prefix length fixed (IPV6_LIMIT_PREFIX); throws RangeError for one outside 0–128. */
export const limitKeyOf = (ipv6Prefix: number = DEFAULT_IPV6_LIMIT_PREFIX): LimitKeyOf => {
  if (!Number.isInteger(ipv6Prefix) || ipv6Prefix < 0 || ipv6Prefix > 128) {
    throw new RangeError(`an IPv6 prefix length is a whole number from 0 to 128, got ${ipv6Prefix}`);
  }
  return (address) => limitKey(address, ipv6Prefix);
};

/**
 * Node's inet_pton/inet_ntop (through `net.SocketAddress`): validates, lower-cases, strips leading zeros
 * and compresses the longest run of zero groups (RFC 5952). The zone id is cut off here, not by Node:
 * libuv's uv_ip6_addr copies a zoned address into 40 bytes and parses what fits, so
 * `0:0:100:0:1:1000:100.100.127.100%eth0` came back as `…:7f0a` (127.10), another address.
 */
const canonicalIPv6 = (address: string): string | undefined => {
  const zone = address.indexOf('%');
  try {
    return new SocketAddress({ address: zone === -1 ? address : address.slice(0, zone), family: 'ipv6' }).address;
  } catch {
    return undefined;
  }
};

/**
 * The eight 16-bit groups of an address inet_ntop wrote. Parsed by hand because Node 20's `net` exposes no
 * address bytes (BlockList only answers membership, SocketAddress only gives text), and masking needs the
 * bits. The input is inet_ntop's own output, so the only forms are hex groups, one `::`, and a dotted IPv4
 * tail (`::1.2.3.4`).
 */
const groupsOf = (canonical: string): number[] => {
  const [head = '', tail] = canonical.split('::');
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [Number.parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const front = parse(head);
  if (tail === undefined) return front;
  const back = parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
};

/** The groups with every bit past the first `bits` cleared, as full IPv6 text. */
const masked = (groups: readonly number[], bits: number): string =>
  groups
    .map((group, i) => {
      const kept = Math.min(16, Math.max(0, bits - i * 16));
      return (group & ((0xffff << (16 - kept)) & 0xffff)).toString(16);
    })
    .join(':');
