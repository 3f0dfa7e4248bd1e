// The PeerJS server (`peer` package) as its own process, configured as its docs show, minus the per-client
// console logging its CLI does (that would be a handicap no deployment needs). Its WebSocket endpoint is
// /peerjs?id=..&token=..&key=peerjs; OFFER/ANSWER/CANDIDATE messages are relayed by `dst`.
// The concurrent client limit (5,000 by default) is raised so the idle-connection run can reach 10,000.
// Usage: node scripts/bench/peerjs-server.mjs  (prints one JSON line when listening)
import { PeerServer } from 'peer';

const peer = PeerServer(
  { host: '127.0.0.1', port: Number(process.env.PORT ?? 0), path: '/', key: 'peerjs', concurrent_limit: 1_000_000 },
  (server) => {
    process.stdout.write(`${JSON.stringify({ msg: 'peerjs server listening', port: server.address().port })}\n`);
    const stop = () => server.close(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    // close() waits for open sockets; the bench closes its clients first, but never hang on a straggler.
    process.on('SIGTERM', () => setTimeout(() => process.exit(0), 2_000).unref());
  },
);
peer.on('error', () => undefined);
