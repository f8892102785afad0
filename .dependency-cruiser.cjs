/**
 * The layout's import rules, checked by `npm test` (dependency-cruiser).
 *
 * lambda/<pillar>/ has the same rooms in every pillar: core/ (pure logic),
 * ports.ts, usecases/, adapters/, handlers/ (portable factories), functions/
 * (Lambda entries: wiring only), contracts/ (what infrastructure and runtime
 * must agree on). lambda/config/ and lambda/shared/ serve every pillar;
 * lambda/local/ is the local runtime; lib/ is infrastructure only.
 */
const PILLARS = '(collection|unification|analytics|activation|governance)';
/** Packages that do I/O or reach AWS: never in core/ (resolved npm paths, under node_modules/). */
const IO_PACKAGES = [
  '@aws-sdk/',
  '@smithy/',
  '@aws-lambda-powertools/',
  '@middy/',
  'aws-cdk-lib/',
  'constructs/',
  'dynalite/',
  'kinesalite/',
  'esbuild/',
].map((name) => `(^|/)node_modules/${name}`);
/** Node built-ins core/ may use: pure computation only (no fs, net, process, timers). */
const PURE_BUILTINS = '^node:(crypto|util|buffer|zlib)$|^(crypto|util|buffer|zlib)$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules import each other in one direction only.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lambda-not-to-lib',
      severity: 'error',
      comment: 'Runtime code never depends on infrastructure code: lib/ is for the CDK app.',
      from: { path: '^lambda/' },
      to: { path: '^lib/' },
    },
    {
      name: 'lib-only-config-and-contracts',
      severity: 'error',
      comment:
        'lib/ reads the config and the contracts it shares with the runtime (table keys, lake layout, env names); never handlers, adapters, use cases, core or local code.',
      from: { path: '^lib/' },
      to: { path: '^lambda/', pathNot: ['^lambda/config/', `^lambda/${PILLARS}/contracts/`] },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'core/ is pure logic on plain data: it imports core, contracts, config and pure shared modules only.',
      from: { path: `^lambda/${PILLARS}/core/` },
      to: {
        path: '^lambda/',
        pathNot: ['^lambda/$1/core/', '^lambda/$1/contracts/', '^lambda/config/', '^lambda/shared/(events|normalize|kpl|random|partition-key|chunk)\\.ts$'],
      },
    },
    {
      name: 'core-no-io-packages',
      severity: 'error',
      comment: 'core/ does no I/O: no AWS SDK, no Powertools, no CDK.',
      from: { path: `^lambda/${PILLARS}/core/` },
      to: { path: IO_PACKAGES },
    },
    {
      name: 'core-no-io-builtins',
      severity: 'error',
      comment: 'core/ does no I/O: of the Node built-ins only pure ones (crypto, util, buffer, zlib).',
      from: { path: [`^lambda/${PILLARS}/core/`, '^lambda/config/', '^lambda/shared/(events|normalize|kpl|random|partition-key|chunk)\\.ts$'] },
      to: { dependencyTypes: ['core'], pathNot: PURE_BUILTINS },
    },
    {
      name: 'contracts-are-pure',
      severity: 'error',
      comment: 'contracts/ are definitions both sides import: pure, depending on core, config and other contracts only.',
      from: { path: `^lambda/${PILLARS}/contracts/` },
      to: {
        path: ['^lambda/', ...IO_PACKAGES],
        pathNot: ['^lambda/$1/core/', '^lambda/$1/contracts/', '^lambda/config/', '^lambda/shared/(events|normalize)\\.ts$'],
      },
    },
    {
      name: 'usecases-through-ports',
      severity: 'error',
      comment: 'Use cases hold the steps over ports: they never import adapters, handlers, entries or the local runtime.',
      from: { path: `^lambda/${PILLARS}/usecases/` },
      to: { path: [`^lambda/${PILLARS}/(adapters|handlers|functions)/`, '^lambda/local/'] },
    },
    {
      name: 'ports-are-interfaces',
      severity: 'error',
      comment: 'ports.ts declares interfaces over core types.',
      from: { path: `^lambda/${PILLARS}/ports\\.ts$` },
      to: { path: [`^lambda/${PILLARS}/(usecases|adapters|handlers|functions)/`, '^lambda/local/', ...IO_PACKAGES] },
    },
    {
      name: 'adapters-not-to-handlers',
      severity: 'error',
      comment: 'Adapters implement ports; they do not depend on the handlers or entries that use them.',
      from: { path: `^lambda/${PILLARS}/adapters/` },
      to: { path: [`^lambda/${PILLARS}/(handlers|functions)/`, '^lambda/local/'] },
    },
    {
      name: 'handlers-are-portable',
      severity: 'error',
      comment: 'A handler is a factory taking its dependencies: the Lambda entry and the local runtime both call it, so it imports no entry and no local code.',
      from: { path: `^lambda/${PILLARS}/handlers/` },
      to: { path: [`^lambda/${PILLARS}/functions/`, '^lambda/local/'] },
    },
    {
      name: 'entries-are-leaves',
      severity: 'error',
      comment: 'functions/ are Lambda entry points: nothing in the runtime imports them.',
      from: { path: '^(lambda|lib|bin|bench)/' },
      to: { path: `^lambda/${PILLARS}/functions/` },
    },
    {
      name: 'powertools-only-in-entries',
      severity: 'error',
      comment:
        'Logger, Metrics, Tracer and middy are the Lambda entry\'s wiring (shared/powertools.ts): handlers stay portable, so the local runtime runs them without it.',
      from: { path: '^lambda/', pathNot: [`^lambda/${PILLARS}/functions/`, '^lambda/shared/powertools\\.ts$'] },
      to: { path: ['^lambda/shared/powertools\\.ts$', '(^|/)node_modules/@aws-lambda-powertools/', '(^|/)node_modules/@middy/'] },
    },
    {
      name: 'pillars-meet-through-ports-and-contracts',
      severity: 'error',
      comment:
        "One pillar reaches another only through its ports.ts or contracts/; a Lambda entry (functions/, wiring only) may also build another pillar's adapters and bind its pure core.",
      from: { path: `^lambda/${PILLARS}/`, pathNot: `^lambda/${PILLARS}/functions/` },
      to: { path: `^lambda/${PILLARS}/`, pathNot: ['^lambda/$1/', `^lambda/${PILLARS}/(ports\\.ts$|contracts/)`] },
    },
    {
      name: 'entries-wire-other-pillars-through-adapters',
      severity: 'error',
      comment: "A Lambda entry builds another pillar's adapters (and binds its pure core) for its own handler; it never calls another pillar's use cases or handlers.",
      from: { path: `^lambda/${PILLARS}/functions/` },
      to: { path: `^lambda/${PILLARS}/(usecases|handlers)/`, pathNot: '^lambda/$1/' },
    },
    {
      name: 'shared-and-config-serve-every-pillar',
      severity: 'error',
      comment: 'config/ and shared/ are below the pillars: they import no pillar, no local code and no client.',
      from: { path: '^lambda/(config|shared)/' },
      to: { path: [`^lambda/${PILLARS}/`, '^lambda/(local|client)/'] },
    },
    {
      name: 'config-is-pure',
      severity: 'error',
      comment: 'The config schema is bundled into every function and read by the CDK app: no AWS SDK, no CDK.',
      from: { path: '^lambda/config/' },
      to: { path: ['^lambda/shared/', ...IO_PACKAGES] },
    },
    {
      name: 'runtime-not-to-local',
      severity: 'error',
      comment: 'Deployed code never depends on the local runtime (only bin/, bench/ and tests start it).',
      from: { path: '^lambda/', pathNot: '^lambda/local/' },
      to: { path: '^lambda/local/' },
    },
    {
      name: 'client-is-standalone',
      severity: 'error',
      comment: 'The profile client is what downstream apps import: no adapters, handlers, entries, local code or config.',
      from: { path: '^lambda/client/' },
      to: { path: [`^lambda/${PILLARS}/(adapters|handlers|functions|usecases)/`, '^lambda/(local|config)/'] },
    },
    {
      name: 'no-tests-in-product',
      severity: 'error',
      comment: 'Nothing but tests imports test code.',
      from: { path: '^(lambda|lib|bin|bench)/' },
      to: { path: '^test/' },
    },
    {
      name: 'runtime-not-to-dev-dependencies',
      severity: 'error',
      comment: 'What runs (Lambda bundles, the CLI, the CDK app) must not need a devDependency.',
      from: { path: '^(lambda|lib|bin)/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'], pathNot: ['^node_modules/@types/'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
