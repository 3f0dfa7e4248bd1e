// Runs the real-KMS suite (test/integration/kurento/real-kms) against a real Kurento Media Server:
// the one named by KURENTO_URL, else one started with Testcontainers when a container engine answers.
// Exits 0 without running anything when neither exists, and says so: no KMS can be installed on our
// dev and CI machines (docs/kurento.md). The Testcontainers route has not run on those machines.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const image = process.env.KMS_IMAGE ?? 'kurento/kurento-media-server:7.0.0';

const runSuite = (kurentoUrl) => {
  const run = spawnSync('npx', ['jest', '--ci', '-c', 'test/integration/kurento/real-kms/jest.config.js'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, KURENTO_URL: kurentoUrl },
  });
  return run.status ?? 1;
};

const containerEngineAnswers = async () => {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
};

if (process.env.KURENTO_URL) {
  console.log(`real-KMS suite against KURENTO_URL=${process.env.KURENTO_URL}`);
  process.exit(runSuite(process.env.KURENTO_URL));
}
if (!(await containerEngineAnswers())) {
  console.log('real-KMS suite not run: KURENTO_URL is not set and no container engine answers (the Kurento adapter was tested against the emulator only)');
  process.exit(0);
}
const { GenericContainer, Wait } = await import('testcontainers');
console.log(`real-KMS suite: starting ${image} with Testcontainers`);
const kms = await new GenericContainer(image)
  .withExposedPorts(8888)
  .withWaitStrategy(Wait.forListeningPorts())
  .withStartupTimeout(120_000)
  .start();
let status = 1;
try {
  status = runSuite(`ws://${kms.getHost()}:${kms.getMappedPort(8888)}/kurento`);
} finally {
  await kms.stop({ timeout: 0 });
}
process.exit(status);
