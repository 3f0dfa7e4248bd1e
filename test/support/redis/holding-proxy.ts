import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP relay in front of Redis that can hold one node's commands back: once armed, the first
 * chunk the node sends that matches the trigger, and everything it sends after it on that connection,
 * waits in the relay until `release()`. Redis runs the held commands then, in order, late: a node stalled
 * on the network (or a slow reaper) between reading something and acting on it.
 */
export class HoldingProxy {
  private readonly sockets = new Set<Socket>();
  private trigger: ((text: string) => boolean) | undefined;
  private readonly held: { upstream: Socket; chunks: Buffer[] }[] = [];
  private holding = false;
  private heldSignal: () => void = () => undefined;
  /** Resolves once a chunk matched the armed trigger. */
  triggered: Promise<void> = new Promise((resolve) => (this.heldSignal = resolve));

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<HoldingProxy> {
    let proxy: HoldingProxy | undefined;
    const server = createServer((client) => {
      const upstream = connect({ port: targetPort, host: '127.0.0.1' });
      const entry = { upstream, chunks: [] as Buffer[] };
      // A match may straddle two reads: the tail of the previous one is searched with the next.
      let tail = '';
      for (const s of [client, upstream]) {
        proxy?.sockets.add(s);
        s.once('close', () => proxy?.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.on('data', (chunk: Buffer) => {
        const self = proxy!;
        if (self.holding && self.held.includes(entry)) {
          entry.chunks.push(chunk);
          return;
        }
        const text = tail + chunk.toString('latin1');
        tail = text.slice(-512);
        if (self.trigger?.(text)) {
          self.trigger = undefined;
          self.holding = true;
          entry.chunks.push(chunk);
          self.held.push(entry);
          self.heldSignal();
          return;
        }
        upstream.write(chunk);
      });
      upstream.pipe(client);
      client.once('close', () => upstream.end());
      upstream.once('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('proxy did not get a port');
    proxy = new HoldingProxy(server, address.port);
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Holds the connection whose next chunk satisfies `matches` (once). */
  arm(matches: (text: string) => boolean): void {
    this.trigger = matches;
  }

  /** Sends on what was held, in order, and relays as usual again. */
  release(): void {
    this.holding = false;
    for (const entry of this.held.splice(0)) {
      for (const chunk of entry.chunks.splice(0)) entry.upstream.write(chunk);
    }
  }

  /** Drops every relayed connection (a network blip); the node connects again through the relay. */
  cut(): void {
    this.release();
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.release();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
