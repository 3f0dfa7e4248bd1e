import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Calls `onClose` when `socket` closes, unless the returned cancel ran first. One 'close' listener per
 * socket however many requests wait on it, so a client pipelining requests on one keep-alive connection
 * cannot pile listeners onto it.
 *
 * Why anyone needs it: a request pipelined behind another on its connection gets a response with no socket
 * until the one before it is answered. If the connection dies first, Node (20) destroys the request but
 * never emits 'close' on that response, so whatever waits for the response's 'close' waits for good.
 */
export const onConnectionClose = (socket: Duplex, onClose: () => void): (() => void) => {
  if (socket.closed) {
    // Its 'close' is behind us: it will not come again.
    let cancelled = false;
    queueMicrotask(() => {
      if (!cancelled) onClose();
    });
    return () => {
      cancelled = true;
    };
  }
  let waiting = waitersOf.get(socket);
  if (waiting === undefined) {
    const set = new Set<() => void>();
    waiting = set;
    waitersOf.set(socket, set);
    socket.once('close', () => {
      waitersOf.delete(socket);
      for (const waiter of [...set]) waiter();
      set.clear();
    });
  }
  const set = waiting;
  const waiter = (): void => onClose();
  set.add(waiter);
  return () => {
    set.delete(waiter);
  };
};

const waitersOf = new WeakMap<Duplex, Set<() => void>>();

/**
 * Calls `onGone` once, when the response is done or its connection closed, whichever comes first: the
 * response's own 'close' never comes for a request pipelined behind another if the connection dies
 * before its turn (onConnectionClose).
 */
export const onResponseGone = (res: ServerResponse, onGone: () => void): void => {
  let gone = false;
  const done = (): void => {
    if (gone) return;
    gone = true;
    cancelWatch();
    onGone();
  };
  const cancelWatch = onConnectionClose(res.req.socket, done);
  res.once('close', done);
};
