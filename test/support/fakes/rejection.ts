import { SignalingError } from '../../../src/domain';

/** Awaits `promise`, expecting it to reject with a SignalingError, and returns that error. */
export const signalingRejection = async (promise: Promise<unknown>): Promise<SignalingError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SignalingError) return error;
    throw new Error(`expected a SignalingError, got ${String(error)}`);
  }
  throw new Error('expected a rejection, but the promise resolved');
};
