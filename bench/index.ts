/**
 * `npm run bench`: c360's figures on this machine, each with its unit, its
 * workload and, where there is one, the target beside it. It reports; it
 * asserts nothing (tests assert behaviour, never timings).
 */
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { C360Config } from '../lambda/config';
import { benchExport } from './analytics-export';
import { benchViews, withBenchLake } from './analytics-views';
import { benchBundles } from './bundles';
import { campaignsBench } from './campaigns';
import { benchCollector } from './collector';
import { benchImport } from './import';
import { benchConsumer } from './consumer';
import { benchDashboard } from './dashboard';
import { formatTable, type Figure } from './figures';
import { benchGovernance } from './governance';
import { benchMatching } from './matching';
import { propensityBench } from './propensity';
import { recommendationsBench } from './recommendations';
import { PRICES } from './prices';
import { benchRuntime } from './runtime';

export const SECTIONS = ['consumer', 'collector', 'runtime', 'bundles', 'import', 'matching', 'analytics', 'governance', 'activation'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  readonly sections: readonly Section[];
  /** People in the demo workload of the in-process consumer figure. */
  readonly people: number;
  readonly datasetsDir: string;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_DATASETS_DIR = join(ROOT, '..', 'shared', 'datasets');

/** Raw events in the lake the shipped views and the dashboard are timed over. */
const ANALYTICS_EVENTS = 1_000_000;

/** An assumed DynamoDB round-trip time inside one region, for the Lambda duration model. */
const ASSUMED_DYNAMODB_ROUND_TRIP_MS = 10;

export interface BenchReport {
  readonly machine: { cpu: string; cores: number; node: string; platform: string };
  readonly prices: typeof PRICES;
  readonly figures: Figure[];
}

export async function runBench(config: C360Config, opts: BenchOptions): Promise<BenchReport> {
  const figures: Figure[] = [];
  const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
  let consumer: Awaited<ReturnType<typeof benchConsumer>> | undefined;
  let runtime: Awaited<ReturnType<typeof benchRuntime>> | undefined;
  if (opts.sections.includes('consumer')) {
    log('consumer, in-process');
    consumer = await benchConsumer(config, opts.people);
    figures.push(...consumer.figures);
  }
  if (opts.sections.includes('collector')) {
    log('HTTP collector, in-process');
    figures.push(...(await benchCollector(config)));
  }
  if (opts.sections.includes('runtime')) {
    log('local runtime: end-to-end, cost, freshness, lookups');
    runtime = await benchRuntime(config, Math.min(opts.people, 1000));
    figures.push(...runtime.figures);
  }
  if (consumer !== undefined && runtime !== undefined) figures.push(...costPerMillion(config, consumer, runtime));
  if (opts.sections.includes('bundles')) {
    log('Lambda bundles');
    figures.push(...(await benchBundles(ROOT)));
  }
  if (opts.sections.includes('import')) {
    log('batch-file import, 1M rows');
    figures.push(...(await benchImport(config)));
  }
  if (opts.sections.includes('matching')) {
    log('batch matcher');
    for (const f of await benchMatching({ datasetsDir: opts.datasetsDir })) {
      const target = f.target;
      const met = target === undefined ? undefined : meets(f.value, target);
      figures.push({ section: 'matching', name: f.name, value: f.value, unit: f.unit, workload: f.workload, ...(target === undefined ? {} : { target }), ...(met === undefined ? {} : { met }) });
    }
  }
  if (opts.sections.includes('analytics')) {
    log('analytics: profile export, in-process');
    figures.push(...(await benchExport(config)));
    log(`analytics: shipped views and the dashboard over ${ANALYTICS_EVENTS.toLocaleString('en-US')} local events`);
    await withBenchLake(ANALYTICS_EVENTS, async (lake, generateSeconds) => {
      figures.push({ section: 'analytics', name: 'synthetic lake generated', value: generateSeconds, unit: 's', workload: `${ANALYTICS_EVENTS.toLocaleString('en-US')} raw events, DuckDB COPY` });
      figures.push(...(await benchViews(lake, ANALYTICS_EVENTS)));
      figures.push(...(await benchDashboard(lake)));
    });
  }
  if (opts.sections.includes('governance')) {
    log('governance: erasure and suppression, local runtime');
    figures.push(...(await benchGovernance(config, Math.min(opts.people, 500))));
  }
  if (opts.sections.includes('activation')) {
    log('activation: recommender vs popularity, propensity vs recency, campaign decisions');
    figures.push(...(await recommendationsBench()));
    figures.push(...(await propensityBench()));
    figures.push(...(await campaignsBench(config)));
  }
  const cpu = cpus();
  return {
    machine: { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, node: process.version, platform: `${process.platform}/${process.arch}` },
    prices: PRICES,
    figures,
  };
}

/** Reads targets written as "≥ 0.99", ">= 0.99", "≤ 60" or "<= 60". */
function meets(value: number, target: string): boolean | undefined {
  const m = /^\s*(≥|>=|≤|<=)\s*([\d.]+)/.exec(target);
  if (m === null) return undefined;
  const bound = Number(m[2]);
  return m[1] === '≥' || m[1] === '>=' ? value >= bound : value <= bound;
}

function costPerMillion(
  config: C360Config,
  consumer: NonNullable<Awaited<ReturnType<typeof benchConsumer>>>,
  runtime: NonNullable<Awaited<ReturnType<typeof benchRuntime>>>,
): Figure[] {
  const million = 1_000_000;
  const gb = (bytes: number) => bytes / 1024 ** 3;
  const memoryGb = config.unification.consumer.memorySize / 1024;
  const batches = million / consumer.eventsPerBatch;
  const seconds = million * consumer.cpuSecondsPerEvent + batches * consumer.meanRoundTripsPerBatch * (ASSUMED_DYNAMODB_ROUND_TRIP_MS / 1000);
  const lambda = seconds * memoryGb * PRICES.lambdaArmPerGbSecond + (batches / million) * PRICES.lambdaPerMillionRequests;
  const dynamodb = runtime.writeUnitsPerEvent * PRICES.dynamodbPerMillionWrites + runtime.readUnitsPerEvent * PRICES.dynamodbPerMillionReads;
  const kinesis = gb(million * consumer.meanEventBytes) * (PRICES.kinesisIngestPerGb + PRICES.kinesisRetrievalPerGb);
  const workload = `${PRICES.region} list prices (printed below); measured CPU, capacity and event size; Lambda ${config.unification.consumer.memorySize} MB arm64, ${ASSUMED_DYNAMODB_ROUND_TRIP_MS} ms assumed per DynamoDB round trip`;
  return [
    { section: 'cost', name: 'Lambda per million events', value: lambda, unit: 'USD', workload },
    { section: 'cost', name: 'DynamoDB per million events', value: dynamodb, unit: 'USD', workload },
    { section: 'cost', name: 'Kinesis per million events', value: kinesis, unit: 'USD', workload },
    { section: 'cost', name: 'total per million events', value: lambda + dynamodb + kinesis, unit: 'USD', workload },
  ];
}

export function printReport(report: BenchReport, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  const m = report.machine;
  process.stdout.write(`c360 benchmark on ${m.cores} × ${m.cpu}, Node ${m.node}, ${m.platform}\n\n`);
  process.stdout.write(formatTable(report.figures) + '\n\n');
  const p = report.prices;
  process.stdout.write(
    `Prices used (${p.region}): Kinesis on-demand $${p.kinesisIngestPerGb}/GB in + $${p.kinesisRetrievalPerGb}/GB out; ` +
      `Lambda arm64 $${p.lambdaArmPerGbSecond}/GB-s + $${p.lambdaPerMillionRequests}/M requests; ` +
      `DynamoDB on-demand $${p.dynamodbPerMillionWrites}/M writes, $${p.dynamodbPerMillionReads}/M reads.\n`,
  );
}
