/**
 * A small, hand-built data dir for the analytics views: a raw lake (JSON
 * lines, gzip) of four sources over four days, quarantine entries of both
 * kinds, two curated exports (Parquet, written with DuckDB; the views must
 * read the later one) and a bus file of segment changes, laid out as
 * `prepareDataDir` lays out the local runtime's folder. Every number in
 * FIXTURE_EXPECTED is worked out by hand from the rows below (see the
 * comments), not by running the views.
 *
 * The story: seven current profiles. Ana browsed anonymously (anonymousId
 * a1) before she identified as u1 and used the app (device d1): the latest
 * identity graph holds a1, d1 and u1 under p-ana, so her anonymous history
 * is hers (in the older export a1 was still its own profile, p-a1). Bo
 * ordered on the web as a2 and in the app as u2 (joined by an alias). The
 * store knows p-store by two receipts, p-dee by one; p-eve ordered three
 * times on the web; p-crm is only in the CRM; p-anon never identified.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  IDENTITY_COLUMNS,
  IDENTITY_MERGE_COLUMNS,
  PROFILE_COLUMNS,
  REJECTED_IDENTIFIER_COLUMNS,
  SEGMENT_MEMBERSHIP_COLUMNS,
  exportObjectKey,
  type CuratedColumn,
  type ExportTable,
} from '../../../lambda/analytics/contracts/curated';

export interface FixtureLake {
  readonly dataDir: string;
  readonly lakeDir: string;
  readonly curatedDir: string;
  readonly busFile: string;
}

export const OLD_EXPORT_ID = '20261101T000000Z';
export const LATEST_EXPORT_ID = '20261110T000000Z';

type Json = Record<string, unknown>;

/** A Segment event as the lake holds it; receivedAt is the event time plus two seconds unless given. */
function ev(e: Json & { messageId: string; timestamp: string; channel?: string; source: string }): Json {
  const { channel, source, ...rest } = e;
  const receivedAt = (rest.receivedAt as string | undefined) ?? new Date(Date.parse(e.timestamp) + 2000).toISOString();
  const context: Json = { ...(rest.context as Json | undefined), source, ...(channel === undefined ? {} : { channel }) };
  return { ...rest, receivedAt, context };
}

// web --------------------------------------------------------------------------------------------
const E1 = ev({ type: 'page', messageId: 'e1', anonymousId: 'a1', timestamp: '2026-10-30T09:00:00.000Z', name: 'Home', category: 'Landing', properties: { url: 'https://shop.example/' }, channel: 'web', source: 'web' });
const E2 = ev({ type: 'track', messageId: 'e2', anonymousId: 'a1', event: 'Product Viewed', timestamp: '2026-10-30T09:05:00.000Z', properties: { sku: 'S1' }, channel: 'web', source: 'web' });
const E3 = ev({ type: 'identify', messageId: 'e3', anonymousId: 'a1', userId: 'u1', timestamp: '2026-11-02T10:00:00.000Z', traits: { email: 'ana@example.com' }, channel: 'web', source: 'web' });
const E4 = ev({
  type: 'track', messageId: 'e4', anonymousId: 'a1', userId: 'u1', event: 'Order Completed', timestamp: '2026-11-02T10:10:00.000Z',
  properties: { order_id: 'W-1', revenue: 120, currency: 'USD', products: [{ sku: 'S1', price: 120, quantity: 1 }] }, channel: 'web', source: 'web',
});
/** e4 delivered again a week later: the event tables keep the first copy only. */
const E6 = { ...E4, receivedAt: '2026-11-09T14:00:00.000Z' };
/** Written with a +01:00 offset: 2026-11-02T23:30Z, so a day earlier in UTC than the partition it is filed in. */
const E5 = ev({ type: 'page', messageId: 'e5', anonymousId: 'a3', timestamp: '2026-11-03T00:30:00+01:00', receivedAt: '2026-11-02T23:30:02.000Z', name: 'Sale', context: { page: { url: 'https://shop.example/sale' } }, channel: 'web', source: 'web' });
/** Revenue as properties.total, a numeric string. */
const E7 = ev({ type: 'track', messageId: 'e7', anonymousId: 'a2', event: 'Order Completed', timestamp: '2026-11-09T12:00:00.000Z', properties: { orderId: 'W-2', total: '30.5', currency: 'USD' }, channel: 'web', source: 'web' });
/** No context.channel. */
const E16 = ev({ type: 'track', messageId: 'e16', anonymousId: 'a3', event: 'Newsletter Opened', timestamp: '2026-11-09T10:00:00.000Z', source: 'web' });
const E18 = ev({ type: 'track', messageId: 'e18', userId: 'u7', event: 'Order Completed', timestamp: '2026-10-30T18:00:00.000Z', properties: { order_id: 'W-7a', revenue: 60, currency: 'USD' }, channel: 'web', source: 'web' });
const E19 = ev({ type: 'track', messageId: 'e19', userId: 'u7', event: 'Order Completed', timestamp: '2026-11-02T18:00:00.000Z', properties: { order_id: 'W-7b', revenue: 70, currency: 'USD' }, channel: 'web', source: 'web' });
const E20 = ev({ type: 'track', messageId: 'e20', userId: 'u7', event: 'Order Completed', timestamp: '2026-11-03T18:00:00.000Z', properties: { order_id: 'W-7c', revenue: 80, currency: 'USD' }, channel: 'web', source: 'web' });
// app --------------------------------------------------------------------------------------------
const E8 = ev({ type: 'screen', messageId: 'e8', userId: 'u1', anonymousId: 'd1', name: 'Home', timestamp: '2026-11-03T12:00:00.000Z', channel: 'mobile', source: 'app' });
const E9 = ev({ type: 'alias', messageId: 'e9', userId: 'u2', previousId: 'a2', timestamp: '2026-11-03T13:00:00.000Z', channel: 'mobile', source: 'app' });
const E10 = ev({ type: 'identify', messageId: 'e10', userId: 'u2', timestamp: '2026-11-03T13:01:00.000Z', traits: { email: 'bo@example.com' }, channel: 'mobile', source: 'app' });
const E11 = ev({ type: 'track', messageId: 'e11', userId: 'u2', event: 'Order Completed', timestamp: '2026-11-09T15:00:00.000Z', properties: { order_id: 'A-11', revenue: 400, currency: 'EUR' }, channel: 'mobile', source: 'app' });
// pos --------------------------------------------------------------------------------------------
const E12 = ev({ type: 'track', messageId: 'e12', anonymousId: 'r4', event: 'Order Completed', timestamp: '2026-11-02T16:00:00.000Z', properties: { orderId: 'R-4', total: 45, currency: 'USD' }, context: { traits: { phone: '+15035550104' } }, channel: 'store', source: 'pos' });
const E13 = ev({ type: 'track', messageId: 'e13', anonymousId: 'r4b', event: 'Order Completed', timestamp: '2026-11-09T11:00:00.000Z', properties: { orderId: 'R-5', total: 455, currency: 'USD' }, channel: 'store', source: 'pos' });
const E17 = ev({ type: 'track', messageId: 'e17', anonymousId: 'r6', event: 'Order Completed', timestamp: '2026-11-09T09:30:00.000Z', properties: { orderId: 'R-6', total: 20, currency: 'USD' }, channel: 'store', source: 'pos' });
// crm --------------------------------------------------------------------------------------------
const E14 = ev({ type: 'identify', messageId: 'e14', userId: 'u5', timestamp: '2026-10-30T20:00:00.000Z', traits: { email: 'cy@example.com', phone: '+15035550105', firstName: 'Cy' }, channel: 'crm', source: 'crm' });
/** A userId the identity graph does not hold (yet): no profile_id. */
const E15 = ev({ type: 'identify', messageId: 'e15', userId: 'u-unknown', timestamp: '2026-11-09T09:00:00.000Z', traits: { firstName: 'Zed' }, channel: 'crm', source: 'crm' });

/** The raw lake's files: path under the lake → its events. */
const RAW_FILES: Record<string, Json[]> = {
  'raw/source=web/dt=2026-10-30/shard-0001.jsonl.gz': [E1, E2, E18],
  'raw/source=web/dt=2026-11-02/shard-0002.jsonl.gz': [E3, E4, E19],
  'raw/source=web/dt=2026-11-03/shard-0003.jsonl.gz': [E5, E20],
  'raw/source=web/dt=2026-11-09/shard-0004.jsonl.gz': [E7, E16],
  'raw/source=web/dt=2026-11-02/shard-0009.jsonl.gz': [E6],
  'raw/source=app/dt=2026-11-03/shard-0005.jsonl.gz': [E8, E9, E10],
  'raw/source=app/dt=2026-11-09/shard-0006.jsonl.gz': [E11],
  'raw/source=pos/dt=2026-11-02/shard-0007.jsonl.gz': [E12],
  'raw/source=pos/dt=2026-11-09/shard-0008.jsonl.gz': [E13, E17],
  'raw/source=crm/dt=2026-10-30/shard-0010.jsonl.gz': [E14],
  'raw/source=crm/dt=2026-11-09/shard-0011.jsonl.gz': [E15],
};

const NO_ID = 'an event needs a userId or an anonymousId';
/** Quarantine files: the consumers' entries (plain .jsonl) and a Firehose error record (.jsonl.gz). */
const QUARANTINE_FILES: Record<string, Json[]> = {
  'quarantine/source=web/dt=2026-11-02/shard-0002-100.jsonl': [
    { reason: NO_ID, source: 'web', sequenceNumber: '100', partitionKey: 'k', receivedAt: '2026-11-02T10:00:05.000Z', data: '{"type":"track"}', encoding: 'utf8' },
    { reason: NO_ID, source: 'web', sequenceNumber: '101', subSequence: 2, partitionKey: 'k', receivedAt: '2026-11-02T10:00:06.000Z', data: '{"type":"page"}', encoding: 'utf8' },
  ],
  'quarantine/source=app/dt=2026-11-03/shard-0005-200.jsonl': [
    { reason: 'schema: event must be a string', source: 'app', sequenceNumber: '200', partitionKey: 'k', receivedAt: '2026-11-03T13:00:05.000Z', data: '{"type":"track","event":7}', encoding: 'utf8' },
  ],
  'quarantine/source=firehose/dt=2026-11-03/processing-failed-shard-0003-300.jsonl.gz': [
    {
      attemptsMade: 1, arrivalTimestamp: 1793750400000, errorCode: 'DynamicPartitioning.MetadataExtractionFailed',
      errorMessage: 'the record is not JSON: Unexpected token', attemptEndingTimestamp: 1793750401000, rawData: 'bm90IGpzb24=', sequenceNumber: '300',
    },
  ],
};

/** A profile row of the curated export: the fixed columns, plus one computed trait (`computed_lifetime_orders`). */
function profile(p: Partial<Record<string, unknown>> & { profile_id: string }): Json {
  return {
    created_at: '2026-10-30T09:00:00.000Z', updated_at: '2026-11-09T16:00:00.000Z', first_seen: null, last_seen: null,
    event_count: 0, order_count: 0, total_revenue: 0, user_id: null, email: null, phone: null, first_name: null, last_name: null,
    city: null, country: null, postcode: null, identifier_count: 1, merged_from_count: 0, segment_count: 0,
    channels: '{}', traits: '{}', enriched: '{}', consent: null, computed_lifetime_orders: null, ...p,
  };
}

const LATEST_PROFILES: Json[] = [
  profile({ profile_id: 'p-ana', user_id: 'u1', email: 'ana@example.com', phone: '+15035550101', first_name: 'Ana', last_name: 'Lee', city: 'Portland', country: 'US', first_seen: '2026-10-30T09:00:00.000Z', last_seen: '2026-11-03T12:00:00.000Z', event_count: 5, order_count: 1, total_revenue: 120, identifier_count: 4, merged_from_count: 1, segment_count: 2, consent: '{"email":true}', computed_lifetime_orders: 1 }),
  profile({ profile_id: 'p-bo', user_id: 'u2', email: 'bo@example.com', first_name: 'Bo', city: 'Salem', country: 'US', first_seen: '2026-11-03T13:00:00.000Z', last_seen: '2026-11-09T15:00:00.000Z', event_count: 4, order_count: 2, total_revenue: 430.5, identifier_count: 3, merged_from_count: 1, segment_count: 2 }),
  profile({ profile_id: 'p-anon', first_seen: '2026-11-02T23:30:00.000Z', last_seen: '2026-11-09T10:00:00.000Z', event_count: 2, identifier_count: 1 }),
  profile({ profile_id: 'p-store', phone: '+15035550104', first_seen: '2026-11-02T16:00:00.000Z', last_seen: '2026-11-09T11:00:00.000Z', event_count: 2, order_count: 2, total_revenue: 500, identifier_count: 3, merged_from_count: 1, segment_count: 1, consent: '{"sms":false}' }),
  profile({ profile_id: 'p-crm', user_id: 'u5', email: 'cy@example.com', phone: '+15035550105', first_name: 'Cy', country: 'CA', first_seen: '2026-10-30T20:00:00.000Z', last_seen: '2026-10-30T20:00:00.000Z', event_count: 1, total_revenue: 1500, identifier_count: 3 }),
  profile({ profile_id: 'p-dee', phone: '+15035550106', first_name: 'Dee', first_seen: '2026-11-09T09:30:00.000Z', last_seen: '2026-11-09T09:30:00.000Z', event_count: 1, order_count: 1, total_revenue: 20, identifier_count: 2 }),
  profile({ profile_id: 'p-eve', user_id: 'u7', email: 'eve@example.com', first_name: 'Eve', first_seen: '2026-10-30T18:00:00.000Z', last_seen: '2026-11-03T18:00:00.000Z', event_count: 3, order_count: 3, total_revenue: 210, identifier_count: 2, segment_count: 1, consent: '{"email":true}' }),
];

const OLD_PROFILES: Json[] = [
  profile({ profile_id: 'p-ana', user_id: 'u1', email: 'ana@example.com', total_revenue: 60, identifier_count: 2 }),
  profile({ profile_id: 'p-a1', total_revenue: 0, identifier_count: 1 }),
  profile({ profile_id: 'p-gone', email: 'gone@example.com', total_revenue: 2000, identifier_count: 9, event_count: 99 }),
];

const id = (profile_id: string, identifier_type: string, identifier_value: string) => ({ profile_id, identifier_type, identifier_value });
const LATEST_IDENTITIES: Json[] = [
  id('p-ana', 'userId', 'u1'), id('p-ana', 'anonymousId', 'a1'), id('p-ana', 'anonymousId', 'd1'), id('p-ana', 'email', 'ana@example.com'),
  id('p-bo', 'userId', 'u2'), id('p-bo', 'anonymousId', 'a2'), id('p-bo', 'email', 'bo@example.com'),
  id('p-anon', 'anonymousId', 'a3'),
  id('p-store', 'anonymousId', 'r4'), id('p-store', 'anonymousId', 'r4b'), id('p-store', 'phone', '+15035550104'),
  id('p-crm', 'userId', 'u5'), id('p-crm', 'email', 'cy@example.com'), id('p-crm', 'phone', '+15035550105'),
  id('p-dee', 'anonymousId', 'r6'), id('p-dee', 'phone', '+15035550106'),
  id('p-eve', 'userId', 'u7'), id('p-eve', 'email', 'eve@example.com'),
];
/** Before the merge: a1 was its own profile, and a2 was Bo's placeholder. */
const OLD_IDENTITIES: Json[] = [id('p-ana', 'userId', 'u1'), id('p-a1', 'anonymousId', 'a1'), id('p-gone', 'anonymousId', 'a2'), id('p-gone', 'userId', 'u2')];

function merge(m: Json): Json {
  return {
    identifier_type: null, identifier_value: null, matched_with_type: null, matched_with_value: null, message_id: null, match_id: null, match_rule: null, ...m,
  };
}
const LATEST_MERGES: Json[] = [
  merge({ profile_id: 'p-ana', merged_profile_id: 'p-a1', rule: 'shared-identifier', identifier_type: 'anonymousId', identifier_value: 'a1', matched_with_type: 'userId', matched_with_value: 'u1', message_id: 'e3', merged_at: '2026-11-02T10:00:03.000Z' }),
  merge({ profile_id: 'p-bo', merged_profile_id: 'p-a2', rule: 'shared-identifier', identifier_type: 'anonymousId', identifier_value: 'a2', matched_with_type: 'userId', matched_with_value: 'u2', message_id: 'e9', merged_at: '2026-11-03T13:00:03.000Z' }),
  merge({ profile_id: 'p-store', merged_profile_id: 'p-r4b', rule: 'matched', identifier_type: 'anonymousId', identifier_value: 'r4b', match_id: 'g1', match_rule: 'phone', merged_at: '2026-11-09T11:00:05.000Z' }),
];
const OLD_MERGES: Json[] = [merge({ profile_id: 'p-gone', merged_profile_id: 'p-x', rule: 'placeholder', merged_at: '2026-10-31T08:00:00.000Z' })];

const member = (profile_id: string, segment: string, entered_at: string) => ({ profile_id, segment, entered_at });
const LATEST_MEMBERSHIP: Json[] = [
  member('p-ana', 'vip', '2026-11-02T10:10:03.000Z'), member('p-bo', 'vip', '2026-11-09T15:00:03.000Z'),
  member('p-ana', 'buyers', '2026-11-02T10:10:03.000Z'), member('p-bo', 'buyers', '2026-11-09T12:00:03.000Z'),
  member('p-store', 'buyers', '2026-11-02T16:00:03.000Z'), member('p-eve', 'buyers', '2026-10-30T18:00:05.000Z'),
];
const OLD_MEMBERSHIP: Json[] = [member('p-gone', 'vip', '2026-10-31T08:00:00.000Z'), member('p-gone', 'lapsed', '2026-10-31T08:00:00.000Z')];

const rejected = (profile_id: string, identifier_type: string, identifier_value: string, reason: string, message_id: string, rejected_at: string) => ({
  profile_id, identifier_type, identifier_value, reason, message_id, rejected_at,
});
const LATEST_REJECTED: Json[] = [
  rejected('p-store', 'phone', '+15035550199', 'identifier limit reached', 'e13', '2026-11-09T11:00:00.000Z'),
  rejected('p-store', 'email', 'shared@example.com', 'blocklisted', 'e12', '2026-11-02T16:00:00.000Z'),
  rejected('p-ana', 'email', 'test@example.com', 'blocklisted', 'e3', '2026-11-02T10:00:00.000Z'),
];
const OLD_REJECTED: Json[] = [rejected('p-gone', 'email', 'x@example.com', 'old reason', 'e0', '2026-10-31T08:00:00.000Z')];

/** The local bus's lines: EventBridge-shaped envelopes of segment changes. */
function change(segment: string, profileId: string, kind: 'entered' | 'exited', at: string, reason?: string): Json {
  const detail = { segment, profileId, change: kind, at, ...(reason === undefined ? {} : { reason }) };
  return { source: 'c360.unification', 'detail-type': kind === 'entered' ? 'Segment Entered' : 'Segment Exited', time: at, detail };
}
const BUS_LINES: Json[] = [
  change('buyers', 'p-eve', 'entered', '2026-10-30T18:00:05.000Z'),
  change('vip', 'p-ana', 'entered', '2026-11-02T10:10:03.000Z'),
  change('buyers', 'p-ana', 'entered', '2026-11-02T10:10:03.000Z'),
  change('buyers', 'p-store', 'entered', '2026-11-02T16:00:03.000Z'),
  change('buyers', 'p-r4b', 'entered', '2026-11-09T11:00:03.000Z'),
  change('buyers', 'p-r4b', 'exited', '2026-11-09T11:00:05.000Z', 'merged into p-store'),
  change('buyers', 'p-bo', 'entered', '2026-11-09T12:00:03.000Z'),
  change('vip', 'p-bo', 'entered', '2026-11-09T15:00:03.000Z'),
];

const DUCKDB_TYPES: Record<CuratedColumn['type'], string> = { string: 'VARCHAR', bigint: 'BIGINT', double: 'DOUBLE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP' };
const sqlLiteral = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);

/** Writes rows as one Parquet file with DuckDB's COPY, each column cast to its contract type. */
export async function writeParquet(connection: DuckDBConnection, file: string, columns: readonly CuratedColumn[], rows: readonly Json[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const select = (row: Json | undefined) =>
    columns.map((c) => `CAST(${row === undefined ? 'NULL' : sqlLiteral(row[c.name])} AS ${DUCKDB_TYPES[c.type]}) AS "${c.name}"`).join(', ');
  const body = rows.length === 0 ? `SELECT ${select(undefined)} WHERE false` : rows.map((r) => `SELECT ${select(r)}`).join(' UNION ALL ');
  await connection.run(`COPY (${body}) TO '${file.replace(/'/g, "''")}' (FORMAT parquet)`);
}

const PROFILE_EXPORT_COLUMNS: readonly CuratedColumn[] = [...PROFILE_COLUMNS, { name: 'computed_lifetime_orders', type: 'bigint' }];
const TABLE_COLUMNS: Record<ExportTable, readonly CuratedColumn[]> = {
  profiles: PROFILE_EXPORT_COLUMNS,
  identities: IDENTITY_COLUMNS,
  identity_merges: IDENTITY_MERGE_COLUMNS,
  segment_membership: SEGMENT_MEMBERSHIP_COLUMNS,
  rejected_identifiers: REJECTED_IDENTIFIER_COLUMNS,
};

/** Writes the raw lake and quarantine files (gzip where the name ends in .gz). */
export async function writeLakeFiles(lakeDir: string): Promise<void> {
  for (const [path, lines] of Object.entries({ ...RAW_FILES, ...QUARANTINE_FILES })) {
    const file = join(lakeDir, path);
    await mkdir(dirname(file), { recursive: true });
    const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
    await writeFile(file, path.endsWith('.gz') ? gzipSync(text) : text);
  }
}

/** Writes both exports of every curated table (the latest export's profiles in two parts, as a scan in segments does). */
export async function writeCuratedExports(curatedDir: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const latest: Record<ExportTable, Json[]> = {
      profiles: LATEST_PROFILES, identities: LATEST_IDENTITIES, identity_merges: LATEST_MERGES, segment_membership: LATEST_MEMBERSHIP, rejected_identifiers: LATEST_REJECTED,
    };
    const old: Record<ExportTable, Json[]> = {
      profiles: OLD_PROFILES, identities: OLD_IDENTITIES, identity_merges: OLD_MERGES, segment_membership: OLD_MEMBERSHIP, rejected_identifiers: OLD_REJECTED,
    };
    for (const table of Object.keys(latest) as ExportTable[]) {
      const columns = TABLE_COLUMNS[table];
      await writeParquet(connection, join(curatedDir, exportObjectKey(table, OLD_EXPORT_ID, 0)), columns, old[table]);
      const rows = latest[table];
      const half = Math.ceil(rows.length / 2);
      await writeParquet(connection, join(curatedDir, exportObjectKey(table, LATEST_EXPORT_ID, 0)), columns, rows.slice(0, half));
      await writeParquet(connection, join(curatedDir, exportObjectKey(table, LATEST_EXPORT_ID, 1)), columns, rows.slice(half));
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Writes the bus file of segment changes. */
export async function writeBusFile(busFile: string): Promise<void> {
  await mkdir(dirname(busFile), { recursive: true });
  await writeFile(busFile, BUS_LINES.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

/** Writes the whole fixture into the data dir `dir` (lake/, curated/, bus/segment-events.jsonl, as prepareDataDir lays them out). */
export async function writeFixtureLake(dir: string): Promise<FixtureLake> {
  const paths: FixtureLake = { dataDir: dir, lakeDir: join(dir, 'lake'), curatedDir: join(dir, 'curated'), busFile: join(dir, 'bus', 'segment-events.jsonl') };
  await writeLakeFiles(paths.lakeDir);
  await writeCuratedExports(paths.curatedDir);
  await writeBusFile(paths.busFile);
  return paths;
}

/**
 * The fixture's numbers, worked out by hand. Activity = track, identify, page
 * and screen events (not aliases) with a resolved profile; days are UTC.
 *
 *   event      day    profile  channel   notes
 *   e1 page    10-30  p-ana    web       as a1
 *   e2 track   10-30  p-ana    web       as a1
 *   e14 ident  10-30  p-crm    crm
 *   e18 order  10-30  p-eve    web       60
 *   e3 ident   11-02  p-ana    web       a1 + u1
 *   e4 order   11-02  p-ana    web       120 (e6, a later copy, is dropped)
 *   e12 order  11-02  p-store  store     45, as receipt r4
 *   e19 order  11-02  p-eve    web       70
 *   e5 page    11-02  p-anon   web       23:30Z, written 11-03T00:30+01:00
 *   e8 screen  11-03  p-ana    mobile    u1 + d1
 *   e9 alias   11-03  p-bo     mobile    not activity
 *   e10 ident  11-03  p-bo     mobile
 *   e20 order  11-03  p-eve    web       80
 *   e7 order   11-09  p-bo     web       30.5 (properties.total, a string), as a2
 *   e11 order  11-09  p-bo     mobile    400
 *   e13 order  11-09  p-store  store     455, as receipt r4b
 *   e17 order  11-09  p-dee    store     20
 *   e16 track  11-09  p-anon   (none)
 *   e15 ident  11-09  (none)   crm       userId unknown to the graph
 */
export const FIXTURE_EXPECTED = {
  /** Raw rows: 11 web (e6 included), 4 app, 3 pos, 2 crm. */
  rawEvents: 20,
  /** Distinct messageIds. */
  events: 19,
  customersOverview: {
    total_profiles: 7,
    identified_profiles: 6,
    anonymous_profiles: 1,
    merged_away_profiles: 3,
    with_email: 4,
    with_phone: 4,
    with_consent: 3,
  },
  activeCustomersDaily: [
    { day: '2026-10-30', active_customers: 3 },
    { day: '2026-11-02', active_customers: 4 },
    { day: '2026-11-03', active_customers: 3 },
    { day: '2026-11-09', active_customers: 4 },
  ],
  activeCustomersWeekly: [
    { week: '2026-10-26', active_customers: 3 },
    { week: '2026-11-02', active_customers: 5 },
    { week: '2026-11-09', active_customers: 4 },
  ],
  activeCustomersMonthly: [
    { month: '2026-10-01', active_customers: 3 },
    { month: '2026-11-01', active_customers: 6 },
  ],
  newVsReturning: [
    { day: '2026-10-30', new_customers: 3, returning_customers: 0 },
    { day: '2026-11-02', new_customers: 2, returning_customers: 2 },
    { day: '2026-11-03', new_customers: 1, returning_customers: 2 },
    { day: '2026-11-09', new_customers: 1, returning_customers: 3 },
  ],
  revenueByDayAndChannel: [
    { day: '2026-10-30', channel: 'web', orders: 1, revenue: 60 },
    { day: '2026-11-02', channel: 'store', orders: 1, revenue: 45 },
    { day: '2026-11-02', channel: 'web', orders: 2, revenue: 190 },
    { day: '2026-11-03', channel: 'web', orders: 1, revenue: 80 },
    { day: '2026-11-09', channel: 'mobile', orders: 1, revenue: 400 },
    { day: '2026-11-09', channel: 'store', orders: 2, revenue: 475 },
    { day: '2026-11-09', channel: 'web', orders: 1, revenue: 30.5 },
  ],
  lifetimeValueDistribution: [
    { bucket_order: 1, ltv_bucket: '0', customers: 1, total_revenue: 0 },
    { bucket_order: 2, ltv_bucket: '1-49', customers: 1, total_revenue: 20 },
    { bucket_order: 3, ltv_bucket: '50-99', customers: 0, total_revenue: 0 },
    { bucket_order: 4, ltv_bucket: '100-249', customers: 2, total_revenue: 330 },
    { bucket_order: 5, ltv_bucket: '250-499', customers: 1, total_revenue: 430.5 },
    { bucket_order: 6, ltv_bucket: '500-999', customers: 1, total_revenue: 500 },
    { bucket_order: 7, ltv_bucket: '1000+', customers: 1, total_revenue: 1500 },
  ],
  /** Latest order 2026-11-09; ntile(5) over five buyers gives each one score. */
  rfmScores: [
    { profile_id: 'p-ana', recency_days: 7, frequency: 1, monetary: 120, r_score: 1, f_score: 1, m_score: 2, rfm_segment: 'Hibernating' },
    { profile_id: 'p-bo', recency_days: 0, frequency: 2, monetary: 430.5, r_score: 3, f_score: 3, m_score: 4, rfm_segment: 'Loyal' },
    { profile_id: 'p-dee', recency_days: 0, frequency: 1, monetary: 20, r_score: 4, f_score: 2, m_score: 1, rfm_segment: 'New' },
    { profile_id: 'p-eve', recency_days: 6, frequency: 3, monetary: 210, r_score: 2, f_score: 5, m_score: 3, rfm_segment: 'At Risk' },
    { profile_id: 'p-store', recency_days: 0, frequency: 2, monetary: 500, r_score: 5, f_score: 4, m_score: 5, rfm_segment: 'Champions' },
  ],
  rfmSegments: [
    { rfm_segment: 'At Risk', customers: 1, revenue: 210 },
    { rfm_segment: 'Champions', customers: 1, revenue: 500 },
    { rfm_segment: 'Hibernating', customers: 1, revenue: 120 },
    { rfm_segment: 'Loyal', customers: 1, revenue: 430.5 },
    { rfm_segment: 'New', customers: 1, revenue: 20 },
  ],
  cohortRetentionMonthly: [
    { cohort_month: '2026-10-01', months_since_first: 0, cohort_size: 3, active_customers: 3, retention: 1 },
    { cohort_month: '2026-10-01', months_since_first: 1, cohort_size: 3, active_customers: 2, retention: 2 / 3 },
    { cohort_month: '2026-11-01', months_since_first: 0, cohort_size: 4, active_customers: 4, retention: 1 },
  ],
  channelMix: [
    { channel: 'crm', events: 2, customers: 1 },
    { channel: 'mobile', events: 3, customers: 2 },
    { channel: 'store', events: 3, customers: 2 },
    { channel: 'unknown', events: 1, customers: 1 },
    { channel: 'web', events: 9, customers: 4 },
  ],
  firstTouchChannels: [
    { channel: 'crm', customers: 1 },
    { channel: 'mobile', customers: 1 },
    { channel: 'store', customers: 2 },
    { channel: 'web', customers: 3 },
  ],
  segmentSizes: [
    { segment: 'buyers', members: 4 },
    { segment: 'vip', members: 2 },
  ],
  segmentSizesDaily: [
    { day: '2026-10-30', segment: 'buyers', entered: 1, exited: 0, net_change: 1, members_end_of_day: 1 },
    { day: '2026-11-02', segment: 'buyers', entered: 2, exited: 0, net_change: 2, members_end_of_day: 3 },
    { day: '2026-11-09', segment: 'buyers', entered: 2, exited: 1, net_change: 1, members_end_of_day: 4 },
    { day: '2026-11-02', segment: 'vip', entered: 1, exited: 0, net_change: 1, members_end_of_day: 1 },
    { day: '2026-11-09', segment: 'vip', entered: 1, exited: 0, net_change: 1, members_end_of_day: 2 },
  ],
  identifiersPerProfile: [
    { identifiers: 1, profiles: 1 },
    { identifiers: 2, profiles: 2 },
    { identifiers: 3, profiles: 3 },
    { identifiers: 4, profiles: 1 },
  ],
  mergesPerDay: [
    { day: '2026-11-02', rule: 'shared-identifier', merges: 1 },
    { day: '2026-11-03', rule: 'shared-identifier', merges: 1 },
    { day: '2026-11-09', rule: 'matched', merges: 1 },
  ],
  largestProfiles: [
    { profile_id: 'p-ana', identifier_count: 4, merged_from_count: 1, event_count: 5 },
    { profile_id: 'p-bo', identifier_count: 3, merged_from_count: 1, event_count: 4 },
    { profile_id: 'p-store', identifier_count: 3, merged_from_count: 1, event_count: 2 },
    { profile_id: 'p-crm', identifier_count: 3, merged_from_count: 0, event_count: 1 },
    { profile_id: 'p-eve', identifier_count: 2, merged_from_count: 0, event_count: 3 },
    { profile_id: 'p-dee', identifier_count: 2, merged_from_count: 0, event_count: 1 },
    { profile_id: 'p-anon', identifier_count: 1, merged_from_count: 0, event_count: 2 },
  ],
  rejectedLinksByReason: [
    { reason: 'blocklisted', links: 2, profiles: 2 },
    { reason: 'identifier limit reached', links: 1, profiles: 1 },
  ],
  /** The latest receivedAt in the lake is e11's, 2026-11-09T15:00:02Z: the window starts 24 h before it. */
  dataFreshness: [
    { source: 'app', last_event_at: '2026-11-09T15:00:00.000Z', last_received_at: '2026-11-09T15:00:02.000Z', events_last_24h: 1 },
    { source: 'crm', last_event_at: '2026-11-09T09:00:00.000Z', last_received_at: '2026-11-09T09:00:02.000Z', events_last_24h: 1 },
    { source: 'pos', last_event_at: '2026-11-09T11:00:00.000Z', last_received_at: '2026-11-09T11:00:02.000Z', events_last_24h: 2 },
    { source: 'web', last_event_at: '2026-11-09T12:00:00.000Z', last_received_at: '2026-11-09T14:00:00.000Z', events_last_24h: 3 },
  ],
  /** share = records / (raw events of the source + its quarantined records): web 2 / (11 + 2), app 1 / (4 + 1), firehose 1 / (0 + 1). */
  quarantineByReason: [
    { source: 'app', reason: 'schema: event must be a string', records: 1, share: 1 / 5 },
    // Firehose's rejects are a share of the whole lake: 1 / (20 accepted events + 1).
    { source: 'firehose', reason: 'the record is not JSON: Unexpected token', records: 1, share: 1 / 21 },
    { source: 'web', reason: NO_ID, records: 2, share: 2 / 13 },
  ],
} as const;
