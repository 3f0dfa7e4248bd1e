import WebSocket from 'ws';

export interface WireResponse {
  readonly id: unknown;
  readonly result?: unknown;
  readonly error?: { readonly code: number; readonly message: string; readonly data?: Record<string, unknown> };
}

export interface WireEvent {
  readonly object: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  /** How many responses had arrived on this socket before the event. */
  readonly afterResponses: number;
}

/**
 * A bare KMS JSON-RPC client for tests that look at the wire itself (the same script against the
 * emulator and the real KMS): it sends exactly what it is given and records every frame that comes back.
 */
export class KmsWireClient {
  /**
   * Request ids count up across every client of the process: KMS answers a request whose (sessionId, id)
   * it saw in the last 20 s from its cache, so a resumed session must not reuse the ids of its old socket.
   */
  private static nextId = 1;
  readonly events: WireEvent[] = [];
  readonly responseOrder: unknown[] = [];
  private readonly waiting = new Map<unknown, (r: WireResponse) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly closed: Promise<number>;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      if (message.method === 'onEvent') {
        const value = (message.params as { value: { object: string; type: string; data: Record<string, unknown> } }).value;
        this.events.push({ ...value, afterResponses: this.responseOrder.length });
        return;
      }
      this.responseOrder.push(message.id);
      const waiter = this.waiting.get(message.id ?? null);
      if (waiter) {
        this.waiting.delete(message.id ?? null);
        waiter(message as unknown as WireResponse);
      }
    });
    this.closed = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
  }

  static async open(url: string): Promise<KmsWireClient> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new KmsWireClient(socket);
  }

  /** Sends a request and resolves with the whole response (result or error), failing after `timeoutMs`. */
  call(method: string, params?: Record<string, unknown>, timeoutMs = 10_000, id = KmsWireClient.nextId++): Promise<WireResponse> {
    const response = this.awaitId(id, timeoutMs, method);
    this.socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
    return response;
  }

  /** Sends a request without waiting; `awaitId` picks its answer up later. */
  send(method: string, params?: Record<string, unknown>): number {
    const id = KmsWireClient.nextId++;
    this.socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
    return id;
  }

  /** Sends text as it is; resolves with the answer whose id is `expectId` (null for id-less errors). */
  raw(text: string, expectId: unknown = null, timeoutMs = 5_000): Promise<WireResponse> {
    const response = this.awaitId(expectId, timeoutMs, text.slice(0, 40));
    this.socket.send(text);
    return response;
  }

  awaitId(id: unknown, timeoutMs: number, what = String(id)): Promise<WireResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.waiting.delete(id);
        reject(new Error(`no answer to ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.timers.add(timer);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        this.timers.delete(timer);
        resolve(r);
      });
    });
  }

  /** Resolves with the close code once the server closes the socket, or undefined after `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<number | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([this.closed, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs)))]);
    clearTimeout(timer);
    return result;
  }

  /** Closes the socket; answers still awaited are given up. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.waiting.clear();
    this.socket.terminate();
  }
}
