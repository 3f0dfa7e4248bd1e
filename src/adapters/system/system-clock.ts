import type { Clock } from '../../application';

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
}
