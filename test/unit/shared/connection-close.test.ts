import { createServer, request, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { onConnectionClose } from '../../../src/adapters/shared/connection-close';

/**
 * onConnectionClose on real keep-alive connections: a client that sends many requests over one
 * connection must not pile 'close' listeners (or retained callbacks) onto its socket, and a request
 * whose wait was cancelled (answered) must not be called back when the connection closes later.
 */
describe('onConnectionClose (src/adapters/shared/connection-close.ts)', () => {
  let server: Server;
  let url: string;
  const sockets = new Set<Duplex>();
  const calledBack: number[] = [];
  let next = 0;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const n = (next += 1);
      sockets.add(req.socket);
      // What http-front and HttpReceiver do: watch the connection, cancel once the answer is done.
      const cancel = onConnectionClose(req.socket, () => calledBack.push(n));
      res.once('close', cancel);
      res.end(String(req.socket.listenerCount('close')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('many requests on one keep-alive connection: one close listener, and no callback for answered requests', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const counts: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      counts.push(
        await new Promise<number>((resolve, reject) => {
          request(url, { agent }, (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve(Number(body)));
          })
            .on('error', reject)
            .end();
        }),
      );
    }
    expect(sockets.size).toBe(1);
    // Every request saw the same number of close listeners on the socket: nothing piles up.
    expect(new Set(counts).size).toBe(1);
    const [socket] = [...sockets];
    agent.destroy();
    await new Promise<void>((resolve) => (socket!.closed ? resolve() : socket!.once('close', () => resolve())));
    await new Promise((r) => setImmediate(r));
    expect(calledBack).toEqual([]);
  });

  it('a wait still open when the connection closes is called once; one registered on a closed socket is called at once', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await new Promise<void>((resolve, reject) => {
      request(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      })
        .on('error', reject)
        .end();
    });
    const socket = [...sockets].find((s) => !s.closed)!;
    const calls: string[] = [];
    onConnectionClose(socket, () => calls.push('open'));
    const cancelled = onConnectionClose(socket, () => calls.push('cancelled'));
    cancelled();
    agent.destroy();
    await new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));
    onConnectionClose(socket, () => calls.push('late'));
    const lateCancelled = onConnectionClose(socket, () => calls.push('late-cancelled'));
    lateCancelled();
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual(['open', 'late']);
  });
});
