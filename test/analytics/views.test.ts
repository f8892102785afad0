/**
 * The shipped views on DuckDB over a hand-built data dir (test/analytics/support/fixture-lake.ts):
 * every view's rows against numbers worked out by hand, the base tables' columns
 * against the Glue tables', the latest export winning, merges re-attributing
 * history, a fresh data dir with no files, files appearing after the warehouse
 * opened, and errors that name what failed.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalWarehouse } from '../../lambda/analytics/adapters/duckdb-warehouse';
import { encodeParquet } from '../../lambda/analytics/adapters/parquet-encoder';
import { PROFILE_COLUMNS, exportObjectKey } from '../../lambda/analytics/contracts/curated';
import type { Row, Warehouse } from '../../lambda/analytics/ports';
import { QUARANTINE_COLUMNS, RAW_EVENT_COLUMNS } from '../../lib/constructs/collection/raw-lake';
import {
  FIXTURE_EXPECTED as X,
  LATEST_EXPORT_ID,
  writeBusFile,
  writeCuratedExports,
  writeFixtureLake,
  writeLakeFiles,
  type FixtureLake,
} from './support/fixture-lake';

let dir: string;
let fixture: FixtureLake;
let warehouse: Warehouse;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c360-views-'));
  fixture = await writeFixtureLake(join(dir, 'data'));
  warehouse = await openLocalWarehouse({ lakeDir: fixture.lakeDir, curatedDir: fixture.curatedDir, segmentEventsFile: fixture.busFile });
}, 60_000);

afterAll(async () => {
  await warehouse?.close();
  await rm(dir, { recursive: true, force: true });
});

const select = (view: string, orderBy: string) => warehouse.query(`SELECT * FROM ${view} ORDER BY ${orderBy}`);
const pick = (rows: readonly Row[], keys: readonly string[]) => rows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k]])));

/** One check per shipped view: a view without one fails the coverage test below. */
const CHECKS: Record<string, () => Promise<void>> = {
  async profiles_current() {
    const rows = await select('profiles_current', 'profile_id');
    expect(rows.map((r) => r.profile_id)).toEqual(['p-ana', 'p-anon', 'p-bo', 'p-crm', 'p-dee', 'p-eve', 'p-store']);
    expect(new Set(rows.map((r) => r.export_id))).toEqual(new Set([LATEST_EXPORT_ID]));
    // The fixed columns and export_id, not the computed trait the export added.
    expect(Object.keys(rows[0] as Row)).toEqual([...PROFILE_COLUMNS.map((c) => c.name), 'export_id']);
    expect(rows[0]).toMatchObject({ profile_id: 'p-ana', total_revenue: 120, event_count: 5, first_seen: '2026-10-30T09:00:00.000Z', consent: '{"email":true}' });
  },
  async identities_current() {
    const rows = await select('identities_current', 'profile_id, identifier_type, identifier_value');
    expect(rows).toHaveLength(18);
    expect(rows.filter((r) => r.identifier_value === 'a1').map((r) => r.profile_id)).toEqual(['p-ana']);
    expect(rows.some((r) => r.profile_id === 'p-gone' || r.profile_id === 'p-a1')).toBe(false);
  },
  async identity_merges_current() {
    const rows = await select('identity_merges_current', 'merged_at');
    expect(pick(rows, ['profile_id', 'merged_profile_id', 'rule', 'merged_at'])).toEqual([
      { profile_id: 'p-ana', merged_profile_id: 'p-a1', rule: 'shared-identifier', merged_at: '2026-11-02T10:00:03.000Z' },
      { profile_id: 'p-bo', merged_profile_id: 'p-a2', rule: 'shared-identifier', merged_at: '2026-11-03T13:00:03.000Z' },
      { profile_id: 'p-store', merged_profile_id: 'p-r4b', rule: 'matched', merged_at: '2026-11-09T11:00:05.000Z' },
    ]);
    expect(rows[2]).toMatchObject({ match_id: 'g1', match_rule: 'phone', matched_with_type: null });
  },
  async segment_membership_current() {
    const rows = await select('segment_membership_current', 'segment, profile_id');
    expect(pick(rows, ['segment', 'profile_id'])).toEqual([
      { segment: 'buyers', profile_id: 'p-ana' },
      { segment: 'buyers', profile_id: 'p-bo' },
      { segment: 'buyers', profile_id: 'p-eve' },
      { segment: 'buyers', profile_id: 'p-store' },
      { segment: 'vip', profile_id: 'p-ana' },
      { segment: 'vip', profile_id: 'p-bo' },
    ]);
    expect(rows[0]?.entered_at).toBe('2026-11-02T10:10:03.000Z');
  },
  async rejected_identifiers_current() {
    const rows = await select('rejected_identifiers_current', 'rejected_at');
    expect(pick(rows, ['profile_id', 'identifier_value', 'reason', 'message_id'])).toEqual([
      { profile_id: 'p-ana', identifier_value: 'test@example.com', reason: 'blocklisted', message_id: 'e3' },
      { profile_id: 'p-store', identifier_value: 'shared@example.com', reason: 'blocklisted', message_id: 'e12' },
      { profile_id: 'p-store', identifier_value: '+15035550199', reason: 'identifier limit reached', message_id: 'e13' },
    ]);
  },
  async events() {
    const rows = await select('events', 'message_id');
    expect(rows).toHaveLength(X.events);
    // e4 came twice: the first copy (received 2 s after the event) is kept.
    expect(rows.filter((r) => r.message_id === 'e4').map((r) => r.received_at)).toEqual(['2026-11-02T10:10:02.000Z']);
    // Written 2026-11-03T00:30+01:00: the UTC instant.
    expect(rows.find((r) => r.message_id === 'e5')).toMatchObject({ event_time: '2026-11-02T23:30:00.000Z', profile_id: 'p-anon', channel: 'web' });
    expect(rows.find((r) => r.message_id === 'e15')).toMatchObject({ profile_id: null, user_id: 'u-unknown', type: 'identify' });
    expect(rows.find((r) => r.message_id === 'e16')).toMatchObject({ channel: null, profile_id: 'p-anon' });
  },
  async tracks() {
    const rows = await select('tracks', 'event_time');
    expect(pick(rows, ['message_id', 'profile_id', 'event'])).toEqual([
      { message_id: 'e2', profile_id: 'p-ana', event: 'Product Viewed' },
      { message_id: 'e18', profile_id: 'p-eve', event: 'Order Completed' },
      { message_id: 'e4', profile_id: 'p-ana', event: 'Order Completed' },
      { message_id: 'e12', profile_id: 'p-store', event: 'Order Completed' },
      { message_id: 'e19', profile_id: 'p-eve', event: 'Order Completed' },
      { message_id: 'e20', profile_id: 'p-eve', event: 'Order Completed' },
      { message_id: 'e17', profile_id: 'p-dee', event: 'Order Completed' },
      { message_id: 'e16', profile_id: 'p-anon', event: 'Newsletter Opened' },
      { message_id: 'e13', profile_id: 'p-store', event: 'Order Completed' },
      { message_id: 'e7', profile_id: 'p-bo', event: 'Order Completed' },
      { message_id: 'e11', profile_id: 'p-bo', event: 'Order Completed' },
    ]);
    expect(Object.keys(rows[0] as Row)).toEqual(['profile_id', 'message_id', 'event', 'event_time', 'received_at', 'user_id', 'anonymous_id', 'channel', 'source', 'properties', 'context']);
    const e2 = rows[0] as Row;
    expect(e2).toMatchObject({ event_time: '2026-10-30T09:05:00.000Z', received_at: '2026-10-30T09:05:02.000Z', user_id: null, anonymous_id: 'a1', channel: 'web', source: 'web' });
    expect(JSON.parse(e2.properties as string)).toEqual({ sku: 'S1' });
    expect(JSON.parse(e2.context as string)).toEqual({ source: 'web', channel: 'web' });
  },
  async identifies() {
    const rows = await select('identifies', 'event_time');
    expect(pick(rows, ['message_id', 'profile_id', 'user_id', 'channel'])).toEqual([
      { message_id: 'e14', profile_id: 'p-crm', user_id: 'u5', channel: 'crm' },
      { message_id: 'e3', profile_id: 'p-ana', user_id: 'u1', channel: 'web' },
      { message_id: 'e10', profile_id: 'p-bo', user_id: 'u2', channel: 'mobile' },
      { message_id: 'e15', profile_id: null, user_id: 'u-unknown', channel: 'crm' },
    ]);
    expect(JSON.parse(rows[1]?.traits as string)).toEqual({ email: 'ana@example.com' });
  },
  async pages() {
    const rows = await select('pages', 'event_time');
    expect(pick(rows, ['message_id', 'profile_id', 'name', 'category', 'url'])).toEqual([
      { message_id: 'e1', profile_id: 'p-ana', name: 'Home', category: 'Landing', url: 'https://shop.example/' },
      { message_id: 'e5', profile_id: 'p-anon', name: 'Sale', category: null, url: 'https://shop.example/sale' },
    ]);
  },
  async screens() {
    const rows = await select('screens', 'event_time');
    expect(pick(rows, ['message_id', 'profile_id', 'name', 'user_id', 'anonymous_id', 'channel', 'source'])).toEqual([
      { message_id: 'e8', profile_id: 'p-ana', name: 'Home', user_id: 'u1', anonymous_id: 'd1', channel: 'mobile', source: 'app' },
    ]);
  },
  async aliases() {
    const rows = await select('aliases', 'event_time');
    expect(pick(rows, ['message_id', 'profile_id', 'user_id', 'previous_id'])).toEqual([{ message_id: 'e9', profile_id: 'p-bo', user_id: 'u2', previous_id: 'a2' }]);
  },
  async orders() {
    const rows = await select('orders', 'event_time');
    expect(pick(rows, ['message_id', 'profile_id', 'order_id', 'revenue', 'currency', 'channel', 'source'])).toEqual([
      { message_id: 'e18', profile_id: 'p-eve', order_id: 'W-7a', revenue: 60, currency: 'USD', channel: 'web', source: 'web' },
      { message_id: 'e4', profile_id: 'p-ana', order_id: 'W-1', revenue: 120, currency: 'USD', channel: 'web', source: 'web' },
      { message_id: 'e12', profile_id: 'p-store', order_id: 'R-4', revenue: 45, currency: 'USD', channel: 'store', source: 'pos' },
      { message_id: 'e19', profile_id: 'p-eve', order_id: 'W-7b', revenue: 70, currency: 'USD', channel: 'web', source: 'web' },
      { message_id: 'e20', profile_id: 'p-eve', order_id: 'W-7c', revenue: 80, currency: 'USD', channel: 'web', source: 'web' },
      { message_id: 'e17', profile_id: 'p-dee', order_id: 'R-6', revenue: 20, currency: 'USD', channel: 'store', source: 'pos' },
      { message_id: 'e13', profile_id: 'p-store', order_id: 'R-5', revenue: 455, currency: 'USD', channel: 'store', source: 'pos' },
      { message_id: 'e7', profile_id: 'p-bo', order_id: 'W-2', revenue: 30.5, currency: 'USD', channel: 'web', source: 'web' },
      { message_id: 'e11', profile_id: 'p-bo', order_id: 'A-11', revenue: 400, currency: 'EUR', channel: 'mobile', source: 'app' },
    ]);
    expect(JSON.parse(rows[1]?.products as string)).toEqual([{ sku: 'S1', price: 120, quantity: 1 }]);
    expect(rows[1]?.event_time).toBe('2026-11-02T10:10:00.000Z');
    expect(rows[0]?.products).toBeNull();
  },
  async users() {
    const rows = await select('users', 'id');
    expect(rows).toHaveLength(7);
    expect(rows.find((r) => r.id === 'p-crm')).toEqual({
      id: 'p-crm', email: 'cy@example.com', phone: '+15035550105', first_name: 'Cy', last_name: null, city: null, country: 'CA',
      created_at: '2026-10-30T09:00:00.000Z', first_seen: '2026-10-30T20:00:00.000Z', last_seen: '2026-10-30T20:00:00.000Z',
      event_count: 1, order_count: 0, total_revenue: 1500,
    });
  },
  async customers_overview() {
    expect(await warehouse.query('SELECT * FROM customers_overview')).toEqual([X.customersOverview]);
  },
  async active_customers_daily() {
    expect(await select('active_customers_daily', 'day')).toEqual(X.activeCustomersDaily);
  },
  async active_customers_weekly() {
    expect(await select('active_customers_weekly', 'week')).toEqual(X.activeCustomersWeekly);
  },
  async active_customers_monthly() {
    expect(await select('active_customers_monthly', 'month')).toEqual(X.activeCustomersMonthly);
  },
  async new_vs_returning() {
    expect(await select('new_vs_returning', 'day')).toEqual(X.newVsReturning);
  },
  async revenue_by_day_and_channel() {
    expect(await select('revenue_by_day_and_channel', 'day, channel')).toEqual(X.revenueByDayAndChannel);
  },
  async lifetime_value_distribution() {
    expect(await select('lifetime_value_distribution', 'bucket_order')).toEqual(X.lifetimeValueDistribution);
  },
  async rfm_scores() {
    expect(await select('rfm_scores', 'profile_id')).toEqual(X.rfmScores);
  },
  async rfm_segments() {
    expect(await select('rfm_segments', 'rfm_segment')).toEqual(X.rfmSegments);
  },
  async cohort_retention_monthly() {
    expect(await select('cohort_retention_monthly', 'cohort_month, months_since_first')).toEqual(X.cohortRetentionMonthly);
  },
  async channel_mix() {
    expect(await select('channel_mix', 'channel')).toEqual(X.channelMix);
  },
  async first_touch_channels() {
    expect(await select('first_touch_channels', 'channel')).toEqual(X.firstTouchChannels);
  },
  async segment_sizes() {
    expect(await select('segment_sizes', 'segment')).toEqual(X.segmentSizes);
  },
  async segment_sizes_daily() {
    expect(await select('segment_sizes_daily', 'segment, day')).toEqual(X.segmentSizesDaily);
  },
  async identifiers_per_profile() {
    expect(await select('identifiers_per_profile', 'identifiers')).toEqual(X.identifiersPerProfile);
  },
  async merges_per_day() {
    expect(await select('merges_per_day', 'day, rule')).toEqual(X.mergesPerDay);
  },
  async largest_profiles() {
    // The view's own order: identifier_count, then event_count, descending.
    expect(await warehouse.query('SELECT * FROM largest_profiles')).toEqual(X.largestProfiles);
  },
  async rejected_links_by_reason() {
    expect(await select('rejected_links_by_reason', 'reason')).toEqual(X.rejectedLinksByReason);
  },
  async data_freshness() {
    expect(await select('data_freshness', 'source')).toEqual(X.dataFreshness);
  },
  async quarantine_by_reason() {
    expect(await select('quarantine_by_reason', 'source, reason')).toEqual(X.quarantineByReason);
  },
  async tracking_plan_violations() {
    // The fixture has no tracking plan: no event is flagged, no quarantine reason is the plan's
    // (test/analytics/tracking-plan-view.test.ts checks the rows over a lake that has some).
    expect(await select('tracking_plan_violations', 'source, event, reason, action')).toEqual([]);
  },
};

describe('the shipped views over the fixture lake', () => {
  it('has a check for every shipped view, and every check names a shipped view', () => {
    expect(warehouse.views.map((v) => v.name).sort()).toEqual(Object.keys(CHECKS).sort());
  });

  for (const [name, check] of Object.entries(CHECKS)) {
    it(`${name} returns the rows worked out by hand`, check);
  }

  it('re-attributes anonymous history to the profile the latest identity graph merged it into', async () => {
    // a1 (anonymous web) and u1 (identified): one profile now, though the older export had a1 as p-a1.
    const ana = await warehouse.query(
      "SELECT message_id, user_id, anonymous_id FROM events WHERE profile_id = 'p-ana' ORDER BY event_time",
    );
    expect(ana).toEqual([
      { message_id: 'e1', user_id: null, anonymous_id: 'a1' },
      { message_id: 'e2', user_id: null, anonymous_id: 'a1' },
      { message_id: 'e3', user_id: 'u1', anonymous_id: 'a1' },
      { message_id: 'e4', user_id: 'u1', anonymous_id: 'a1' },
      { message_id: 'e8', user_id: 'u1', anonymous_id: 'd1' },
    ]);
    const bo = await warehouse.query("SELECT message_id, profile_id FROM orders WHERE message_id IN ('e7', 'e11') ORDER BY message_id");
    expect(bo).toEqual([
      { message_id: 'e11', profile_id: 'p-bo' },
      { message_id: 'e7', profile_id: 'p-bo' },
    ]);
  });
});

describe('the base tables', () => {
  const columnsOf = async (table: string) =>
    (await warehouse.query(`SELECT column_name FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`)).map((r) => r.column_name);

  it('raw_events and quarantine have the Glue tables\' columns, then source and dt', async () => {
    expect(await columnsOf('raw_events')).toEqual([...RAW_EVENT_COLUMNS.map((c) => c.name), 'source', 'dt']);
    expect(await columnsOf('quarantine')).toEqual([...QUARANTINE_COLUMNS.map((c) => c.name), 'source', 'dt']);
  });

  it('raw_events holds every line of the lake, duplicates included, with the nested objects as JSON text', async () => {
    const rows = await warehouse.query('SELECT source, count(*) AS n FROM raw_events GROUP BY source ORDER BY source');
    expect(rows).toEqual([
      { source: 'app', n: 4 },
      { source: 'crm', n: 2 },
      { source: 'pos', n: 3 },
      { source: 'web', n: 11 },
    ]);
    const [e12] = await warehouse.query("SELECT messageid, anonymousid, \"timestamp\", dt, context FROM raw_events WHERE messageid = 'e12'");
    expect(e12).toMatchObject({ messageid: 'e12', anonymousid: 'r4', timestamp: '2026-11-02T16:00:00.000Z', dt: '2026-11-02' });
    expect(JSON.parse(e12?.context as string)).toEqual({ traits: { phone: '+15035550104' }, source: 'pos', channel: 'store' });
  });

  it('quarantine reads the consumers\' .jsonl entries and Firehose\'s .jsonl.gz records', async () => {
    const rows = await warehouse.query('SELECT source, reason, errorcode, subsequence, attemptsmade FROM quarantine ORDER BY source, sequencenumber');
    expect(rows).toEqual([
      { source: 'app', reason: 'schema: event must be a string', errorcode: null, subsequence: null, attemptsmade: null },
      { source: 'firehose', reason: null, errorcode: 'DynamicPartitioning.MetadataExtractionFailed', subsequence: null, attemptsmade: 1 },
      { source: 'web', reason: 'an event needs a userId or an anonymousId', errorcode: null, subsequence: null, attemptsmade: null },
      { source: 'web', reason: 'an event needs a userId or an anonymousId', errorcode: null, subsequence: 2, attemptsmade: null },
    ]);
  });

  it('profiles keeps every export and the computed-trait columns after the fixed ones', async () => {
    const rows = await warehouse.query('SELECT export_id, count(*) AS n, sum(computed_lifetime_orders) AS orders FROM profiles GROUP BY export_id ORDER BY export_id');
    expect(rows).toEqual([
      { export_id: '20261101T000000Z', n: 3, orders: null },
      { export_id: LATEST_EXPORT_ID, n: 7, orders: 1 },
    ]);
  });

  it('segment_events maps the bus envelopes\' detail', async () => {
    const rows = await warehouse.query("SELECT * FROM segment_events WHERE change = 'exited'");
    expect(rows).toEqual([{ segment: 'buyers', profileid: 'p-r4b', change: 'exited', at: '2026-11-09T11:00:05.000Z', reason: 'merged into p-store' }]);
  });
});

describe('the profile export\'s own Parquet', () => {
  it('is read with the contract\'s types: UTC-adjusted millisecond timestamps as UTC, INT64 as numbers', async () => {
    const data = join(dir, 'encoded');
    const curatedDir = join(data, 'curated');
    const row = Object.fromEntries(PROFILE_COLUMNS.map((c) => [c.name, null])) as Record<string, string | number | null>;
    Object.assign(row, { profile_id: 'p-1', created_at: Date.parse('2026-11-30T23:30:00.250Z'), event_count: 3, total_revenue: 12.5, email: 'x@example.com' });
    const file = join(curatedDir, exportObjectKey('profiles', LATEST_EXPORT_ID, 0));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, encodeParquet(PROFILE_COLUMNS, [row]));
    const encoded = await openLocalWarehouse({ lakeDir: join(data, 'lake'), curatedDir, segmentEventsFile: join(data, 'bus.jsonl') });
    try {
      expect(await encoded.query('SELECT profile_id, created_at, CAST(created_at AS DATE) AS day, event_count, total_revenue, email, export_id FROM profiles_current')).toEqual([
        { profile_id: 'p-1', created_at: '2026-11-30T23:30:00.250Z', day: '2026-11-30', event_count: 3, total_revenue: 12.5, email: 'x@example.com', export_id: LATEST_EXPORT_ID },
      ]);
    } finally {
      await encoded.close();
    }
  });
});

describe('a data dir with no files yet', () => {
  it('has every base table and view, empty, and sees files written after it opened', async () => {
    const data = join(dir, 'fresh');
    const lakeDir = join(data, 'lake');
    const curatedDir = join(data, 'curated');
    const busFile = join(data, 'bus', 'segment-events.jsonl');
    const fresh = await openLocalWarehouse({ lakeDir, curatedDir, segmentEventsFile: busFile });
    try {
      for (const table of ['raw_events', 'quarantine', 'profiles', 'identities', 'identity_merges', 'segment_membership', 'rejected_identifiers', 'segment_events']) {
        expect(await fresh.query(`SELECT count(*) AS n FROM ${table}`), table).toEqual([{ n: 0 }]);
      }
      for (const view of fresh.views) await fresh.query(`SELECT * FROM ${view.name}`);
      expect(await fresh.query('SELECT * FROM customers_overview')).toEqual([
        { total_profiles: 0, identified_profiles: 0, anonymous_profiles: 0, merged_away_profiles: 0, with_email: 0, with_phone: 0, with_consent: 0 },
      ]);
      expect(await fresh.query('SELECT count(*) AS n FROM lifetime_value_distribution WHERE customers = 0')).toEqual([{ n: 7 }]);

      await writeLakeFiles(lakeDir);
      expect(await fresh.query('SELECT count(*) AS n FROM raw_events')).toEqual([{ n: X.rawEvents }]);
      // The lake without an identity graph: events, no profiles.
      expect(await fresh.query('SELECT count(*) AS n, count(profile_id) AS resolved FROM events')).toEqual([{ n: X.events, resolved: 0 }]);
      await writeCuratedExports(curatedDir);
      await writeBusFile(busFile);
      expect(await fresh.query('SELECT * FROM customers_overview')).toEqual([X.customersOverview]);
      expect(await fresh.query('SELECT * FROM segment_sizes_daily ORDER BY segment, day')).toEqual(X.segmentSizesDaily);
    } finally {
      await fresh.close();
    }
  }, 60_000);
});

describe('errors', () => {
  it('a bad query rejects with DuckDB\'s message and the statement', async () => {
    await expect(warehouse.query('SELECT no_such_column FROM tracks')).rejects.toThrow(/Binder Error.*no_such_column[\s\S]*in the statement: SELECT no_such_column FROM tracks/);
    await expect(warehouse.query('SELECT 1; SELECT * FROM no_such_table')).rejects.toThrow(/no_such_table[\s\S]*statement 2 of 2/);
    await expect(warehouse.query('SELEC 1')).rejects.toThrow(/Parser Error[\s\S]*SELEC 1/);
  });

  it('runs several statements and returns the last one\'s rows', async () => {
    expect(await warehouse.query('CREATE OR REPLACE TEMP TABLE t AS SELECT 41 AS x; SELECT x + 1 AS y FROM t')).toEqual([{ y: 42 }]);
  });

  it('a view that does not bind fails the open, naming the view and its file', async () => {
    const views = join(dir, 'bad-views');
    await mkdir(views, { recursive: true });
    await writeFile(join(views, '001-ok_view.sql'), '-- Fine.\nCREATE OR REPLACE VIEW ok_view AS SELECT 1 AS x\n');
    await writeFile(join(views, '002-broken_view.sql'), '-- Reads a column that does not exist.\nCREATE OR REPLACE VIEW broken_view AS SELECT nope FROM tracks\n');
    await expect(
      openLocalWarehouse({ lakeDir: fixture.lakeDir, curatedDir: fixture.curatedDir, segmentEventsFile: fixture.busFile, viewsDir: views }),
    ).rejects.toThrow(/view broken_view \(002-broken_view\.sql\):.*(tracks|nope)/);
  });
});
