import { asMediaError, memberView } from '../../../src/application';
import { SignalingError } from '../../../src/domain';

describe('asMediaError', () => {
  it('keeps a typed refusal from the backend as it is', () => {
    const refusal = new SignalingError('mediaServerUnavailable', 'kms down');
    expect(asMediaError(refusal)).toBe(refusal);
  });

  it('reports any other Error as mediaBackendError with its message', () => {
    const error = asMediaError(new Error('socket hang up'));
    expect(error).toBeInstanceOf(SignalingError);
    expect(error.code).toBe('mediaBackendError');
    expect(error.message).toContain('socket hang up');
  });

  it('reports thrown non-errors as mediaBackendError too', () => {
    expect(asMediaError('just a string')).toMatchObject({ code: 'mediaBackendError', message: expect.stringContaining('just a string') });
    expect(asMediaError(undefined).code).toBe('mediaBackendError');
  });
});

describe('memberView', () => {
  it('shows a participant as user id and media state only (no connection id)', () => {
    expect(memberView({ userId: 'u', connectionId: 'secret-conn', audio: false, video: true, joinedAt: 5 })).toEqual({
      userId: 'u',
      audio: false,
      video: true,
    });
  });
});
