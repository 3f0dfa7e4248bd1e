import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoRoot } from './engine-state.cjs';

const run = promisify(execFile);
// Explicitly: Jest gives tests a copy of process.env, and child processes would otherwise get the
// worker's own, without the DOCKER_HOST that engine-state set.
const env = (): NodeJS.ProcessEnv => ({ ...process.env });

/**
 * The docker CLI, for what Testcontainers does not cover: an image's metadata, a container's health and
 * exit code after it stopped by itself, and builds through scripts/build-image.sh.
 */
export { env as dockerEnv };

export const docker = async (args: readonly string[], timeoutMs = 60_000): Promise<string> =>
  (await run('docker', [...args], { env: env(), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 })).stdout.trim();

export const imageSizeMb = async (image: string): Promise<number> =>
  Math.round(Number(await docker(['image', 'inspect', '--format', '{{.Size}}', image])) / 1e6);

/**
 * Builds docker/Dockerfile as `tag` (reused when nothing it is built from changed). Where the Node base
 * is a local stand-in, no registry answers builds: the host installs the dependencies (--node-deps host).
 */
export const buildProjectImage = async (
  nodeImage: string,
  options: { readonly tag?: string; readonly withJanus?: boolean } = {},
): Promise<string> => {
  const tag = options.tag ?? 'rtc-signaling:test';
  const nodeDeps = nodeImage.startsWith('rtc-local/') ? 'host' : 'registry';
  const { stdout } = await run(
    'bash',
    ['scripts/build-image.sh', '--tag', tag, '--node-image', nodeImage, '--node-deps', nodeDeps, '--with-janus', String(options.withJanus ?? true)],
    { cwd: repoRoot, env: env(), timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 },
  );
  process.stderr.write(stdout);
  return tag;
};
