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
  projects: [
    project('unit'),
    project('integration', { slowTestThreshold: 20 }),
    project('e2e', { slowTestThreshold: 60 }),
  ],
};
