import type { RpcErrorBody } from './kms-error';

export type Fault =
  | { readonly kind: 'fail'; readonly error: RpcErrorBody }
  | { readonly kind: 'hang' }
  /** Processed and answered, but only after `ms`, as a KMS under load does. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Processed (and cached), then the connection breaks before the answer leaves: a blip at the worst moment. */
  | { readonly kind: 'cut' };

export interface FailOptions {
  readonly times?: number;
  readonly code?: number;
  readonly type?: string;
  readonly message?: string;
}

/**
 * Faults armed by a test: the next N requests matching a name fail with a KMS error, are never
 * answered, or are answered late. A name is an `invoke` operation (`processOffer`), a JSON-RPC method (`create`, `release`),
 * or `create:<Type>` for one kind of object.
 */
export class FaultPlan {
  private readonly armed = new Map<string, { fault: Fault; remaining: number }>();

  fail(name: string, options: FailOptions = {}): void {
    const type = options.type ?? 'SDP_END_POINT_PROCESS_OFFER_ERROR';
    const error: RpcErrorBody = {
      code: options.code ?? 40205,
      message: options.message ?? `Injected failure of ${name}`,
      data: { type },
    };
    this.armed.set(name, { fault: { kind: 'fail', error }, remaining: options.times ?? 1 });
  }

  hang(name: string, times = 1): void {
    this.armed.set(name, { fault: { kind: 'hang' }, remaining: times });
  }

  delay(name: string, ms: number, times = 1): void {
    this.armed.set(name, { fault: { kind: 'delay', ms }, remaining: times });
  }

  cut(name: string, times = 1): void {
    this.armed.set(name, { fault: { kind: 'cut' }, remaining: times });
  }

  clear(): void {
    this.armed.clear();
  }

  /** Consumes one armed fault for the first of `names` that has one. */
  take(names: readonly string[]): Fault | undefined {
    for (const name of names) {
      const entry = this.armed.get(name);
      if (!entry) continue;
      entry.remaining -= 1;
      if (entry.remaining <= 0) this.armed.delete(name);
      return entry.fault;
    }
    return undefined;
  }
}
