/**
 * Layer boundaries, checked by `npm run lint` (part of `npm test`). Each rule says why it exists.
 * core -> nothing outside core; handlers -> core + handlers; adapters -> anything but handler internals.
 */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment:
        'core/ holds the domain: models, use cases and ports. It must not reach the outside world (HTTP, pg, AWS SDK, ' +
        'middy, unleash, the file system), so it stays testable in isolation and portable across drivers. ' +
        'zod (schemas) and node:crypto (hashing is computation, not I/O) are the exceptions.',
      severity: 'error',
      from: { path: '^core/', pathNot: '\\.test\\.ts$' },
      to: { pathNot: ['^core/', '^node_modules/zod/', '^node_modules/@types/', '^(node:)?crypto$'] },
    },
    {
      name: 'core-tests-stay-in-core',
      comment:
        'Unit tests next to core code judge it over in-memory ports (tests/ holds shared test support): never over ' +
        'adapters, handlers or the sandbox, which would make them integration tests in disguise.',
      severity: 'error',
      from: { path: '^core/.+\\.test\\.ts$' },
      to: { path: '^(adapters|handlers|sandbox|container)/' },
    },
    {
      name: 'core-uses-no-node-io',
      comment: 'core/ may not import Node I/O modules; time and randomness that matter come through ports.',
      severity: 'error',
      from: { path: '^core/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|http|https|net|child_process|dgram|dns|tls|worker_threads|cluster)' },
    },
    {
      name: 'handlers-never-import-adapters',
      comment:
        'Handlers depend on ports, never on their implementations: the composition root in adapters/ wires them, ' +
        'so an endpoint runs unchanged over PGlite, PostgreSQL, DynamoDB or in-memory adapters.',
      severity: 'error',
      from: { path: '^handlers/' },
      to: { path: '^(adapters|sandbox|container|tests)/' },
    },
    {
      name: 'adapters-reach-handlers-only-through-the-registry',
      comment:
        'Drivers read the endpoint list (handlers/registry.ts) and the toolkit entry (handlers/toolkit.ts); ' +
        'reaching into a handler module would couple a driver to one endpoint.',
      severity: 'error',
      from: { path: '^adapters/', pathNot: '^adapters/lambda/endpoint\\.ts$' },
      to: { path: '^handlers/', pathNot: '^handlers/(registry|toolkit)\\.ts$' },
    },
    {
      name: 'contexts-talk-through-ports',
      comment:
        'A bounded context talks to another only through the other context\'s port (core/<ctx>/ports.ts), ' +
        'never through its internal modules. Platform is no exception: its shared infrastructure is core/platform/ports.ts.',
      severity: 'error',
      from: { path: '^core/([^/]+)/' },
      to: { path: '^core/([^/]+)/', pathNot: ['^core/$1/', '^core/[^/]+/ports\\.ts$', '^core/shared/'] },
    },
    {
      name: 'no-orphans',
      comment:
        'A module nothing imports is dead code, or an entry point: entry points (drivers, build entries) are listed ' +
        'here by name so a forgotten file cannot hide among them.',
      severity: 'error',
      from: {
        orphan: true,
        pathNot: [
          '\\.test\\.ts$',
          '\\.d\\.m?ts$',
          '^adapters/(http/main|cli/main|lambda/router|lambda/serve|lambda/endpoint)\\.ts$',
          // Imported by the per-endpoint Lambda entries build.mjs generates.
          '^adapters/contexts/billing/meter\\.ts$',
        ],
      },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'Cycles make start-up order fragile and layers meaningless.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'production-code-not-from-tests',
      comment: 'Nothing that ships may import test code.',
      severity: 'error',
      from: { path: '^(core|handlers|adapters)/', pathNot: '\\.test\\.ts$' },
      to: { path: '(^tests/|\\.test\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|\\.cache)/' },
    tsPreCompilationDeps: true,
    // TypeScript 7 has no JS API yet; swc parses the sources for the dependency graph.
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
