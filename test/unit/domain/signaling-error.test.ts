import { ERROR_CODES, isSignalingError, SignalingError } from '../../../src/domain';

describe('SignalingError', () => {
  it('carries its code, message and details, and is an Error', () => {
    const error = new SignalingError('wrongNode', 'go elsewhere', { nodeId: 'n2', nodeUrl: 'ws://x' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SignalingError');
    expect(error.code).toBe('wrongNode');
    expect(error.message).toBe('go elsewhere');
    expect(error.details).toEqual({ nodeId: 'n2', nodeUrl: 'ws://x' });
  });

  it('has no details unless given', () => {
    expect(new SignalingError('badJson', 'x').details).toBeUndefined();
  });

  it('isSignalingError tells it apart from other errors and values', () => {
    expect(isSignalingError(new SignalingError('internalError', 'x'))).toBe(true);
    expect(isSignalingError(new Error('x'))).toBe(false);
    expect(isSignalingError({ code: 'badJson', message: 'x' })).toBe(false);
    expect(isSignalingError(undefined)).toBe(false);
  });

  it('the code list has no duplicates and holds the codes the core relies on', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ['roomFull', 'forbidden', 'notInRoom', 'unknownUser', 'unsupportedFlow', 'sessionReplaced', 'mediaServerUnavailable']) {
      expect(ERROR_CODES).toContain(code);
    }
  });
});
