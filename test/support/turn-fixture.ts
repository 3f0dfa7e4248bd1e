import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { freeLoopbackPort } from './janus/free-port';

const TURNSERVER = process.env.TURNSERVER_BIN ?? '/usr/bin/turnserver';
const READY_TIMEOUT_MS = 10_000;
const KEPT_LINES = 300;

export interface TurnFixture {
  readonly port: number;
  /** `turn:127.0.0.1:<port>?transport=udp` */
  readonly url: string;
  readonly secret: string;
  /** The last lines coturn logged. */
  readonly output: readonly string[];
  /** Usernames coturn authenticated an allocation for. */
  readonly allocatedUsers: ReadonlySet<string>;
  stop(): Promise<void>;
}

/** A UDP port on 127.0.0.1 free right now (the TCP check alone says nothing about UDP). */
const freeUdpPort = async (): Promise<number> => {
  for (;;) {
    const port = await freeLoopbackPort();
    const free = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (free) return port;
  }
};

/**
 * A real coturn (Debian's `turnserver`) on loopback, with the TURN REST API's shared secret
 * (`use-auth-secret` / `static-auth-secret`), plain UDP and TCP only (no TLS, no DTLS), relaying on
 * 127.0.0.1 to loopback peers (which coturn refuses by default), its relay ports in a random range of
 * 200 so several test runs on one machine do not collide. Nothing is written to disk: it logs to stdout.
 */
export const startTurnServer = async (secret: string): Promise<TurnFixture> => {
  const port = await freeUdpPort();
  const minPort = 20_000 + Math.floor(Math.random() * 200) * 200;
  const output: string[] = [];
  const allocatedUsers = new Set<string>();
  const proc: ChildProcess = spawn(
    TURNSERVER,
    [
      '-n',
      '--listening-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--relay-ip=127.0.0.1',
      `--min-port=${minPort}`,
      `--max-port=${minPort + 199}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=rtc-test',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--allow-loopback-peers',
      '--no-software-attribute',
      '--verbose',
      '--log-file=stdout',
      '--simple-log',
      '--pidfile=',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killOnExit = (): void => void proc.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      output.push(line);
      const allocated = /user <([^>]*)>: incoming packet ALLOCATE processed, success/.exec(line);
      if (allocated?.[1]) allocatedUsers.add(allocated[1]);
    }
    if (output.length > KEPT_LINES) output.splice(0, output.length - KEPT_LINES);
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await answersStun(port))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`coturn did not start:\n${output.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, url: `turn:127.0.0.1:${port}?transport=udp`, secret, output, allocatedUsers, stop };
};

/** Whether a STUN Binding request (RFC 5389) to the port gets a Binding success response. */
const answersStun = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createSocket('udp4');
    const request = Buffer.alloc(20);
    request.writeUInt16BE(0x0001, 0); // Binding request, no attributes
    request.writeUInt32BE(0x2112a442, 4); // magic cookie
    for (let i = 8; i < 20; i += 1) request[i] = Math.floor(Math.random() * 256);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 300);
    socket.once('error', () => done(false));
    socket.once('message', (reply) => done(reply.length >= 20 && reply.readUInt16BE(0) === 0x0101 && reply.subarray(8, 20).equals(request.subarray(8, 20))));
    socket.send(request, port, '127.0.0.1');
  });
