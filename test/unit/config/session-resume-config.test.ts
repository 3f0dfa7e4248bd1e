import { DEFAULT_RESUME_GRACE_MS, readResumeGraceMs } from '../../../src/composition/session-resume';
import { ConfigError, loadConfig } from '../../../src/config';

describe('RESUME_GRACE_MS', () => {
  it('defaults to 15 s; 0 turns resuming off', () => {
    expect(DEFAULT_RESUME_GRACE_MS).toBe(15_000);
    expect(readResumeGraceMs(loadConfig({}))).toBe(15_000);
    expect(readResumeGraceMs(loadConfig({ RESUME_GRACE_MS: '0' }))).toBe(0);
    expect(readResumeGraceMs(loadConfig({ RESUME_GRACE_MS: '2500' }))).toBe(2_500);
  });

  it.each(['-1', '1e3', 'soon', '3600001'])('refuses %p', (value) => {
    expect(() => readResumeGraceMs(loadConfig({ RESUME_GRACE_MS: value }))).toThrow(ConfigError);
  });
});
