// The house rules of the architecture, checked in the test suite (test/unit/architecture.test.ts).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'functions/domain is pure: no AWS SDK, no templates, no Lambda types, no file system, no config module.',
      severity: 'error',
      from: { path: '^functions/domain/' },
      to: {
        path: [
          '^node_modules/@aws-sdk/',
          '^node_modules/handlebars/',
          '^node_modules/aws-lambda/',
          '^functions/(adapters|app|handlers|ports)/',
          '^lib/',
          '^bin/',
        ],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'domain-no-node-io',
      severity: 'error',
      from: { path: '^functions/domain/' },
      to: {
        dependencyTypes: ['core'],
        path: '^(fs|node:fs|fs/promises|node:fs/promises|child_process|node:child_process|net|node:net|http|node:http|https|node:https)$',
      },
    },
    {
      name: 'app-uses-domain-and-ports-only',
      comment: 'Use cases depend on the domain and the ports, never on adapters or handlers.',
      severity: 'error',
      from: { path: '^functions/app/' },
      to: { path: ['^functions/(adapters|handlers)/', '^node_modules/@aws-sdk/', '^lib/', '^bin/'] },
    },
    {
      name: 'adapters-do-not-call-use-cases',
      severity: 'error',
      from: { path: '^functions/adapters/' },
      to: { path: ['^functions/(app|handlers)/', '^bin/'] },
    },
    {
      name: 'functions-do-not-import-infrastructure',
      comment: 'Runtime code never pulls in the CDK app or the CLI.',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: ['^lib/(?!local/)', '^bin/', '^node_modules/aws-cdk-lib/', '^node_modules/constructs/'] },
    },
    {
      name: 'edges-hold-no-retry-or-claim-loop',
      comment:
        'Handlers (functions/handlers) and CLI commands (bin/) parse input, call one use case (test/unit/one-use-case.test.ts checks that) ' +
        'and print or log. What makes work safe to repeat ' +
        '(claim-send-mark, run recording, splitting large files, the backoff) lives in functions/app and the adapters: the edges may not import ' +
        'its building blocks. ' +
        'Only the wiring modules that construct the send ledger import its adapter.',
      severity: 'error',
      from: {
        path: '^(functions/handlers|bin)/',
        pathNot: '^(functions/handlers/(runtime|mail-runtime)|bin/commands/local-mail)[.]ts$',
      },
      to: {
        path: [
          '^functions/adapters/dynamodb/send-ledger[.]ts$',
          '^functions/app/(send-once|record-run|split-large-files)[.]ts$',
          '^functions/backoff[.]ts$',
        ],
      },
    },
    {
      name: 'edges-use-ports-as-types-only',
      comment:
        'Handlers and commands see ports as types only: an error a port declares (e.g. AlertConflictError, MailError) is handled by the use case ' +
        'that retries or records it, never by a retry loop at the edge.',
      severity: 'error',
      from: { path: '^(functions/handlers|bin)/' },
      to: { path: '^functions/ports/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'cli-commands-use-the-local-stack-only',
      comment: 'CLI commands reach lib/ only for the embedded local stack (lib/local), never the CDK constructs.',
      severity: 'error',
      from: { path: '^bin/commands/' },
      to: { path: ['^lib/(?!local/)', '^node_modules/aws-cdk-lib/', '^node_modules/constructs/'] },
    },
    {
      name: 'infrastructure-does-not-import-the-cli',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^bin/' },
    },
    {
      name: 'no-circular',
      comment:
        'No import cycle that exists at run time. A cycle through a type-only import is allowed: it is erased by the compiler ' +
        '(the alert rules name their ids, and the alert types take the id union from the rule list).',
      severity: 'error',
      from: { path: '^(functions|bin)/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
  },
};
