/**
 * A small typed event emitter for adapters: each event name carries its argument types, so `on` and
 * `emit` cannot disagree (mediasoup's EnhancedEventEmitter does the same over Node's EventEmitter; this
 * one has no string-keyed `any` and no 'error' event magic). One listener that throws does not stop the
 * others: what it threw goes to `onError`, with the event and its arguments.
 */
export class TypedEvents<E extends Record<string, unknown[]>> {
  private readonly listeners: { [K in keyof E]?: ((...args: E[K]) => void)[] } = {};

  constructor(private readonly onError: (error: unknown, event: keyof E, args: E[keyof E]) => void) {}

  on<K extends keyof E>(event: K, listener: (...args: E[K]) => void): void {
    (this.listeners[event] ??= []).push(listener);
  }

  emit<K extends keyof E>(event: K, ...args: E[K]): void {
    for (const listener of this.listeners[event] ?? []) {
      try {
        listener(...args);
      } catch (error) {
        this.onError(error, event, args);
      }
    }
  }
}
