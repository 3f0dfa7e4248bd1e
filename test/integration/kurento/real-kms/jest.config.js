// The real-KMS suite: everything that runs against the real Kurento Media Server of ../shared/kms (KMS
// 7.3.1). scripts/real-kms-suite.mjs (part of `npm test`) prepares that KMS, starts one for the suite
// (KURENTO_URL) and runs this config; files that need KMS processes of their own (killed, restarted, a
// pool of two, behind a proxy) start them with test/support/kurento/real-kms.ts. Its files end in
// `.real-kms.ts`, which the main jest.config.js never matches. Files run one at a time: KMS, Chromium and
// the node share two cores.
//   npm run test:real-kms        (or: node scripts/real-kms-suite.mjs [jest args])
const path = require('node:path');
const main = require('../../../../jest.config.js');

if (!process.env.KURENTO_URL) {
  throw new Error('the real-KMS suite needs KURENTO_URL: run it with `node scripts/real-kms-suite.mjs`, which starts a KMS (docs/kurento.md)');
}

const integration = main.projects.find((p) => p.displayName === 'integration');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: path.resolve(__dirname, '../../../..'),
  displayName: 'real-kms',
  testEnvironment: 'node',
  transform: integration.transform,
  transformIgnorePatterns: integration.transformIgnorePatterns,
  testMatch: ['<rootDir>/test/integration/kurento/real-kms/**/*.real-kms.ts', '<rootDir>/test/e2e/**/*.real-kms.ts'],
  slowTestThreshold: 60,
  maxWorkers: 1,
};
