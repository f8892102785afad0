/**
 * The local warehouse's tables kept in DuckDB: the base tables and the
 * materialized views (`events`, `data_freshness`) are tables, computed when
 * first read, and they follow the files. A lake file added, rewritten or
 * removed after a query shows in the next query of the views over `events`
 * (dedupe included) and of the user's own views; a new or removed identity
 * export re-attributes events; a statement that changes a kept table is
 * undone by the next query; a lake file that does not load fails the
 * queries that read the lake (only those) and the warehouse recovers once it
 * is fixed; queries arriving during a refresh wait for it. Opened with a
 * role's column policy, it loads the files once, through the policy, and
 * reads no file afterwards.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MATERIALIZED_VIEWS, openLocalWarehouse } from '../../../lambda/analytics/adapters/duckdb-warehouse';
import { encodeParquet } from '../../../lambda/analytics/adapters/parquet-encoder';
import { IDENTITY_COLUMNS, exportObjectKey } from '../../../lambda/analytics/contracts/curated';
import { LAKE_FILE_EXTENSION, RAW_ZONE, lakePrefix } from '../../../lambda/collection/contracts/lake-layout';
import type { Row, Warehouse } from '../../../lambda/analytics/ports';
import { parseConfig } from '../../../lambda/config';
import { classification, columnPolicy, governanceRoles } from '../../../lambda/governance/contracts/classification';

let root: string;
let data: string;
let lakeDir: string;
let curatedDir: string;
let warehouse: Warehouse & { refresh(): Promise<void> };
let dataDirs = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'c360-duckdb-warehouse-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

beforeEach(async () => {
  data = join(root, `data-${++dataDirs}`);
  lakeDir = join(data, 'lake');
  curatedDir = join(data, 'curated');
  await writeRaw('web', '2026-11-01', 'part-1', [track('m1', 'u1', '2026-11-01T10:00:00.000Z'), track('m2', 'u2', '2026-11-01T11:00:00.000Z')]);
  warehouse = await openLocalWarehouse({ lakeDir, curatedDir, segmentEventsFile: join(data, 'bus', 'segment-events.jsonl') });
}, 60_000);
afterEach(async () => {
  await warehouse?.close();
});

interface RawEvent {
  readonly type: string;
  readonly messageId: string;
  readonly userId: string;
  readonly event: string;
  readonly timestamp: string;
  readonly receivedAt: string;
}

const track = (messageId: string, userId: string, receivedAt: string, event = 'Product Viewed'): RawEvent => ({
  type: 'track',
  messageId,
  userId,
  event,
  timestamp: receivedAt,
  receivedAt,
});

const rawFile = (source: string, dt: string, name: string) => join(lakeDir, lakePrefix(RAW_ZONE, source, dt), `${name}${LAKE_FILE_EXTENSION}`);

async function writeRaw(source: string, dt: string, name: string, events: readonly RawEvent[]): Promise<string> {
  const file = rawFile(source, dt, name);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, gzipSync(events.map((e) => JSON.stringify(e)).join('\n') + '\n'));
  return file;
}

/** Writes one identity export: each userId held by a profile. */
async function writeIdentities(exportId: string, held: Readonly<Record<string, string>>): Promise<string> {
  const file = join(curatedDir, exportObjectKey('identities', exportId, 0));
  await mkdir(dirname(file), { recursive: true });
  const rows = Object.entries(held).map(([userId, profileId]) => ({ profile_id: profileId, identifier_type: 'userId', identifier_value: userId }));
  await writeFile(file, encodeParquet(IDENTITY_COLUMNS, rows));
  return file;
}

const tracks = () => warehouse.query('SELECT message_id, user_id, profile_id, event FROM tracks ORDER BY message_id');
const count = async (sql: string) => Number((await warehouse.query(sql))[0]?.n);
const kinds = async () =>
  Object.fromEntries(
    (await warehouse.query("SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main' AND table_name IN ('raw_events', 'events', 'tracks')")).map(
      (r: Row) => [r.table_name, r.table_type],
    ),
  );

/** Whether `name` is a view (not yet a table) in DuckDB's catalog; a table function, so the query reads no view of the warehouse. */
const isView = async (name: string) => (await warehouse.query(`SELECT count(*) AS n FROM duckdb_views() WHERE view_name = '${name}'`))[0]?.n === 1;

describe('tables kept in DuckDB', () => {
  it('raw_events and events are tables, the views over events stay views', async () => {
    expect(MATERIALIZED_VIEWS).toContain('events');
    expect(await kinds()).toEqual({ raw_events: 'BASE TABLE', events: 'BASE TABLE', tracks: 'VIEW' });
    expect(await tracks()).toEqual([
      { message_id: 'm1', user_id: 'u1', profile_id: null, event: 'Product Viewed' },
      { message_id: 'm2', user_id: 'u2', profile_id: null, event: 'Product Viewed' },
    ]);
  });

  it('events is computed when a query first reads it, through the views over it too', async () => {
    expect(await isView('events')).toBe(true);
    expect(await count('SELECT count(*) AS n FROM profiles_current')).toBe(0);
    expect(await isView('events')).toBe(true);
    expect(await count("WITH t AS (SELECT * FROM tracks WHERE user_id = 'u1') SELECT count(*) AS n FROM t")).toBe(1);
    expect(await isView('events')).toBe(false);
  });
});

describe('the lake changing after a query', () => {
  it('a new file shows in the next query of events and the views over it, deduped with the earlier files', async () => {
    expect(await count('SELECT count(*) AS n FROM tracks')).toBe(2);
    // m1 again, received earlier than the first copy: it becomes the kept copy; m3 is new.
    await writeRaw('app', '2026-11-01', 'part-1', [track('m1', 'u1', '2026-11-01T09:00:00.000Z', 'Earlier Copy'), track('m3', 'u3', '2026-11-01T12:00:00.000Z')]);
    expect(await count('SELECT count(*) AS n FROM raw_events')).toBe(4);
    expect(await tracks()).toEqual([
      { message_id: 'm1', user_id: 'u1', profile_id: null, event: 'Earlier Copy' },
      { message_id: 'm2', user_id: 'u2', profile_id: null, event: 'Product Viewed' },
      { message_id: 'm3', user_id: 'u3', profile_id: null, event: 'Product Viewed' },
    ]);
  });

  it('data_freshness, kept as a table too, follows the new files', async () => {
    expect(MATERIALIZED_VIEWS).toContain('data_freshness');
    const freshness = () => warehouse.query('SELECT source, last_received_at, events_last_24h FROM data_freshness ORDER BY source');
    expect(await freshness()).toEqual([{ source: 'web', last_received_at: '2026-11-01T11:00:00.000Z', events_last_24h: 2 }]);
    await writeRaw('app', '2026-11-02', 'part-1', [track('m9', 'u9', '2026-11-02T10:00:00.000Z')]);
    expect(await freshness()).toEqual([
      { source: 'app', last_received_at: '2026-11-02T10:00:00.000Z', events_last_24h: 1 },
      { source: 'web', last_received_at: '2026-11-01T11:00:00.000Z', events_last_24h: 1 },
    ]);
    expect(await isView('data_freshness')).toBe(false);
  });

  it('a rewritten file replaces its rows, a removed file takes its rows away', async () => {
    const second = await writeRaw('web', '2026-11-02', 'part-1', [track('m4', 'u4', '2026-11-02T10:00:00.000Z')]);
    expect(await count('SELECT count(*) AS n FROM events')).toBe(3);
    await writeRaw('web', '2026-11-01', 'part-1', [track('m1', 'u1', '2026-11-01T10:00:00.000Z', 'Rewritten'), track('m5', 'u5', '2026-11-01T10:30:00.000Z')]);
    expect((await tracks()).map((r) => [r.message_id, r.event])).toEqual([
      ['m1', 'Rewritten'],
      ['m4', 'Product Viewed'],
      ['m5', 'Product Viewed'],
    ]);
    await rm(second);
    expect((await tracks()).map((r) => r.message_id)).toEqual(['m1', 'm5']);
    expect(await count('SELECT count(*) AS n FROM raw_events')).toBe(2);
  });

  it('every file gone leaves the tables empty', async () => {
    await rm(rawFile('web', '2026-11-01', 'part-1'));
    expect(await count('SELECT count(*) AS n FROM raw_events')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM events')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM tracks')).toBe(0);
  });
});

describe('a query over a table or view of its own', () => {
  it('brings every table up to date first, as the warehouse cannot tell what it reads', async () => {
    await warehouse.query('CREATE OR REPLACE TEMP VIEW my_tracks AS SELECT message_id FROM tracks');
    expect(await count('SELECT count(*) AS n FROM my_tracks')).toBe(2);
    await writeRaw('app', '2026-11-02', 'part-1', [track('m10', 'u10', '2026-11-02T10:00:00.000Z')]);
    expect(await count('SELECT count(*) AS n FROM my_tracks')).toBe(3);
    // A table function that reads a table by name.
    await writeRaw('app', '2026-11-03', 'part-1', [track('m11', 'u11', '2026-11-03T10:00:00.000Z')]);
    expect(await count("SELECT count(*) AS n FROM query_table('tracks')")).toBe(4);
  });
});

describe('a statement that changes a kept table', () => {
  it('is undone by the next query, which fills what it reads from the files again', async () => {
    expect(await count('SELECT count(*) AS n FROM tracks')).toBe(2);
    await warehouse.query('DELETE FROM raw_events');
    expect(await count('SELECT count(*) AS n FROM raw_events')).toBe(2);
    await warehouse.query('DROP TABLE events');
    expect(await count('SELECT count(*) AS n FROM tracks')).toBe(2);
    expect(await isView('events')).toBe(false);
  });
});

describe('the identity export that events joins', () => {
  it('a new export re-attributes events, a removed one no longer does', async () => {
    expect((await tracks()).map((r) => r.profile_id)).toEqual([null, null]);
    await writeIdentities('20261101T000000Z', { u1: 'p-1', u2: 'p-2' });
    expect((await tracks()).map((r) => r.profile_id)).toEqual(['p-1', 'p-2']);
    // A later export merged u2 into p-1: the latest graph wins.
    const later = await writeIdentities('20261102T000000Z', { u1: 'p-1', u2: 'p-1' });
    expect((await tracks()).map((r) => r.profile_id)).toEqual(['p-1', 'p-1']);
    expect(await warehouse.query('SELECT profile_id, count(*) AS n FROM events GROUP BY profile_id')).toEqual([{ profile_id: 'p-1', n: 2 }]);
    await rm(later, { force: true });
    expect((await tracks()).map((r) => r.profile_id)).toEqual(['p-1', 'p-2']);
  });
});

describe('a file that does not load', () => {
  it('fails the query naming the table, and the warehouse answers again once the file is fixed', async () => {
    const bad = rawFile('web', '2026-11-03', 'part-1');
    await mkdir(dirname(bad), { recursive: true });
    await writeFile(bad, 'not gzip, not JSON');
    await expect(warehouse.query('SELECT count(*) AS n FROM events')).rejects.toThrow(/base table raw_events/);
    // A query that does not read the lake is not held up by it.
    await writeIdentities('20261101T000000Z', { u1: 'p-1' });
    expect(await count('SELECT count(*) AS n FROM identities_current')).toBe(1);
    await writeRaw('web', '2026-11-03', 'part-1', [track('m6', 'u6', '2026-11-03T10:00:00.000Z')]);
    expect((await tracks()).map((r) => r.message_id)).toEqual(['m1', 'm2', 'm6']);
    expect(await count('SELECT count(*) AS n FROM raw_events')).toBe(3);
  });
});

describe('queries during a refresh', () => {
  it('wait for it: every query started with the refresh sees the whole new data', async () => {
    await writeRaw('pos', '2026-11-01', 'part-1', [track('m7', 'u7', '2026-11-01T13:00:00.000Z'), track('m8', 'u8', '2026-11-01T14:00:00.000Z')]);
    await writeIdentities('20261101T000000Z', { u7: 'p-7', u8: 'p-7' });
    const refreshing = warehouse.refresh();
    const answers = await Promise.all([
      count('SELECT count(*) AS n FROM events'),
      count("SELECT count(*) AS n FROM tracks WHERE profile_id = 'p-7'"),
      count('SELECT count(*) AS n FROM raw_events'),
      count('SELECT count(*) AS n FROM events'),
    ]);
    await refreshing;
    expect(answers).toEqual([4, 2, 4, 4]);
  });
});

describe('a warehouse opened with a role\'s column policy', () => {
  const config = parseConfig({});
  const analyst = columnPolicy(classification(config), 'analyst', governanceRoles(config).analyst!);

  it('holds pseudonyms for the join keys it may not read, the same for one value, so events still join', async () => {
    await writeIdentities('20261101T000000Z', { u1: 'p-1', u2: 'p-2' });
    const governed = await openLocalWarehouse({ lakeDir, curatedDir, segmentEventsFile: join(data, 'bus', 'segment-events.jsonl'), policy: analyst });
    try {
      const rows = await governed.query('SELECT messageid, userid FROM raw_events ORDER BY messageid');
      expect(rows.map((r) => r.messageid)).toEqual(['m1', 'm2']);
      for (const r of rows) expect(r.userid).toMatch(/^[0-9a-f]{16}$/);
      expect(rows[0]?.userid).not.toBe(rows[1]?.userid);
      const ids = await governed.query("SELECT identifier_value FROM identities ORDER BY profile_id");
      expect(ids.map((r) => r.identifier_value)).toEqual(rows.map((r) => r.userid));
      expect(await governed.query('SELECT message_id, profile_id FROM events ORDER BY message_id')).toEqual([
        { message_id: 'm1', profile_id: 'p-1' },
        { message_id: 'm2', profile_id: 'p-2' },
      ]);
    } finally {
      await governed.close();
    }
  });

  it('reads the files once, when it opens, and no file after that', async () => {
    const governed = await openLocalWarehouse({ lakeDir, curatedDir, segmentEventsFile: join(data, 'bus', 'segment-events.jsonl'), policy: analyst });
    try {
      await writeRaw('web', '2026-11-02', 'part-2', [track('m3', 'u3', '2026-11-02T10:00:00.000Z')]);
      expect(await governed.query('SELECT count(*) AS n FROM raw_events')).toEqual([{ n: 2 }]);
      await expect(governed.query(`SELECT * FROM read_json('${rawFile('web', '2026-11-02', 'part-2')}')`)).rejects.toThrow(/disabled by configuration/);
    } finally {
      await governed.close();
    }
  });
});
