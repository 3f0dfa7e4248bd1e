import type { OperationHistogram } from './operation-histogram';
import { OperationTimer } from './operation-timer';

/** The names of `T`'s methods that return a promise: what can be timed. */
export type AsyncMethodOf<T> = { [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never }[keyof T] & string;

/**
 * Any port with the calls named in `operations` timed into `histogram` (labelled by operation and
 * outcome); every other member is the port's own. The adapter behind it stays unaware of metrics. One
 * wrapper per operation is made on first use and kept: media calls such as addIceCandidate sit on the
 * relay's hot path.
 */
export const timedPort = <T extends object>(port: T, histogram: OperationHistogram, operations: readonly AsyncMethodOf<T>[]): T => {
  const timer = new OperationTimer(histogram);
  const timedNames = new Set<PropertyKey>(operations);
  const members = new Map<PropertyKey, unknown>();
  return new Proxy(port, {
    get(target, name) {
      const known = members.get(name);
      if (known !== undefined) return known;
      const member: unknown = Reflect.get(target, name, target);
      if (typeof member !== 'function') return member;
      const operation = String(name);
      const bound = timedNames.has(name)
        ? (...args: unknown[]) => timer.call(operation, member as (...a: never[]) => unknown, target, args)
        : member.bind(target);
      members.set(name, bound);
      return bound;
    },
  });
};
