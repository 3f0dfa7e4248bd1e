import WebSocket from 'ws';
import type { RunningNode } from '../../../src/start-node';
import { ADMIN_TOKEN, http, LogCapture, openAs, startSecureNode } from './security-kit';

jest.setTimeout(20_000);


const pollAs = async (node: RunningNode, path: string, forwardedFor: string): Promise<string> =>
  (await fetch(`${node.httpUrl}${path}`, { method: 'POST', headers: { 'x-forwarded-for': forwardedFor } })).text();

describe('TRUST_PROXY: behind a reverse proxy, the per-address limits and the logs see the real client', () => {
  let node: RunningNode;
  const logs = new LogCapture();
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    // The test's own connections come from 127.0.0.1: the trusted proxy.
    node = await startSecureNode({ TRUST_PROXY: '127.0.0.1/32, ::1', MAX_CONNECTIONS_PER_IP: '1', ADMIN_TOKEN }, logs);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await node.stop();
  });

  it('counts WebSocket connections per forwarded client, not per proxy', async () => {
    const first = await openAs(node, '198.51.100.1');
    const second = await openAs(node, '198.51.100.2');
    const again = await openAs(node, '198.51.100.1');
    // A client that writes its own X-Forwarded-For gets only the hop the proxy appended counted.
    const spoofing = await openAs(node, '203.0.113.77, 198.51.100.1');
    sockets.push(first.socket, second.socket, again.socket, spoofing.socket);
    expect([first.outcome, second.outcome, again.outcome, spoofing.outcome]).toEqual(['open', 'open', 429, 429]);
  });

  it('counts SockJS sessions per forwarded client', async () => {
    const path = (): string => `/rtc/000/${Math.random().toString(36).slice(2)}/xhr`;
    const [a, b, c] = [path(), path(), path()];
    expect(await pollAs(node, a, '198.51.100.3')).toBe('o\n');
    // Another client behind the same proxy has a place of its own.
    expect(await pollAs(node, c, '198.51.100.4')).toBe('o\n');
    const send = await fetch(`${node.httpUrl}${c.replace(/xhr$/, 'xhr_send')}`, {
      method: 'POST',
      headers: { 'x-forwarded-for': '198.51.100.4' },
      body: JSON.stringify([JSON.stringify({ id: 'leaveRoom', requestId: 'mine' })]),
    });
    expect(send.status).toBe(204);
    expect(await pollAs(node, c, '198.51.100.4')).toMatch(/notInRoom/);
    expect(await pollAs(node, b, '198.51.100.3')).toBe('o\n');
    // The second session of the same client is refused as any one too many is: rateLimited, then 1013.
    expect(await pollAs(node, b, '198.51.100.3')).toMatch(/^a\[.*rateLimited/);
    expect(await pollAs(node, b, '198.51.100.3')).toBe('c[1013,"too many connections from this address"]\n');
  });

  it('logs the forwarded client, not the proxy', async () => {
    const refused = await http(node, 'GET', '/v1/admin/rooms', { 'x-forwarded-for': '203.0.113.50', authorization: 'Bearer wrong-token-0000000000' });
    expect(refused.status).toBe(401);
    const line = logs.lines.map((l) => JSON.parse(l) as { msg: string; remote?: string }).find((l) => l.msg === 'admin request refused');
    expect(line?.remote).toBe('203.0.113.50');
  });
});

describe('without TRUST_PROXY, X-Forwarded-For is ignored', () => {
  it('every client of one TCP address shares its limit, whatever header it sends', async () => {
    const node = await startSecureNode({ MAX_CONNECTIONS_PER_IP: '1' });
    try {
      const first = await openAs(node, '198.51.100.1');
      const second = await openAs(node, '198.51.100.2');
      expect([first.outcome, second.outcome]).toEqual(['open', 429]);
      first.socket.close();
      second.socket.close();
    } finally {
      await node.stop();
    }
  });
});
