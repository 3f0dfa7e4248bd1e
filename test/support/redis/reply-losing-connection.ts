import { SignalingError } from '../../../src/domain';
import { RedisConnection } from '../../../src/adapters/redis';

/**
 * A connection whose next reply to a named operation is lost after Redis applied the command: the call
 * fails as a timed-out one does, the write stays done. The fault a deadline cannot tell from a write
 * that never arrived, made exact (a real stall cannot be placed between Redis applying and replying).
 */
export class ReplyLosingConnection extends RedisConnection {
  /** Per operation, how many of its calls from now are answered before one reply is lost. */
  private readonly toLose = new Map<string, number>();

  /** Loses the reply of the next call of `operation`, or of the one after `skip` answered calls. */
  loseNextReply(operation: string, skip = 0): void {
    this.toLose.set(operation, skip);
  }

  /** Replies still to be lost (0 once every armed one was). */
  get armed(): number {
    return this.toLose.size;
  }

  override async call<T>(operation: string, work: Parameters<RedisConnection['call']>[1], deadlineMs?: number): Promise<T> {
    const result = (await super.call(operation, work, deadlineMs)) as T;
    const skip = this.toLose.get(operation);
    if (skip === undefined) return result;
    if (skip > 0) {
      this.toLose.set(operation, skip - 1);
      return result;
    }
    this.toLose.delete(operation);
    throw new SignalingError('stateStoreUnavailable', `state store unavailable (${operation}: Command timed out)`);
  }
}
