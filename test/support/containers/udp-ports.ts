import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const udpFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind({ port, address: '127.0.0.1', exclusive: true }, () => socket.close(() => resolve(true)));
  });

const tcpFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });

/**
 * `count` consecutive loopback ports free now for UDP (and TCP too with `tcp`), for ranges a container
 * publishes 1:1 (KMS media, coturn relay), where the kernel's pick of one port does not help.
 */
export const freePortRange = async (count: number, options: { readonly tcp?: boolean; readonly avoid?: readonly [number, number][] } = {}): Promise<number> => {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const first = 20_000 + Math.floor(Math.random() * (40_000 - count));
    if (options.avoid?.some(([lo, hi]) => first <= hi && first + count - 1 >= lo)) continue;
    let free = true;
    for (let port = first; port < first + count && free; port += 1) {
      free = (await udpFree(port)) && (!options.tcp || (await tcpFree(port)));
    }
    if (free) return first;
  }
  throw new Error(`found no ${count} consecutive free ports`);
};
