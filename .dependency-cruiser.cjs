/**
 * The allowed direction of imports, written down once. QA Loop's folders are floors: a file may
 * import from its own folder and from the floors below it, never from a floor above. `npm run
 * lint:imports` checks every file against these rules (CI runs it); ARCHITECTURE.md explains them.
 *
 * Top floor first.
 */
const FLOORS = [
  'cli', // the qaloop command
  'demo', // the demo council, built through the services like any council's data
  'web', // Fastify app: plugins, routes (thin), view models
  'jobs', // queue workers: imports, messages
  'reports', // documents and dashboards made from metrics
  'services', // use cases: one transaction each
  'metrics', // the counting engine every report and dashboard reads
  'import', // readers of each file format, and the snapshot writer
  'data', // the database: connection, schema, migrations, transactions, the job queue
  'platform', // configuration, logging, mail
  'domain', // pure rules and the words for things: no I/O
];

const floorRules = FLOORS.map((floor, i) => {
  const above = FLOORS.slice(0, i);
  return above.length === 0
    ? null
    : {
        name: `${floor}-not-up`,
        comment: `src/${floor} imports only from its own floor and those below it (${FLOORS.slice(i + 1).join(', ')})`,
        severity: 'error',
        from: { path: `^src/${floor}/`, pathNot: '\\.test\\.ts$' },
        to: { path: `^src/(${above.join('|')})/` },
      };
}).filter(Boolean);

module.exports = {
  forbidden: [
    ...floorRules,
    {
      name: 'no-circular',
      comment: 'no two files import each other, directly or through others',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      comment: 'src/domain holds rules without I/O: no database, files, network or framework',
      severity: 'error',
      from: { path: '^src/domain/', pathNot: '\\.test\\.ts$' },
      to: {
        path: '^(node:)?(fs|fs/promises|net|http|https|child_process)$|kysely|^pg$|pglite|fastify|pg-boss|nodemailer',
      },
    },
    {
      name: 'routes-hold-no-queries',
      comment:
        'src/web parses, calls a service and renders: queries belong to src/services, src/metrics or src/data',
      severity: 'error',
      from: { path: '^src/web/', pathNot: '\\.test\\.ts$' },
      to: { path: 'kysely|^pg$|pglite' },
    },
    {
      name: 'only-the-command-and-tests-use-the-demo',
      comment: 'the demo council is loaded by the qaloop command; nothing else of the product depends on it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|demo)/|\\.test\\.ts$' },
      to: { path: '^src/demo/' },
    },
    {
      name: 'no-src-to-tests',
      comment: 'the product never imports its tests or their helpers',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^test/|\\.test\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules and node's own modules stay in the graph as leaves, so the rules above can name them
    exclude: { path: '^(public|views|scripts)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
