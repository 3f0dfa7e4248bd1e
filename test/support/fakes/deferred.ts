/** A promise with its resolve/reject exposed, so a test decides when an awaited step finishes. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export const deferred = <T = void>(): Deferred<T> => {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

/** Lets every already-queued promise callback run; enough for chains of awaits on settled promises. */
export const flushPromises = async (rounds = 20): Promise<void> => {
  for (let i = 0; i < rounds; i += 1) await Promise.resolve();
};
