import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The images scripts/container-engine.sh built or pulled, by role. */
export interface EngineImages {
  readonly redis: string;
  readonly node: string;
  readonly coturn: string;
  /** Absent where neither the KMS tarball nor a registry was there. */
  readonly kms?: string;
}

export type ContainerEngine =
  | { readonly ready: true; readonly images: EngineImages; readonly reaper: boolean; readonly compose?: string }
  | { readonly ready: false; readonly reason: string };

export const repoRoot = resolve(__dirname, '../../..');
const stateFile = resolve(repoRoot, '.tmp/container-engine/state');

/** Every container a test starts carries this label, so `container-engine.sh down` finds what a crash left. */
export const TEST_LABELS = { 'rtc-signaling.test': 'true' } as const;

const read = (): ContainerEngine => {
  let text: string;
  try {
    text = readFileSync(stateFile, 'utf8');
  } catch {
    return { ready: false, reason: 'scripts/container-engine.sh up has not run in this checkout' };
  }
  const values = new Map(
    text
      .split('\n')
      .map((line) => line.split(/=(.*)/s, 2) as [string, string | undefined])
      .filter((kv): kv is [string, string] => kv[1] !== undefined),
  );
  if (values.get('state') !== 'ready') {
    return { ready: false, reason: values.get('reason') ?? `the engine is ${values.get('state') ?? 'unknown'} (scripts/container-engine.sh up starts it)` };
  }
  const image = (role: string): string => {
    const name = values.get(role);
    if (!name) throw new Error(`${stateFile} names no ${role} image`);
    return name;
  };
  return {
    ready: true,
    images: { redis: image('redis'), node: image('node'), coturn: image('coturn'), kms: values.get('kms') || undefined },
    reaper: values.get('ryuk') !== 'off',
    compose: values.get('compose') || undefined,
  };
};

let cached: ContainerEngine | undefined;
let told = false;

/**
 * What scripts/container-engine.sh left for this checkout. Ready means the engine answered and the images
 * were there when it ran: a container that then fails to start is a failure, not a reason to fall back.
 */
export const containerEngine = (): ContainerEngine => {
  cached ??= read();
  if (cached.ready && !cached.reaper) {
    // Where no registry answers, Testcontainers' reaper image cannot be pulled; `down` cleans up instead.
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  }
  return cached;
};

/** Says once per process why a fixture uses a Debian service instead of a container. */
export const noteFallback = (what: string): void => {
  const engine = containerEngine();
  if (told || engine.ready) return;
  told = true;
  process.stderr.write(`[containers] no container engine (${engine.reason}): ${what}\n`);
};
