// ESM-only dependencies (inversify 8, jose 6, janode) are compiled to CommonJS by swc like our own code.
const esmOnly = ['inversify', '@inversifyjs', 'jose', 'janode'];
const transform = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    },
  ],
};
const transformIgnorePatterns = [`/node_modules/(?!(${esmOnly.join('|')})/)`];
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  // A worker that ran a score of integration files holds 550-650 MB; its exit (the OS freeing that memory
  // on a busy 2-core machine) then outlasted Jest's 500 ms grace and Jest printed "a worker process has
  // failed to exit gracefully", though the worker had no handle left and exited within 6 ms by its own
  // clock. Recycled above 300 MB between files, no worker gets that big; the run takes no longer.
  workerIdleMemoryLimit: '300MB',
  projects: [
    project('unit'),
    project('integration', { slowTestThreshold: 20 }),
    project('e2e', { slowTestThreshold: 60 }),
  ],
};
