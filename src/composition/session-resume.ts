import { z } from 'zod';
import { ConfigError, wholeNumber, type Config } from '../config';

/** 15 s: a phone switching between Wi-Fi and mobile data, or a short tunnel, comes back within it. */
export const DEFAULT_RESUME_GRACE_MS = 15_000;

const ResumeEnv = z.object({
  /** How long a dropped resumable participant's seat is held; 0 turns resuming off. At most an hour. */
  RESUME_GRACE_MS: wholeNumber(0, 3_600_000).default(DEFAULT_RESUME_GRACE_MS),
});

/** RESUME_GRACE_MS, checked once at start-up. */
export const readResumeGraceMs = (config: Config): number => {
  const parsed = ResumeEnv.safeParse(Object.fromEntries(Object.entries(config.env).filter(([k]) => k in ResumeEnv.shape)));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message} (got ${JSON.stringify(config.env[String(i.path[0])])})`));
  }
  return parsed.data.RESUME_GRACE_MS;
};
