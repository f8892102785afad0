/**
 * The profile export (analytics) on N profiles built in memory from a seeded
 * workload: each shopper has web, mobile, store and CRM events, the config's
 * computed traits, segments, and a share of merges and rejected identifiers.
 * The export runs through the same use case as the Lambda function and the
 * local runtime (customer records → rows → Parquet), with an in-memory source
 * split into the config's scan segments and a sink that counts bytes, so the
 * figures measure the export and not DynamoDB or S3.
 *
 * Reported: rows/s and profiles/s of the export, Parquet bytes per profile,
 * and a reference measured in the same run on the same records: JSON
 * (JSON.stringify of each customer record, one line each), its bytes per
 * profile and the ratio of the two sizes.
 *
 * Run directly: `npx tsx bench/analytics-export.ts [profiles]` prints a table.
 */
import { fileURLToPath } from 'node:url';
import { parquetEncoder } from '../lambda/analytics/adapters/parquet-encoder';
import { computedTraitColumns, type ExportTable } from '../lambda/analytics/contracts/curated';
import type { ExportSink, PartitionCatalog, ProfileSource, ScanSegment, SourcedProfile } from '../lambda/analytics/ports';
import { exportProfiles } from '../lambda/analytics/usecases/export-profiles';
import type { C360Config } from '../lambda/config';
import { REVENUE_SCALE, type UnifyEvent } from '../lambda/shared/events';
import { seededRandom } from '../lambda/shared/random';
import { customerRecordReader } from '../lambda/unification/contracts/customer-record';
import { compileDerivations, refreshProfile } from '../lambda/unification/core/profile/derive';
import { regionEnricher } from '../lambda/unification/core/profile/enrich';
import { applyEvents, emptyProfile, mergeProfiles, recordRejected, type Profile } from '../lambda/unification/core/profile/profile';
import { formatTable, type Figure } from './figures';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1, 12);
const FIRST = ['Ana', 'Bo', 'Cy', 'Di', 'Ed', 'Fi', 'Gi', 'Hal', 'Ivy', 'Jo'];
const LAST = ['Lee', 'Ng', 'Oh', 'Park', 'Fox', 'Diaz', 'Kim', 'Ruiz', 'Shaw', 'Wu'];
const CITIES: Array<[string, string, string]> = [
  ['Portland', 'US', '97201'],
  ['London', 'GB', 'SW1A 1AA'],
  ['Lyon', 'FR', '69001'],
  ['Porto', 'PT', '4000-001'],
];
const CHANNELS = ['web', 'mobile', 'store', 'crm', 'support'];

/** N profiles, the same for the same N. */
export function benchProfiles(config: C360Config, n: number): Profile[] {
  const random = seededRandom(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
  const derivations = compileDerivations(config.unification.computedTraits, config.unification.segments, [
    regionEnricher(config.unification.enrichment.regions),
  ]);
  const fold = { compiled: derivations.computedTraits, nowMs: NOW };
  const out: Profile[] = [];
  for (let i = 0; i < n; i++) {
    const id = `p-${String(i).padStart(7, '0')}`;
    const first = pick(FIRST);
    const last = pick(LAST);
    const [city, country, postalCode] = pick(CITIES);
    const email = `${first}.${last}.${i}@example.org`.toLowerCase();
    const events: UnifyEvent[] = [];
    const at = (daysAgo: number) => NOW - Math.floor(daysAgo * DAY);
    const ev = (k: number, ts: number, fields: Partial<UnifyEvent>): UnifyEvent => ({
      messageId: `${id}-${k}`,
      type: 'track',
      timestamp: new Date(ts).toISOString(),
      ts,
      identifiers: [{ type: 'userId', value: `u-${i}` }],
      traits: {},
      ...fields,
    });
    events.push(
      ev(0, at(200 * random()), {
        type: 'identify',
        channel: 'crm',
        identifiers: [
          { type: 'userId', value: `u-${i}` },
          { type: 'email', value: email },
        ],
        traits: { email, firstName: first, lastName: last, phone: `+1503555${String(i % 10000).padStart(4, '0')}`, address: { city, country, postalCode }, loyaltyTier: pick(['bronze', 'silver', 'gold']) },
      }),
    );
    const views = 2 + Math.floor(random() * 8);
    for (let k = 0; k < views; k++) events.push(ev(1 + k, at(120 * random()), { name: 'Product Viewed', channel: pick(CHANNELS), properties: { sku: `sku-${Math.floor(random() * 500)}` } }));
    const orders = Math.floor(random() * 4);
    for (let k = 0; k < orders; k++) {
      events.push(ev(100 + k, at(150 * random()), { name: 'Order Completed', channel: pick(['web', 'store', 'mobile']), revenue: Math.round(random() * 300 * REVENUE_SCALE) }));
    }
    if (random() < 0.3) events.push(ev(200, at(60 * random()), { name: 'Ticket Closed', channel: 'support', properties: { csat: 1 + Math.floor(random() * 5) } }));
    let p = applyEvents(emptyProfile(id, new Date(at(200)).toISOString()), events, NOW / 1000, fold).profile;
    if (random() < 0.2) {
      const anon = applyEvents(
        emptyProfile(`${id}-web`, new Date(at(220)).toISOString()),
        [ev(300, at(210), { name: 'Page Viewed', type: 'page', channel: 'web', identifiers: [{ type: 'anonymousId', value: `a-${i}` }] })],
        NOW / 1000,
        fold,
      ).profile;
      p = mergeProfiles(p, anon, {
        at: new Date(at(100)).toISOString(),
        survivor: id,
        merged: anon.profileId,
        rule: 'shared-identifier',
        identifier: { type: 'anonymousId', value: `a-${i}` },
        matchedWith: { type: 'userId', value: `u-${i}` },
        messageId: `${id}-link`,
      }, fold);
    }
    if (random() < 0.05) p = recordRejected(p, [{ type: 'email', value: 'test@example.com', reason: 'blocked value', messageId: `${id}-r`, at: new Date(at(10)).toISOString() }]);
    out.push(refreshProfile(p, derivations, NOW));
  }
  return out;
}

class MemorySource implements ProfileSource {
  constructor(private readonly profiles: readonly Profile[]) {}
  async *scan({ segment, totalSegments }: ScanSegment): AsyncIterable<SourcedProfile> {
    for (let i = segment; i < this.profiles.length; i += totalSegments) yield { kind: 'profile', profile: this.profiles[i] as Profile };
  }
}

class CountingSink implements ExportSink {
  bytes = 0;
  files = 0;
  async put(_key: string, body: Uint8Array): Promise<void> {
    this.bytes += body.byteLength;
    this.files++;
  }
}

const noCatalog: PartitionCatalog = {
  register: async () => undefined,
  dropOlderThan: async () => 0,
  discard: async () => undefined,
};

export async function benchExport(config: C360Config, profiles = 20_000): Promise<Figure[]> {
  const built = benchProfiles(config, profiles);
  const record = customerRecordReader(config);
  const segments = config.analytics.export.segments;
  const workload = `${profiles} profiles in memory (seeded), ${config.unification.computedTraits ? Object.keys(config.unification.computedTraits).length : 0} computed traits, ${segments} scan segments, Parquet (snappy)`;

  // Warm-up on a slice, so the figures are not the JIT's.
  await exportProfiles({ source: new MemorySource(built.slice(0, 500)), sink: new CountingSink(), catalog: noCatalog, encoder: parquetEncoder, record, computedColumns: computedTraitColumns(config), totalSegments: segments, retentionDays: 7, startedAtMs: NOW });

  const sink = new CountingSink();
  const t0 = performance.now();
  const summary = await exportProfiles({
    source: new MemorySource(built),
    sink,
    catalog: noCatalog,
    encoder: parquetEncoder,
    record,
    computedColumns: computedTraitColumns(config),
    totalSegments: segments,
    retentionDays: 7,
    startedAtMs: NOW,
  });
  const seconds = (performance.now() - t0) / 1000;
  const rows = Object.values(summary.rows).reduce((a, b) => a + b, 0);

  // Reference, same run, same records: one JSON line per customer record.
  const t1 = performance.now();
  let jsonBytes = 0;
  for (const p of built) jsonBytes += Buffer.byteLength(JSON.stringify(record(p, NOW))) + 1;
  const jsonSeconds = (performance.now() - t1) / 1000;

  const perTable = (Object.entries(summary.rows) as Array<[ExportTable, number]>).map(([t, n]) => `${t} ${n}`).join(', ');
  return [
    { section: 'analytics', name: 'export rows/s', value: rows / seconds, unit: 'rows/s', workload: `${workload}; ${rows} rows (${perTable})` },
    { section: 'analytics', name: 'export profiles/s', value: summary.profiles / seconds, unit: 'profiles/s', workload },
    { section: 'analytics', name: 'Parquet bytes per profile', value: sink.bytes / profiles, unit: 'B', workload: `${workload}; ${sink.files} files, ${sink.bytes} bytes` },
    { section: 'analytics', name: 'reference: JSON bytes per profile', value: jsonBytes / profiles, unit: 'B', workload: 'JSON.stringify of the same customer records, one line each, same run' },
    { section: 'analytics', name: 'Parquet / JSON size', value: sink.bytes / jsonBytes, unit: 'ratio', workload: 'all five tables in Parquet against the records as JSON lines' },
    { section: 'analytics', name: 'reference: JSON records/s', value: profiles / jsonSeconds, unit: 'profiles/s', workload: 'customer record + JSON.stringify, same run' },
    { section: 'analytics', name: 'export time / JSON time', value: seconds / jsonSeconds, unit: 'ratio', workload: 'the whole export (rows, Parquet, 5 tables) against JSON.stringify of the records' },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { config } = await import('../lambda/config/load');
  const n = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  console.log(formatTable(await benchExport(config, n)));
}
