/**
 * The hexagonal dependency rule, checked in CI (`npm run lint:deps`):
 * domain <- application <- adapters <- composition root (src/main.ts, src/start-node.ts, src/container.ts, src/composition).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'The domain imports nothing outside itself: no application, adapters, npm packages or Node built-ins.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: '^src/domain/' },
    },
    {
      name: 'application-depends-only-on-domain',
      comment: 'Use cases and ports see only the domain; technology stays in adapters.',
      severity: 'error',
      from: { path: '^src/application/' },
      to: { pathNot: '^src/(domain|application)/' },
    },
    {
      name: 'adapters-do-not-know-each-other',
      comment:
        'An adapter may use the core, libraries and the shared kit (src/adapters/shared), never another adapter: swapping one must not touch the others.',
      severity: 'error',
      from: { path: '^src/adapters/([^/]+)/' },
      to: { path: '^src/adapters/([^/]+)/', pathNot: ['^src/adapters/$1/', '^src/adapters/shared/', '^src/adapters/http/http-route\\.ts$'] },
    },
    {
      name: 'the-shared-kit-knows-no-adapter',
      comment: 'The kit adapters share (back-off, deadlines, events, settings, the Redis connection and scripts) depends on no adapter and on no core: it is technology only.',
      severity: 'error',
      from: { path: '^src/adapters/shared/' },
      to: { path: '^src/(adapters/(?!shared/)|application/|domain/)' },
    },
    {
      name: 'only-the-composition-root-knows-adapters',
      comment: 'main.ts, start-node.ts, container.ts and src/composition wire adapters; nothing inward reaches outward.',
      severity: 'error',
      from: { path: '^src/(domain|application|adapters)/' },
      to: { path: '^src/(main|start-node|container|config)\\.ts$|^src/composition/' },
    },
    {
      name: 'protocol-stands-alone',
      comment: 'src/protocol (the wire schemas) is shared with the client library (packages/client): only zod and the pure identifier and error-code lists of the domain.',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { path: '^src/', pathNot: ['^src/protocol/', '^src/domain/(identifiers|error-code)\\.ts$'] },
    },
    {
      name: 'server-does-not-import-the-client',
      comment: 'The client library depends on the protocol; the server never on the client.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^packages/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/adapters/web/demo/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
