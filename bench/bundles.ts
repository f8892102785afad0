/**
 * Each Lambda bundle built as the C360Function construct builds it (esbuild,
 * ESM, minified, what the runtime provides left out), its size, and its module
 * initialisation time in a fresh Node process.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ANALYTICS_ENV } from '../lambda/analytics/contracts/env';
import { COLLECTION_ENV } from '../lambda/collection/contracts/env';
import { UNIFICATION_ENV } from '../lambda/unification/contracts/env';
import { atMost, percentile, type Figure } from './figures';

const ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bench';

/** Lambda entry points (`lambda/<pillar>/functions/<name>.ts`) and the environment they read at load. */
const ENTRIES: Record<string, { pillar: string; env: Record<string, string> }> = {
  'unify-consumer': { pillar: 'unification', env: { [UNIFICATION_ENV.table]: 'bench', [UNIFICATION_ENV.lakeBucket]: 'bench' } },
  'profile-api': { pillar: 'unification', env: { [UNIFICATION_ENV.table]: 'bench' } },
  'segment-changes': { pillar: 'unification', env: { [UNIFICATION_ENV.table]: 'bench', [UNIFICATION_ENV.eventBus]: 'bench' } },
  'recheck-profiles': { pillar: 'unification', env: { [UNIFICATION_ENV.table]: 'bench' } },
  'profile-snapshot': {
    pillar: 'unification',
    env: { [UNIFICATION_ENV.table]: 'bench', [UNIFICATION_ENV.lakeBucket]: 'bench', [UNIFICATION_ENV.matchingWorkflow]: 'bench', [UNIFICATION_ENV.snapshotSegments]: '4' },
  },
  'apply-matches': { pillar: 'unification', env: { [UNIFICATION_ENV.table]: 'bench' } },
  'file-import': { pillar: 'collection', env: { [COLLECTION_ENV.stream]: 'bench', [COLLECTION_ENV.landingBucket]: 'bench' } },
  collector: { pillar: 'collection', env: { [COLLECTION_ENV.stream]: 'bench', [COLLECTION_ENV.writeKeysSecret]: ARN } },
  'export-profiles': {
    pillar: 'analytics',
    env: {
      [ANALYTICS_ENV.table]: 'bench',
      [ANALYTICS_ENV.curatedBucket]: 'bench',
      [ANALYTICS_ENV.glueDatabase]: 'bench',
      [ANALYTICS_ENV.exportSegments]: '4',
      [ANALYTICS_ENV.exportRetentionDays]: '7',
    },
  },
  'athena-views': { pillar: 'analytics', env: {} },
  'redshift-sql': { pillar: 'analytics', env: {} },
};

export async function benchBundles(root: string): Promise<Figure[]> {
  // The construct's own externals and banner, so the two builds can't drift apart
  // (loaded here: aws-cdk-lib is too heavy for the other bench sections to pay for).
  const { BUNDLE_BUILD_OPTIONS } = await import('../lib/constructs/common/c360-function');
  const figures: Figure[] = [];
  const outDir = join(root, '.c360', 'bench-bundles');
  await rm(outDir, { recursive: true, force: true });
  for (const [name, { pillar, env }] of Object.entries(ENTRIES)) {
    const outfile = join(outDir, name, 'index.mjs');
    await mkdir(join(outDir, name), { recursive: true });
    await build({
      entryPoints: [join(root, 'lambda', pillar, 'functions', `${name}.ts`)],
      outfile,
      ...BUNDLE_BUILD_OPTIONS,
      mainFields: [...BUNDLE_BUILD_OPTIONS.mainFields],
      external: [...BUNDLE_BUILD_OPTIONS.external],
      logLevel: 'error',
    });
    const size = (await stat(outfile)).size / 1024;
    const workload = 'minified ESM bundle, AWS SDK from the Lambda runtime';
    figures.push({ section: 'bundles', name: `${name} size`, value: size, unit: 'KB', workload, ...atMost(size, 300) });
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const out = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now() - t);`],
        {
          env: {
            ...process.env,
            ...env,
            AWS_REGION: 'us-east-1',
            // As in Lambda, so that Tracer's initialisation (HTTP patching, SDK client capture) is counted.
            AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
            POWERTOOLS_SERVICE_NAME: name,
            POWERTOOLS_METRICS_NAMESPACE: 'c360',
            POWERTOOLS_DEV: 'false',
          },
          encoding: 'utf8',
        },
      );
      samples.push(Number(out.trim().split('\n').pop()));
    }
    samples.sort((a, b) => a - b);
    figures.push({ section: 'bundles', name: `${name} module init, median of 5`, value: percentile(samples, 50), unit: 'ms', workload: `${workload}; import in a fresh Node ${process.version} process on this machine` });
  }
  await rm(outDir, { recursive: true, force: true });
  return figures;
}
