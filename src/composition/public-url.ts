import { hostname } from 'node:os';
import type { Config } from '../config';

/**
 * Where clients reach this node: PUBLIC_URL, else the WebSocket endpoint on HOST:PORT. With PORT=0 the
 * port is only known once the node listens, so the URL is left open until then (announceListening).
 */
export const nodePublicUrl = (config: Pick<Config, 'PUBLIC_URL' | 'HOST' | 'PORT'>): string | undefined => {
  if (config.PUBLIC_URL) return config.PUBLIC_URL;
  if (config.PORT === 0) return undefined;
  return listeningUrl(config.HOST, config.PORT);
};

export const listeningUrl = (host: string, port: number): string => {
  // A wildcard address is no address for a client; the machine's name is the best guess left.
  const name = host === '0.0.0.0' || host === '::' ? hostname() : host;
  return `ws://${name.includes(':') ? `[${name}]` : name}:${port}/rtc/websocket`;
};
