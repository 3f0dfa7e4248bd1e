// The real-KMS suite: the seed-flow scenarios against the Kurento Media Server named by KURENTO_URL.
// Its files end in `.real-kms.ts`, which the main jest.config.js never matches, so `npm test` does not
// run it (no KMS can be installed on the dev and CI machines) and it is never reported as skipped.
// Run it with:  KURENTO_URL=ws://127.0.0.1:8888/kurento npx jest -c test/integration/kurento/real-kms/jest.config.js
const path = require('node:path');
const main = require('../../../../jest.config.js');

if (!process.env.KURENTO_URL) {
  throw new Error('the real-KMS suite needs KURENTO_URL (e.g. ws://127.0.0.1:8888/kurento); see docs/kurento.md');
}

const integration = main.projects.find((p) => p.displayName === 'integration');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: path.resolve(__dirname, '../../../..'),
  displayName: 'real-kms',
  testEnvironment: 'node',
  transform: integration.transform,
  transformIgnorePatterns: integration.transformIgnorePatterns,
  testMatch: ['<rootDir>/test/integration/kurento/real-kms/**/*.real-kms.ts'],
};
