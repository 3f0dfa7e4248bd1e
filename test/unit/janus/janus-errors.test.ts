import { SignalingError } from '../../../src/domain';
import { isAlreadyGone, toSignalingError } from '../../../src/adapters/janus/janus-errors';
import { JanusTimeoutError } from '../../../src/adapters/janus/janus-timeout';

describe('toSignalingError', () => {
  it('keeps typed errors as they are', () => {
    const typed = new SignalingError('unsupportedFlow', 'no');
    expect(toSignalingError('x', typed, true)).toBe(typed);
  });

  it('reports Janus refusals as mediaBackendError with Janus\'s code', () => {
    const error = toSignalingError('publish', new Error('433 Invalid SDP'), true);
    expect(error).toMatchObject({ code: 'mediaBackendError', details: { janusCode: 433 } });
    expect(error.message).toBe('Janus refused publish: Invalid SDP (433)');
  });

  it('reports timeouts and a lost connection as mediaServerUnavailable', () => {
    expect(toSignalingError('attach', new JanusTimeoutError('attach', 50), true)).toMatchObject({ code: 'mediaServerUnavailable', details: { timeoutMs: 50 } });
    expect(toSignalingError('attach', new Error('connection closed'), true).code).toBe('mediaServerUnavailable');
    expect(toSignalingError('attach', new Error('unable to send request because session has been destroyed'), true).code).toBe('mediaServerUnavailable');
    expect(toSignalingError('attach', new Error('anything'), false).code).toBe('mediaServerUnavailable');
  });

  it('reports anything else as mediaBackendError', () => {
    expect(toSignalingError('start', new Error('unexpected response to start request'), true).code).toBe('mediaBackendError');
    expect(toSignalingError('start', 'a string', true).code).toBe('mediaBackendError');
  });
});

describe('isAlreadyGone', () => {
  it('treats "no such room/feed/session/handle" as already freed', () => {
    expect(isAlreadyGone(new Error('426 No such room (12)'))).toBe(true);
    expect(isAlreadyGone(new Error('458 No such session'))).toBe(true);
    expect(isAlreadyGone(toSignalingError('destroy room', new Error('426 No such room (12)'), true))).toBe(true);
    expect(isAlreadyGone(new Error('433 Invalid SDP'))).toBe(false);
    expect(isAlreadyGone(new Error('connection closed'))).toBe(false);
  });
});
