/**
 * Each Lambda bundle built as the C360Function construct builds it (esbuild,
 * ESM, minified, AWS SDK left to the runtime), its size, and its module
 * initialisation time in a fresh Node process.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { atMost, percentile, type Figure } from './figures';

/** Lambda entry points (`lambda/<pillar>/functions/<name>.ts`) and the environment they read at load. */
const ENTRIES: Record<string, { pillar: string; env: Record<string, string> }> = {
  'unify-consumer': { pillar: 'unification', env: { TABLE_NAME: 'bench', LAKE_BUCKET: 'bench' } },
  'profile-api': { pillar: 'unification', env: { TABLE_NAME: 'bench' } },
  'file-import': { pillar: 'collection', env: { STREAM_NAME: 'bench', LANDING_BUCKET: 'bench' } },
  collector: {
    pillar: 'collection',
    env: { STREAM_NAME: 'bench', WRITE_KEYS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bench' },
  },
};

export async function benchBundles(root: string): Promise<Figure[]> {
  const figures: Figure[] = [];
  const outDir = join(root, '.c360', 'bench-bundles');
  await rm(outDir, { recursive: true, force: true });
  for (const [name, { pillar, env }] of Object.entries(ENTRIES)) {
    const outfile = join(outDir, name, 'index.mjs');
    await mkdir(join(outDir, name), { recursive: true });
    await build({
      entryPoints: [join(root, 'lambda', pillar, 'functions', `${name}.ts`)],
      outfile,
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      mainFields: ['module', 'main'],
      // As the C360Function builds them: the runtime provides the SDK (and, with the CDK flag
      // @aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages, its @smithy packages).
      external: ['@aws-sdk/*', '@smithy/*'],
      banner: { js: "import { createRequire as __c360CreateRequire } from 'node:module'; const require = __c360CreateRequire(import.meta.url);" },
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
        { env: { ...process.env, ...env, AWS_REGION: 'us-east-1', POWERTOOLS_SERVICE_NAME: name, POWERTOOLS_METRICS_NAMESPACE: 'c360', POWERTOOLS_DEV: 'false' }, encoding: 'utf8' },
      );
      samples.push(Number(out.trim().split('\n').pop()));
    }
    samples.sort((a, b) => a - b);
    figures.push({ section: 'bundles', name: `${name} module init, median of 5`, value: percentile(samples, 50), unit: 'ms', workload: `${workload}; import in a fresh Node ${process.version} process on this machine` });
  }
  await rm(outDir, { recursive: true, force: true });
  return figures;
}
