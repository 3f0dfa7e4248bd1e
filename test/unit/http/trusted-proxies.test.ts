import type { IncomingMessage } from 'node:http';
import { TrustedProxies } from '../../../src/adapters/http/trusted-proxies';

const request = (peer: string, forwardedFor?: string): IncomingMessage =>
  ({ socket: { remoteAddress: peer }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('TrustedProxies (TRUST_PROXY)', () => {
  const proxies = TrustedProxies.parse(['10.0.0.0/8', '192.168.1.5', 'fd00::/8']);

  it.each([
    ['an untrusted peer: its header is ignored', '203.0.113.9', '198.51.100.1', '203.0.113.9'],
    ['a trusted proxy, one hop', '10.1.2.3', '198.51.100.1', '198.51.100.1'],
    ['the rightmost untrusted hop wins over what the client wrote', '10.1.2.3', '6.6.6.6, 198.51.100.1, 10.9.9.9', '198.51.100.1'],
    ['a trusted proxy without the header is the client', '10.1.2.3', undefined, '10.1.2.3'],
    ['every hop trusted: the leftmost', '10.1.2.3', '192.168.1.5, 10.0.0.2', '192.168.1.5'],
    ['IPv4-mapped peer address', '::ffff:10.1.2.3', '198.51.100.1', '198.51.100.1'],
    ['IPv6 proxy and client', 'fd00::1', '2001:db8::7', '2001:db8::7'],
    ['ports and brackets are dropped', '10.1.2.3', '[2001:db8::7]:443, 198.51.100.1:5678', '198.51.100.1'],
    ['garbage from a trusted hop: the last trusted address stands', '10.1.2.3', 'nonsense', '10.1.2.3'],
    ['garbage left of a real client is never reached', '10.1.2.3', 'nonsense, 198.51.100.1', '198.51.100.1'],
  ])('%s', (_name, peer, header, expected) => {
    expect(proxies.clientAddress(request(peer, header))).toBe(expected);
  });

  it('with no trusted proxy, the TCP peer is the client whatever the header says', () => {
    expect(TrustedProxies.none().clientAddress(request('10.1.2.3', '198.51.100.1'))).toBe('10.1.2.3');
  });

  it('looks at no more than 32 hops of a huge header', () => {
    const header = Array.from({ length: 1000 }, () => '10.0.0.1').join(', ');
    expect(proxies.clientAddress(request('10.1.2.3', header))).toBe('10.0.0.1');
  });

  it.each([['10.0.0.0/33'], ['example.com'], ['10.0.0.0/8/1'], ['::1/129'], ['10.0.0.0/x'], ['']])('refuses %j', (entry) => {
    expect(() => TrustedProxies.parse([entry])).toThrow(RangeError);
  });
});
