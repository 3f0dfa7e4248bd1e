import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { WebSocketReceiver, type Receiver } from '../../../src/adapters/websocket/sockjs/receivers';
import { SockJsSession } from '../../../src/adapters/websocket/sockjs/session';

/** A receiver that records frames; a polling one ends after its first frame, as an HTTP poll does. */
class FakeReceiver implements Receiver {
  readonly frames: string[] = [];
  ended = false;
  endCode: number | undefined;
  onAbort: (() => void) | undefined;
  onDrain: (() => void) | undefined;

  constructor(
    private readonly polling: boolean,
    readonly socket: Duplex | null = null,
    private readonly ownBytes = 0,
  ) {}

  /** As an HTTP response's writableLength: its own bytes, and its socket's once it has one. */
  get backlogBytes(): number {
    return this.ownBytes + (this.socket?.writableLength ?? 0);
  }

  sendFrame(frame: string): boolean {
    if (this.ended) return false;
    this.frames.push(frame);
    if (this.polling) this.ended = true;
    return !this.polling;
  }

  end(code?: number): void {
    this.ended = true;
    this.endCode = code;
  }

  abort(): void {
    this.ended = true;
    this.onAbort?.();
  }
}

const fakeSocket = (writableLength: number): Duplex => {
  const socket = { writableLength, destroyed: false, destroy: () => (socket.destroyed = true) };
  return socket as unknown as Duplex;
};

/** The part of a `ws` WebSocket the receiver uses; `closing()` is its client's close frame arriving. */
class FakeWebSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: string[] = [];

  send(frame: string): void {
    this.sent.push(frame);
  }

  close(): void {
    this.readyState = 2;
  }

  /** The client's close frame came in: ws answers it and waits for the socket to close. */
  closing(): void {
    this.readyState = 2;
  }

  /** The socket closed: ws's `close` event, on which the server disposes of the session. */
  closed(session: SockJsSession): void {
    this.readyState = 3;
    this.emit('close');
    session.dispose();
  }
}

const webSocketReceiver = (ws: FakeWebSocket): WebSocketReceiver =>
  new WebSocketReceiver(ws as unknown as WebSocket, new EventEmitter() as unknown as Duplex);

const setup = (viaWebSocket = false) => {
  const events: string[] = [];
  const opened: SockJsSession[] = [];
  let forgotten = 0;
  const session = new SockJsSession(
    's1',
    '10.0.0.1',
    viaWebSocket,
    { disconnectDelayMs: 5_000, closeGraceMs: 2_000 },
    (s) => {
      opened.push(s);
      s.listen({ message: (text) => events.push(`message:${text}`), closed: () => events.push('closed') });
    },
    () => {
      forgotten += 1;
    },
  );
  return { session, events, opened, forgotten: () => forgotten };
};

describe('SockJsSession', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('opens on its first receiver, then queues between polls and hands the queue to the next poll as one frame', () => {
    const { session, opened } = setup();
    const first = new FakeReceiver(true);
    session.attach(first);
    expect(first.frames).toEqual(['o']);
    expect(opened).toEqual([session]);
    session.send('one');
    session.send('two');
    expect(session.backlogBytes).toBe(6);
    const second = new FakeReceiver(true);
    session.attach(second);
    expect(second.frames).toEqual(['a["one","two"]']);
    expect(session.backlogBytes).toBe(0);
  });

  it('streams each message at once to a streaming receiver', () => {
    const { session } = setup();
    const stream = new FakeReceiver(false);
    session.attach(stream);
    session.send('x');
    session.send('y');
    expect(stream.frames).toEqual(['o', 'a["x"]', 'a["y"]']);
  });

  it('answers a second receiver with 2010 and keeps the first', () => {
    const { session } = setup();
    const stream = new FakeReceiver(false);
    session.attach(stream);
    const intruder = new FakeReceiver(false);
    session.attach(intruder);
    expect(intruder.frames).toEqual(['c[2010,"Another connection still open"]']);
    expect(intruder.ended).toBe(true);
    session.send('still here');
    expect(stream.frames.at(-1)).toBe('a["still here"]');
  });

  it('closes: queued messages first, then the close frame, to the current receiver and to every later request', () => {
    const { session, events } = setup();
    session.attach(new FakeReceiver(true));
    session.send('last words');
    session.close(4003, 'kicked');
    expect(events).toEqual(['closed']);
    const poll = new FakeReceiver(true);
    session.attach(poll);
    expect(poll.frames).toEqual(['a["last words"]']);
    const again = new FakeReceiver(true);
    session.attach(again);
    expect(again.frames).toEqual(['c[4003,"kicked"]']);
    const stream = new FakeReceiver(false);
    session.attach(stream);
    expect(stream.frames).toEqual(['c[4003,"kicked"]']);
    expect(stream.endCode).toBe(4003);
  });

  it('a refused stream gets the refusal and the close frame, and the session is forgotten at once', () => {
    const { session, forgotten } = setup();
    const stream = new FakeReceiver(false);
    session.attach(stream);
    session.refuse('refused', 1013, 'too many');
    expect(stream.frames).toEqual(['o', 'a["refused"]', 'c[1013,"too many"]']);
    expect(stream.endCode).toBe(1013);
    expect(forgotten()).toBe(1);
    jest.advanceTimersByTime(10_000);
    expect(forgotten()).toBe(1);
  });

  it('a refused polling session is kept until a poll took its close frame, then forgotten at once', () => {
    const { session, forgotten } = setup();
    session.attach(new FakeReceiver(true));
    session.refuse('refused', 1013, 'too many');
    const second = new FakeReceiver(true);
    session.attach(second);
    expect(second.frames).toEqual(['a["refused"]']);
    expect(forgotten()).toBe(0);
    const third = new FakeReceiver(true);
    session.attach(third);
    expect(third.frames).toEqual(['c[1013,"too many"]']);
    expect(forgotten()).toBe(1);
    jest.advanceTimersByTime(10_000);
    expect(forgotten()).toBe(1);
  });

  it('delivers client messages only while open', () => {
    const { session, events } = setup();
    session.attach(new FakeReceiver(false));
    session.deliver(['a', 'b']);
    session.close(1000, 'bye');
    session.deliver(['c']);
    expect(events).toEqual(['message:a', 'message:b', 'closed']);
  });

  it('a client that aborts its receiving request ends the session (1002)', () => {
    const { session, events } = setup();
    const stream = new FakeReceiver(false);
    session.attach(stream);
    stream.abort();
    expect(events).toEqual(['closed']);
    const next = new FakeReceiver(true);
    session.attach(next);
    expect(next.frames).toEqual(['c[1002,"Connection interrupted"]']);
  });

  it('a session left without a receiver for the disconnect delay is closed, and forgotten', () => {
    const { session, events, forgotten } = setup();
    session.attach(new FakeReceiver(true));
    jest.advanceTimersByTime(4_999);
    expect(events).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(events).toEqual(['closed']);
    expect(forgotten()).toBe(1);
  });

  it('counts what the receiver socket and the previous response socket still hold in its backlog', () => {
    const { session } = setup();
    const stream = new FakeReceiver(false, fakeSocket(0), 700);
    session.attach(stream);
    expect(session.backlogBytes).toBe(700);
    // A stream that reached its byte limit ends; its socket still holds 500 bytes the client has not read,
    // and what is sent next waits in the queue.
    const { session: other } = setup();
    const ending = new FakeReceiver(false, fakeSocket(500), 0);
    other.attach(ending);
    ending.sendFrame = () => false;
    other.send('x');
    other.send('yz');
    expect(other.backlogBytes).toBe(502);
  });

  it('a client that asks again on another socket before it read the last answer is cut off (1002)', () => {
    const { session, events } = setup();
    const previous = fakeSocket(0);
    session.attach(new FakeReceiver(true, previous));
    (previous as { writableLength: number }).writableLength = 100_000;
    const next = new FakeReceiver(true, fakeSocket(0));
    session.attach(next);
    expect(next.frames).toEqual(['c[1002,"previous response not read"]']);
    expect(events).toEqual(['closed']);
  });

  it('abandon drops the queue for the last words, closes, and destroys the sockets after the grace', () => {
    const { session, events } = setup();
    const socket = fakeSocket(1_000_000);
    session.attach(new FakeReceiver(true, socket));
    for (let i = 0; i < 1000; i += 1) session.send('x'.repeat(1000));
    expect(session.backlogBytes).toBe(2_000_000);
    session.abandon('{"id":"error","code":"slowConsumer"}', 4008, 'slowConsumer');
    expect(events).toEqual(['closed']);
    const poll = new FakeReceiver(true, socket);
    session.attach(poll);
    expect(poll.frames).toEqual(['a["{\\"id\\":\\"error\\",\\"code\\":\\"slowConsumer\\"}"]']);
    expect(socket.destroyed).toBe(false);
    jest.advanceTimersByTime(2_000);
    expect(socket.destroyed).toBe(true);
    const last = new FakeReceiver(true);
    session.attach(last);
    expect(last.frames).toEqual(['c[4008,"slowConsumer"]']);
  });

  it('heartbeats answer a waiting poll', () => {
    const { session } = setup();
    session.attach(new FakeReceiver(true));
    const poll = new FakeReceiver(true);
    session.attach(poll);
    session.heartbeat();
    expect(poll.frames).toEqual(['h']);
  });

  it('a WebSocket found closing by a heartbeat still closes the session when its socket closes (no member left behind)', () => {
    const { session, events, forgotten } = setup(true);
    const ws = new FakeWebSocket();
    session.attach(webSocketReceiver(ws));
    expect(ws.sent).toEqual(['o']);
    ws.closing();
    session.heartbeat();
    ws.closed(session);
    expect(events).toEqual(['closed']);
    expect(forgotten()).toBe(1);
  });

  it('a WebSocket found closing by a message for its client closes the session at once', () => {
    const { session, events } = setup(true);
    const ws = new FakeWebSocket();
    session.attach(webSocketReceiver(ws));
    ws.closing();
    session.send('{"id":"participantJoined"}');
    expect(events).toEqual(['closed']);
    ws.closed(session);
    expect(events).toEqual(['closed']);
  });

  it('a WebSocket that closed while its session opened is told closed when the session is listened to', () => {
    const events: string[] = [];
    const session = new SockJsSession('s2', '10.0.0.1', true, { disconnectDelayMs: 5_000, closeGraceMs: 2_000 }, () => undefined, () => undefined);
    const ws = new FakeWebSocket();
    ws.closing();
    session.attach(webSocketReceiver(ws));
    session.listen({ message: () => undefined, closed: () => events.push('closed') });
    expect(events).toEqual(['closed']);
  });

  it('an open session disposed of (its node stopping) tells its listener once', () => {
    const { session, events } = setup();
    session.attach(new FakeReceiver(false));
    session.dispose();
    session.dispose();
    expect(events).toEqual(['closed']);
  });
});
