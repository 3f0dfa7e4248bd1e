import type { ScheduledTask, Scheduler } from '../../application';

/** Node's timers. Unref'd: a held seat must not keep a stopping process alive. */
export class SystemScheduler implements Scheduler {
  schedule(delayMs: number, task: () => void): ScheduledTask {
    const timer = setTimeout(task, delayMs);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  }
}
