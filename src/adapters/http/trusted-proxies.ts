import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** `::ffff:10.0.0.1` and `10.0.0.1` are the same client. */
const normalize = (address: string): string => (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address).toLowerCase();

/** One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`, `[2001:db8::1]:443`). */
const parseHop = (text: string): string | undefined => {
  let hop = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) hop = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(hop)) hop = hop.slice(0, hop.lastIndexOf(':'));
  return isIP(hop) === 0 ? undefined : normalize(hop);
};

/** Entries of X-Forwarded-For looked at; a header longer than any real proxy chain is cut there. */
const MAX_HOPS = 32;

/**
 * The reverse proxies whose `X-Forwarded-For` is believed (`TRUST_PROXY`, CIDRs or addresses). The
 * client is the rightmost address in the header that is not itself a trusted proxy: each trusted proxy
 * appends the address it received from, so everything left of the first untrusted hop could have been
 * written by the client. From any other peer the header is ignored: the TCP peer is the client.
 * Subnets are matched by Node's own `net.BlockList`.
 */
export class TrustedProxies {
  private constructor(
    private readonly list: BlockList,
    readonly entries: readonly string[],
  ) {}

  static none(): TrustedProxies {
    return new TrustedProxies(new BlockList(), []);
  }

  /** Throws RangeError naming the first entry that is not an address or a CIDR. */
  static parse(entries: readonly string[]): TrustedProxies {
    const list = new BlockList();
    for (const entry of entries) {
      const [address = '', prefix, extra] = entry.split('/');
      const family = isIP(address);
      const bits = family === 4 ? 32 : 128;
      const length = prefix === undefined ? bits : /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
      if (family === 0 || extra !== undefined || !(length >= 0 && length <= bits)) {
        throw new RangeError(`not an IP address or CIDR: ${entry}`);
      }
      list.addSubnet(normalize(address), length, family === 4 ? 'ipv4' : 'ipv6');
    }
    return new TrustedProxies(list, entries);
  }

  trusts(address: string): boolean {
    if (this.entries.length === 0) return false;
    const normal = normalize(address);
    const family = isIP(normal);
    return family !== 0 && this.list.check(normal, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** The client's address, for every per-address limit and for the logs. */
  clientAddress(req: IncomingMessage): string {
    const peer = normalize(req.socket.remoteAddress ?? 'unknown');
    if (!this.trusts(peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    if (typeof header !== 'string' || header === '') return peer;
    const hops = header.split(',');
    let client = peer;
    for (let i = hops.length - 1; i >= 0 && i >= hops.length - MAX_HOPS; i -= 1) {
      const hop = parseHop(hops[i]!);
      // Garbage from a trusted hop: the last address a trusted proxy vouched for stands.
      if (hop === undefined) break;
      client = hop;
      if (!this.trusts(hop)) break;
    }
    return client;
  }
}
