import { SignalingError } from '../../../src/domain';
import { kmsRefused, kmsTimedOut, kmsUnavailable, parseKmsError } from '../../../src/adapters/kurento/kms-errors';

describe('KMS errors become typed signaling errors', () => {
  it('reads KMS\'s error member', () => {
    expect(parseKmsError({ code: 40101, message: "Object 'x' not found", data: { type: 'MEDIA_OBJECT_NOT_FOUND' } })).toEqual({
      code: 40101,
      message: "Object 'x' not found",
      type: 'MEDIA_OBJECT_NOT_FOUND',
    });
    expect(parseKmsError({ code: -32601, message: 'Method not found.' })).toEqual({ code: -32601, message: 'Method not found.' });
    expect(parseKmsError('garbage')).toEqual({ code: 0, message: 'garbage' });
    expect(parseKmsError({ code: 'x', data: 7 })).toEqual({ code: 0, message: 'unknown KMS error' });
  });

  it('a refusal is mediaBackendError carrying KMS\'s code and type', () => {
    const e = kmsRefused('processOffer', { code: 40205, message: 'bad offer', type: 'SDP_END_POINT_PROCESS_OFFER_ERROR' });
    expect(e).toBeInstanceOf(SignalingError);
    expect(e.code).toBe('mediaBackendError');
    expect(e.message).toBe('Kurento processOffer failed: SDP_END_POINT_PROCESS_OFFER_ERROR: bad offer');
    expect(e.details).toEqual({ kmsErrorCode: 40205, kmsErrorType: 'SDP_END_POINT_PROCESS_OFFER_ERROR' });
    expect(kmsRefused('invoke', { code: 7, message: 'm' }).details).toEqual({ kmsErrorCode: 7, kmsErrorType: 'UNKNOWN' });
  });

  it('silence is mediaBackendError, an unreachable server mediaServerUnavailable', () => {
    expect(kmsTimedOut('generateOffer', 1500)).toMatchObject({ code: 'mediaBackendError', details: { kmsErrorType: 'TIMEOUT' } });
    expect(kmsUnavailable('ws://k/kurento', 'socket closed').code).toBe('mediaServerUnavailable');
  });
});
