// The practical ceiling for a JSON relay: `ws` alone. A client connects to /?id=<id>; every text frame is
// parsed as JSON, its `to` looked up, stamped with the sender (`from`, so the receiver knows whose candidate
// it is: a relay that skips this is not usable) and sent on. Nothing else: no validation, no rooms, no acks.
// With COALESCE_WRITES=1 it also does the one trick this server does that a plain relay does not: frames
// to one socket in one event-loop turn leave in one corked write. That is the ceiling for our design.
// Usage: node scripts/bench/bare-ws-relay.mjs  (listens on 127.0.0.1, port from PORT or ephemeral; prints one JSON line when listening)
import { WebSocketServer } from 'ws';

const clients = new Map();
const coalesce = process.env.COALESCE_WRITES === '1';
const corked = new Set();
const uncorkAll = () => {
  for (const socket of corked) socket.uncork();
  corked.clear();
};
const send = (target, text) => {
  const socket = target._socket;
  if (coalesce && !corked.has(socket)) {
    // Messages are handled synchronously here, so a tick after this callback ends the turn.
    if (corked.size === 0) process.nextTick(uncorkAll);
    socket.cork();
    corked.add(socket);
  }
  target.send(text);
};
const server = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0), perMessageDeflate: false });

server.on('connection', (socket, request) => {
  const id = new URL(request.url ?? '/', 'http://relay').searchParams.get('id');
  if (!id) {
    socket.close(1008, 'id required');
    return;
  }
  clients.set(id, socket);
  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    let message;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return;
    }
    const target = message !== null && typeof message === 'object' ? clients.get(message.to) : undefined;
    if (!target) return;
    message.from = id;
    send(target, JSON.stringify(message));
  });
  socket.on('error', () => undefined);
  socket.once('close', () => {
    if (clients.get(id) === socket) clients.delete(id);
  });
});

server.once('listening', () => {
  process.stdout.write(`${JSON.stringify({ msg: 'bare ws relay listening', port: server.address().port })}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
