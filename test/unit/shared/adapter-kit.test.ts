import { withDeadline } from '../../../src/adapters/shared/deadline';
import { TypedEvents } from '../../../src/adapters/shared/typed-events';

describe('TypedEvents', () => {
  it('calls the listeners of an event in order, with its arguments; a throwing one does not stop the rest', () => {
    const failures: [unknown, string, unknown[]][] = [];
    const events = new TypedEvents<{ up: [string]; lost: [string, number] }>((error, event, args) => failures.push([error, String(event), args]));
    const heard: string[] = [];
    events.on('lost', (reason, generation) => heard.push(`lost-1 ${reason} ${generation}`));
    events.on('lost', () => {
      throw new Error('boom');
    });
    events.on('lost', (reason) => heard.push(`lost-3 ${reason}`));
    events.on('up', (link) => heard.push(`up ${link}`));
    events.emit('lost', 'socket closed', 7);
    expect(heard).toEqual(['lost-1 socket closed 7', 'lost-3 socket closed']);
    expect(failures).toEqual([[new Error('boom'), 'lost', ['socket closed', 7]]]);
    events.emit('up', 'l1');
    expect(heard.at(-1)).toBe('up l1');
  });
});

describe('withDeadline', () => {
  it('settles as the work does when it is in time', async () => {
    await expect(withDeadline(Promise.resolve(5), 1_000, () => new Error('late'))).resolves.toBe(5);
    await expect(withDeadline(Promise.reject(new Error('no')), 1_000, () => new Error('late'))).rejects.toThrow('no');
  });

  it('rejects with the expiry error when the deadline comes first, and hands a late result to onLate', async () => {
    let finish!: (value: string) => void;
    const work = new Promise<string>((resolve) => {
      finish = resolve;
    });
    const late: string[] = [];
    await expect(withDeadline(work, 10, () => new Error('no answer within 10 ms'), (value) => late.push(value))).rejects.toThrow('no answer within 10 ms');
    finish('handle-1');
    await work;
    expect(late).toEqual(['handle-1']);
  });
});
