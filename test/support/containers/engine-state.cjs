// What scripts/container-engine.sh left for this checkout: whether an engine is ready and which image
// plays each role. Plain CommonJS so that both the TypeScript fixtures and the .mjs scripts (the real-KMS
// suite runner) can load it; its types are in engine-state.d.cts.
'use strict';
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');

const repoRoot = resolve(__dirname, '../../..');
const stateFile = resolve(repoRoot, '.tmp/container-engine/state');

/** Every container a test starts carries this label, so `container-engine.sh down` finds what a crash left. */
const TEST_LABELS = Object.freeze({ 'rtc-signaling.test': 'true' });

const read = () => {
  let text;
  try {
    text = readFileSync(stateFile, 'utf8');
  } catch {
    return { ready: false, reason: 'scripts/container-engine.sh up has not run in this checkout' };
  }
  const values = new Map();
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) values.set(line.slice(0, at), line.slice(at + 1));
  }
  if (values.get('state') !== 'ready') {
    return {
      ready: false,
      reason: values.get('reason') || `the engine is ${values.get('state') || 'unknown'} (scripts/container-engine.sh up starts it)`,
    };
  }
  const image = (role) => {
    const name = values.get(role);
    if (!name) throw new Error(`${stateFile} names no ${role} image`);
    return name;
  };
  return {
    ready: true,
    images: { redis: image('redis'), node: image('node'), coturn: image('coturn'), kms: values.get('kms') || undefined },
    reaper: values.get('ryuk') !== 'off',
    host: values.get('host') || undefined,
    dockerHost: values.get('docker_host') || undefined,
    compose: values.get('compose') || undefined,
  };
};

let cached;
let told = false;

/**
 * Ready means the engine answered and the images were there when `up` ran: a container that then fails
 * to start is a failure, not a reason to fall back.
 */
const containerEngine = () => {
  cached ??= read();
  if (cached.ready && !cached.reaper) {
    // Where no registry answers, Testcontainers' reaper image cannot be pulled; `down` cleans up instead.
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  }
  if (cached.ready && cached.host) process.env.TESTCONTAINERS_HOST_OVERRIDE ??= cached.host;
  // An engine scripts/container-engine.sh started listens on a socket of its own; Testcontainers, the
  // docker CLI and docker-compose all take it from DOCKER_HOST.
  if (cached.ready && cached.dockerHost) process.env.DOCKER_HOST = cached.dockerHost;
  return cached;
};

/** Says once per process why a fixture uses a Debian service instead of a container. */
const noteFallback = (what) => {
  const engine = containerEngine();
  if (told || engine.ready) return;
  told = true;
  process.stderr.write(`[containers] no container engine (${engine.reason}): ${what}\n`);
};

module.exports = { repoRoot, TEST_LABELS, containerEngine, noteFallback };
