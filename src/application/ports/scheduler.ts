export interface ScheduledTask {
  cancel(): void;
}

/** Runs work later: how long a dropped participant's seat is held. */
export interface Scheduler {
  schedule(delayMs: number, task: () => void): ScheduledTask;
}
