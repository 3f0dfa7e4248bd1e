import { KeyedMutex } from '../../../src/application';
import { deferred, flushPromises } from '../../support/fakes';

describe('KeyedMutex', () => {
  it('runs work for one key one at a time, in arrival order', async () => {
    const mutex = new KeyedMutex<string>();
    const log: string[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const runs = gates.map((gate, i) =>
      mutex.run('k', async () => {
        log.push(`start ${i}`);
        await gate.promise;
        log.push(`end ${i}`);
        return i;
      }),
    );
    await flushPromises();
    expect(log).toEqual(['start 0']);
    // Releasing a later task first must not let it jump the queue.
    gates[2]!.resolve();
    gates[1]!.resolve();
    await flushPromises();
    expect(log).toEqual(['start 0']);
    gates[0]!.resolve();
    await expect(Promise.all(runs)).resolves.toEqual([0, 1, 2]);
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('never has two tasks of one key in flight, under many concurrent callers', async () => {
    const mutex = new KeyedMutex<string>();
    let inFlight = 0;
    let maxInFlight = 0;
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        mutex.run('k', async () => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          for (let j = 0; j < i % 4; j += 1) await Promise.resolve();
          inFlight -= 1;
        }),
      ),
    );
    expect(maxInFlight).toBe(1);
  });

  it('runs different keys concurrently', async () => {
    const mutex = new KeyedMutex<string>();
    const blockA = deferred();
    const started: string[] = [];
    const a = mutex.run('a', async () => {
      started.push('a');
      await blockA.promise;
    });
    const b = mutex.run('b', async () => {
      started.push('b');
      return 'b done';
    });
    // b finishes while a is still blocked.
    await expect(b).resolves.toBe('b done');
    expect(started).toEqual(['a', 'b']);
    blockA.resolve();
    await a;
  });

  it('releases the lock when a task fails, and passes the failure to its caller only', async () => {
    const mutex = new KeyedMutex<string>();
    const failing = mutex.run('k', async () => {
      throw new Error('boom');
    });
    const next = mutex.run('k', async () => 'ran');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
    await expect(mutex.run('k', async () => 'again')).resolves.toBe('again');
  });

  it('releases the lock when a task throws synchronously', async () => {
    const mutex = new KeyedMutex<string>();
    const failing = mutex.run('k', () => {
      throw new Error('sync boom');
    });
    await expect(failing).rejects.toThrow('sync boom');
    await expect(mutex.run('k', async () => 'ran')).resolves.toBe('ran');
  });

  it('forgets keys once idle', async () => {
    const mutex = new KeyedMutex<string>();
    expect(mutex.activeKeys).toBe(0);
    const gate = deferred();
    const a = mutex.run('a', () => gate.promise);
    const a2 = mutex.run('a', async () => undefined);
    const b = mutex.run('b', async () => undefined);
    expect(mutex.activeKeys).toBe(2);
    await b;
    expect(mutex.activeKeys).toBe(1);
    gate.resolve();
    await Promise.all([a, a2]);
    expect(mutex.activeKeys).toBe(0);
    await mutex.run('c', async () => {
      throw new Error('x');
    }).catch(() => undefined);
    expect(mutex.activeKeys).toBe(0);
  });
});
