import { BoundedQueue } from '../../../src/adapters/presence/bounded-queue';
import { MemoryPresenceOutbox } from '../../../src/adapters/presence/memory-presence-outbox';
import type { PresenceMessage } from '../../../src/adapters/presence/presence-message';
import { RecordingLogger } from '../../support/fakes/recording-logger';

const message = (n: number): PresenceMessage => ({ type: 'enter', user_id: `u${n}`, community_id: null, channel_id: 'r', event_id: `e${n}`, timestamp: n });

describe('BoundedQueue (drop-oldest)', () => {
  it('drops the oldest when full, counts the drops and tells onDrop', () => {
    const dropped: number[] = [];
    const queue = new BoundedQueue<number>(3, new RecordingLogger(), 'test', (n) => dropped.push(n));
    for (let i = 1; i <= 5; i += 1) queue.push(i);
    expect(queue.values()).toEqual([3, 4, 5]);
    expect(queue.length).toBe(3);
    expect(queue.dropped).toBe(2);
    expect(dropped).toEqual([1, 2]);
  });

  it('logs an error once per full episode and a warning when it drains', () => {
    const logger = new RecordingLogger();
    const queue = new BoundedQueue<number>(10, logger, 'test');
    for (let i = 0; i < 30; i += 1) queue.push(i);
    expect(logger.matching('error', 'outbox is full')).toHaveLength(1);
    while (queue.length > 5) queue.shift();
    expect(logger.matching('warn', 'draining again')).toHaveLength(1);
    for (let i = 0; i < 10; i += 1) queue.push(i);
    expect(logger.matching('error', 'outbox is full')).toHaveLength(2);
  });

  it('keeps FIFO order through many shifts (compaction) and removes from the middle', () => {
    const queue = new BoundedQueue<number>(10_000, new RecordingLogger(), 'test');
    for (let i = 0; i < 5_000; i += 1) queue.push(i);
    for (let i = 0; i < 3_000; i += 1) expect(queue.shift()).toBe(i);
    expect(queue.remove(4_000)).toBe(true);
    expect(queue.remove(4_000)).toBe(false);
    expect(queue.length).toBe(1_999);
    expect(queue.peek()).toBe(3_000);
  });

  it('prepend puts older items first and still honours the bound', () => {
    const queue = new BoundedQueue<number>(4, new RecordingLogger(), 'test');
    queue.push(10);
    queue.push(11);
    queue.prepend([1, 2, 3]);
    expect(queue.values()).toEqual([2, 3, 10, 11]);
    expect(queue.dropped).toBe(1);
  });
});

describe('MemoryPresenceOutbox', () => {
  it('is FIFO, bounded with drop-oldest, and reports depth and drops', async () => {
    const outbox = new MemoryPresenceOutbox(2, new RecordingLogger());
    await outbox.open();
    outbox.append(message(1));
    const first = outbox.head();
    outbox.append(message(2));
    outbox.append(message(3));
    expect(outbox.depth).toBe(2);
    expect(outbox.dropped).toBe(1);
    expect(outbox.head()?.message.event_id).toBe('e2');
    if (first) outbox.remove(first);
    expect(outbox.depth).toBe(2);
    const head = outbox.head();
    if (head) outbox.remove(head);
    expect(outbox.head()?.message.event_id).toBe('e3');
    await outbox.close();
  });
});
