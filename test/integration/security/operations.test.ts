import WebSocket from 'ws';
import type { RunningNode } from '../../../src/start-node';
import { ADMIN_TOKEN, http, LogCapture, startSecureNode } from './security-kit';

jest.setTimeout(20_000);

describe('operator endpoints', () => {
  it('refused admin requests are logged once per interval with a count, not once each', async () => {
    const logs = new LogCapture();
    const node = await startSecureNode({ ADMIN_TOKEN }, logs);
    try {
      for (let i = 0; i < 300; i += 1) {
        expect((await http(node, 'GET', '/v1/admin/rooms', { authorization: 'Bearer not-the-token-000000' })).status).toBe(401);
      }
      const refusals = logs.lines.map((l) => JSON.parse(l) as { msg: string; refused?: number }).filter((l) => l.msg === 'admin request refused');
      expect(refusals).toEqual([expect.objectContaining({ refused: 1 })]);
    } finally {
      await node.stop();
    }
  });

  it('a wrong method gets 405 with Allow, an unknown path 404', async () => {
    const node = await startSecureNode({ ADMIN_TOKEN });
    try {
      const cases: [string, string, number, string | undefined][] = [
        ['POST', '/healthz', 405, 'GET'],
        ['DELETE', '/metrics', 405, 'GET'],
        ['POST', '/v1/admin/rooms', 405, 'GET'],
        ['GET', '/v1/admin/rooms/c-1', 405, 'DELETE'],
        ['GET', '/no/such/path', 404, undefined],
        // SockJS answers its own paths the same way.
        ['PUT', '/rtc/000/abc/xhr', 405, 'OPTIONS, POST'],
        ['POST', '/rtc/info', 405, 'OPTIONS, GET'],
      ];
      for (const [method, path, status, allow] of cases) {
        const answer = await http(node, method, path);
        expect([method, path, answer.status, answer.headers.allow]).toEqual([method, path, status, allow]);
      }
    } finally {
      await node.stop();
    }
  });

  it('METRICS_TOKEN: /metrics needs the bearer token', async () => {
    const node = await startSecureNode({ METRICS_TOKEN: 'scrape-token-0123456789' });
    try {
      const open = await http(node, 'GET', '/metrics');
      expect(open.status).toBe(401);
      expect(open.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      const wrong = await http(node, 'GET', '/metrics', { authorization: 'Bearer scrape-token-0123456780' });
      expect(wrong.status).toBe(401);
      const scraped = await http(node, 'GET', '/metrics', { authorization: 'Bearer scrape-token-0123456789' });
      expect(scraped.status).toBe(200);
      expect(scraped.body).toMatch(/^rtc_connections/m);
    } finally {
      await node.stop();
    }
  });

  it('METRICS_PORT: /metrics moves to a port of its own and leaves the main port', async () => {
    const node: RunningNode = await startSecureNode({ METRICS_PORT: '0' });
    try {
      expect(node.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(node.metricsUrl).not.toBe(node.httpUrl);
      const main = await http(node, 'GET', '/metrics');
      expect(main.status).toBe(404);
      const own = await http({ httpUrl: node.metricsUrl! }, 'GET', '/metrics');
      expect(own.status).toBe(200);
      expect(own.body).toMatch(/^rtc_log_lines_dropped_total/m);
      // Only /metrics there: the signaling endpoints stay on the main port.
      expect((await http({ httpUrl: node.metricsUrl! }, 'GET', '/healthz')).status).toBe(404);
      const ws = new WebSocket(node.wsUrl);
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      ws.close();
    } finally {
      await node.stop();
    }
  });
});
