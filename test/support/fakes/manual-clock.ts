import type { Clock, ScheduledTask, Scheduler } from '../../../src/application';

/**
 * A clock that only moves when the test says so, so timestamps in events are exact. It is the scheduler
 * too: tasks run when the clock is moved past their time.
 */
export class ManualClock implements Clock, Scheduler {
  private readonly tasks: { at: number; task: () => void; cancelled: boolean }[] = [];

  constructor(private current = 1_700_000_000_000) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.set(this.current + ms);
  }

  /** Moves the clock to `ms`, running every task due by then in time order. */
  set(ms: number): void {
    for (;;) {
      const due = this.tasks.filter((t) => !t.cancelled && t.at <= ms).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.current = Math.max(this.current, due.at);
      due.cancelled = true;
      due.task();
    }
    this.current = ms;
    for (let i = this.tasks.length - 1; i >= 0; i -= 1) if (this.tasks[i]!.cancelled) this.tasks.splice(i, 1);
  }

  schedule(delayMs: number, task: () => void): ScheduledTask {
    const entry = { at: this.current + delayMs, task, cancelled: false };
    this.tasks.push(entry);
    return { cancel: () => (entry.cancelled = true) };
  }

  /** Tasks still waiting. */
  get pending(): number {
    return this.tasks.filter((t) => !t.cancelled).length;
  }
}
