// jest.config.js for scripts/unit-tests-node24.sh: the same projects, with janode's native module taken
// from the copy built for Node 24 (the one in node_modules is built for the machine's Node).
const base = require('./jest.config');

module.exports = {
  ...base,
  projects: base.projects.map((project) => ({
    ...project,
    moduleNameMapper: { ...project.moduleNameMapper, '^unix-dgram$': '<rootDir>/.tmp/node24/unix-dgram' },
  })),
};
