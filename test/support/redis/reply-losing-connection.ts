import { SignalingError } from '../../../src/domain';
import { RedisConnection } from '../../../src/adapters/redis';

/**
 * A connection whose next reply to a named operation is lost after Redis applied the command: the call
 * fails as a timed-out one does, the write stays done. The fault a deadline cannot tell from a write
 * that never arrived, made exact (a real stall cannot be placed between Redis applying and replying).
 */
export class ReplyLosingConnection extends RedisConnection {
  private readonly toLose = new Map<string, number>();

  loseNextReply(operation: string): void {
    this.toLose.set(operation, (this.toLose.get(operation) ?? 0) + 1);
  }

  /** Replies still to be lost (0 once every armed one was). */
  get armed(): number {
    return [...this.toLose.values()].reduce((sum, n) => sum + n, 0);
  }

  override async call<T>(operation: string, work: Parameters<RedisConnection['call']>[1], deadlineMs?: number): Promise<T> {
    const result = (await super.call(operation, work, deadlineMs)) as T;
    const left = this.toLose.get(operation) ?? 0;
    if (left === 0) return result;
    this.toLose.set(operation, left - 1);
    throw new SignalingError('stateStoreUnavailable', `state store unavailable (${operation}: Command timed out)`);
  }
}
