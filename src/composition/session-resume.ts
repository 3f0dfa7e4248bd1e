import { z } from 'zod';
import { readEnv, whole } from '../adapters/shared/settings';
import type { Config } from '../config';

/** 15 s: a phone switching between Wi-Fi and mobile data, or a short tunnel, comes back within it. */
export const DEFAULT_RESUME_GRACE_MS = 15_000;

const ResumeEnv = z.object({
  /** How long a dropped resumable participant's seat is held; 0 turns resuming off. At most an hour. */
  RESUME_GRACE_MS: whole(0, 3_600_000).default(DEFAULT_RESUME_GRACE_MS),
});

/** RESUME_GRACE_MS, checked once at start-up. */
export const readResumeGraceMs = (config: Config): number => {
  return readEnv(ResumeEnv, config.env).RESUME_GRACE_MS;
};
