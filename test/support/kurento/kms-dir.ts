import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');

/**
 * The folder of the real KMS the tests use (tarball, runtime package list, transcripts): `$KMS_DIR`, else
 * `<repo>/../shared/kms`, where CI places its clone. Missing, it is an error, never a reason to skip.
 */
export const kmsDir = (): string => {
  const dir = resolve(process.env.KMS_DIR ?? resolve(root, '..', 'shared', 'kms'));
  if (!existsSync(resolve(dir, 'transcripts'))) {
    throw new Error(`no KMS folder at ${dir} (set KMS_DIR to the folder holding the KMS tarball and transcripts/; see docs/kurento.md)`);
  }
  return dir;
};

export const transcriptPath = (name: string): string => resolve(kmsDir(), 'transcripts', name);
