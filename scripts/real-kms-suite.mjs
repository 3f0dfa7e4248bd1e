// The real-KMS suite (test/integration/kurento/real-kms/jest.config.js), run by `npm test` on every machine:
// prepares the KMS of ../shared/kms (or $KMS_DIR) with scripts/kms.sh (runtime packages installed when
// missing and root, tarball unpacked once into .tmp/kms), starts one KMS on a free loopback port for the
// suite (KURENTO_URL), runs the suite, and stops that KMS. Files that need KMS processes of their own start
// them through test/support/kurento/real-kms.ts. There is no skip path: without a KMS folder, or without
// the packages and root to install them, this fails and says why.
// Where the test command brought up a container engine (scripts/container-engine.sh), the seed flows and
// the conformance script also run against the KMS image built from the same tarball, started through
// Testcontainers (test/support/kms/kms-container.cjs): the route a machine with Docker would use.
//   node scripts/real-kms-suite.mjs [extra jest arguments]
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);

const prepare = spawnSync('bash', ['scripts/kms.sh', 'prepare'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (prepare.status !== 0) {
  console.error('real-KMS suite: FAILED, the real KMS could not be prepared (see above)');
  process.exit(1);
}
const prepared = seconds();

const freePort = () =>
  new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });

const port = await freePort();
// KMS writes its log to a file, never to a pipe this process might not drain while jest runs: a KMS
// blocked on a full pipe stops answering and forwarding media.
mkdirSync(resolve(root, '.tmp'), { recursive: true });
const logFile = resolve(root, '.tmp', `real-kms-suite-${port}.log`);
const logFd = openSync(logFile, 'w');
const kms = spawn('bash', ['scripts/kms.sh', 'run', String(port)], { cwd: root, stdio: ['ignore', logFd, logFd] });
closeSync(logFd);
const exited = new Promise((done) => kms.once('exit', done));
const logTail = () => readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
const ready = await (async () => {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    if (kms.exitCode !== null || kms.signalCode !== null) return false;
    if (readFileSync(logFile, 'utf8').includes('Kurento Media Server started')) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
})();
const stopKms = async () => {
  if (kms.exitCode !== null || kms.signalCode !== null) return;
  kms.kill('SIGTERM');
  const timer = setTimeout(() => kms.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
};
if (!ready) {
  console.error(`real-KMS suite: FAILED, KMS did not start on port ${port}:\n${logTail()}`);
  await stopKms();
  process.exit(1);
}
const kurentoUrl = `ws://127.0.0.1:${port}/kurento`;
console.log(`real-KMS suite: KMS 7.3.1 prepared in ${prepared} s, listening at ${kurentoUrl} after ${seconds()} s`);

let status = 1;
try {
  const jest = spawn('npx', ['jest', '--ci', '-c', 'test/integration/kurento/real-kms/jest.config.js', ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, KURENTO_URL: kurentoUrl },
  });
  status = await new Promise((done) => jest.once('exit', (code) => done(code ?? 1)));
} finally {
  await stopKms();
}
rmSync(resolve(root, '.tmp', 'kms-run', String(port)), { recursive: true, force: true });
if (status === 0) rmSync(logFile, { force: true });
else console.error(`real-KMS suite: the shared KMS's log is ${logFile}`);

const { kmsImage, startKmsContainer } = await import('../test/support/kms/kms-container.cjs');
const found = kmsImage();
if (found.image) {
  const containerPort = await freePort();
  const container = await startKmsContainer({ image: found.image, network: 'host', port: containerPort }).catch((error) => {
    console.error(`real-KMS suite: FAILED, the KMS container (${found.image}) did not start: ${error.message}`);
    return undefined;
  });
  if (!container) status = 1;
  else {
    console.log(`real-KMS suite: ${found.image} through Testcontainers at ${container.url}`);
    try {
      const jest = spawn(
        'npx',
        ['jest', '--ci', '-c', 'test/integration/kurento/real-kms/jest.config.js', 'seed-flow', 'kms-conformance', ...process.argv.slice(2)],
        { cwd: root, stdio: 'inherit', env: { ...process.env, KURENTO_URL: container.url } },
      );
      const containerStatus = await new Promise((done) => jest.once('exit', (code) => done(code ?? 1)));
      if (containerStatus !== 0) status = containerStatus;
    } finally {
      await container.stop();
    }
  }
} else {
  console.log(`real-KMS suite: no container route here (${found.reason}); the host KMS route ran`);
}
console.log(`real-KMS suite: ${status === 0 ? 'passed' : 'FAILED'} in ${seconds()} s`);
process.exit(status);
