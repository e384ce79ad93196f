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
        path: ['^node_modules/@aws-sdk/', '^node_modules/handlebars/', '^node_modules/aws-lambda/', '^functions/(adapters|app|handlers|ports)/', '^lib/', '^bin/'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'domain-no-node-io',
      severity: 'error',
      from: { path: '^functions/domain/' },
      to: { dependencyTypes: ['core'], path: '^(fs|node:fs|fs/promises|node:fs/promises|child_process|node:child_process|net|node:net|http|node:http|https|node:https)$' },
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
      name: 'no-circular',
      severity: 'error',
      from: { path: '^functions/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
