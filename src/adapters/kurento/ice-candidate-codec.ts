import type { IceCandidate } from '../../domain';
import type { KmsIceCandidate } from './kms-media-calls';

/**
 * KMS's IceCandidate needs all three fields, while browsers may leave `sdpMid` or `sdpMLineIndex` null.
 * With BUNDLE, the mid of the first section is its index in every browser KMS supports.
 */
export const toKmsCandidate = (c: IceCandidate): KmsIceCandidate => ({
  candidate: c.candidate,
  sdpMid: c.sdpMid ?? String(c.sdpMLineIndex ?? 0),
  sdpMLineIndex: c.sdpMLineIndex ?? (c.sdpMid !== undefined && c.sdpMid !== null && /^\d+$/.test(c.sdpMid) ? Number(c.sdpMid) : 0),
});

/** The candidate of an IceCandidateFound event (`data.candidate`), or undefined when it is malformed. */
export const fromKmsEventData = (data: Readonly<Record<string, unknown>>): IceCandidate | undefined => {
  const c = data.candidate;
  if (typeof c !== 'object' || c === null) return undefined;
  const { candidate, sdpMid, sdpMLineIndex } = c as Record<string, unknown>;
  if (typeof candidate !== 'string') return undefined;
  return {
    candidate,
    sdpMid: typeof sdpMid === 'string' ? sdpMid : null,
    sdpMLineIndex: typeof sdpMLineIndex === 'number' ? sdpMLineIndex : null,
  };
};
