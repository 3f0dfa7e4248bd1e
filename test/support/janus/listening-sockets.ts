import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface ListeningSocket {
  readonly protocol: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  readonly address: string;
  readonly port: number;
}

const hexIpv4 = (hex: string): string =>
  [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)).reverse().join('.');

/**
 * The TCP sockets a process listens on and the UDP sockets it has bound, read from /proc (no tools
 * needed): the process's socket inodes matched against the kernel's socket tables.
 */
export const listeningSockets = (pid: number): ListeningSocket[] => {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // The descriptor closed while we looked.
    }
  }
  const result: ListeningSocket[] = [];
  for (const protocol of ['tcp', 'tcp6', 'udp', 'udp6'] as const) {
    const lines = readFileSync(`/proc/${pid}/net/${protocol}`, 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      const cols = line.trim().split(/\s+/);
      const [, local = '', , state = '', , , , , , inode = ''] = cols;
      if (!inodes.has(inode)) continue;
      if (protocol.startsWith('tcp') && state !== '0A') continue;
      const [addrHex = '', portHex = ''] = local.split(':');
      result.push({ protocol, address: addrHex.length === 8 ? hexIpv4(addrHex) : addrHex, port: parseInt(portHex, 16) });
    }
  }
  return result;
};
