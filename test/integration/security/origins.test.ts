import WebSocket from 'ws';
import type { RunningNode } from '../../../src/start-node';
import { http, startSecureNode } from './security-kit';

jest.setTimeout(20_000);

/** Opens a WebSocket with this Origin; resolves 'open' or the HTTP status of the refusal. */
const tryOpen = (url: string, origin?: string): Promise<string | number> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url, origin !== undefined ? { origin } : {});
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      // With this listener ws leaves the refused request to us; left open, its socket outlives the test.
      req.destroy();
    });
    socket.once('error', (error) => {
      if (socket.readyState !== WebSocket.CLOSED) reject(error);
    });
  });

describe('ALLOWED_ORIGINS', () => {
  let node: RunningNode;
  let sockJsWs: string;

  beforeAll(async () => {
    node = await startSecureNode({ ALLOWED_ORIGINS: 'https://app.example.com,https://*.example.org' });
    sockJsWs = `${node.wsUrl.replace('/rtc/websocket', '')}/rtc/000/session${Math.random().toString(36).slice(2, 8)}/websocket`;
  });
  afterAll(() => node.stop());

  describe('plain WebSocket (/rtc/websocket)', () => {
    it.each([
      ['an allowed origin', 'https://app.example.com', 'open'],
      ['a wildcard subdomain', 'https://meet.example.org', 'open'],
      ['no Origin (not a browser)', undefined, 'open'],
      ['another site', 'https://evil.example.net', 403],
      ['a look-alike host', 'https://app.example.com.evil.net', 403],
      ['the allowed host over http', 'http://app.example.com', 403],
    ])('%s → %s', async (_name, origin, expected) => {
      expect(await tryOpen(node.wsUrl, origin)).toBe(expected);
    });
  });

  describe('SockJS (/rtc)', () => {
    it('refuses the info request and the WebSocket handshake from another site', async () => {
      expect((await http(node, 'GET', '/rtc/info', { origin: 'https://evil.example.net' })).status).toBe(403);
      expect(await tryOpen(sockJsWs, 'https://evil.example.net')).toBe(403);
    });

    it('refuses the XHR transports from another site', async () => {
      const answer = await http(node, 'POST', '/rtc/000/abcdefgh/xhr', { origin: 'https://evil.example.net' });
      expect(answer.status).toBe(403);
    });

    it('serves an allowed origin', async () => {
      const info = await http(node, 'GET', '/rtc/info', { origin: 'https://app.example.com' });
      expect(info.status).toBe(200);
      expect(JSON.parse(info.body)).toMatchObject({ websocket: true });
      expect(await tryOpen(sockJsWs, 'https://app.example.com')).toBe('open');
    });
  });
});
