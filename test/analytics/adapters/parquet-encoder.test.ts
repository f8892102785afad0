import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeParquet } from '../../../lambda/analytics/adapters/parquet-encoder';
import { computedTraitColumns, profileTableColumns, type CuratedColumn } from '../../../lambda/analytics/contracts/curated';
import { exportRows } from '../../../lambda/analytics/core/export-rows';
import { parseConfig } from '../../../lambda/config';
import { customerRecordReader } from '../../../lambda/unification/contracts/customer-record';
import { applyEvents, emptyProfile } from '../../../lambda/unification/core/profile/profile';

const COLUMNS: CuratedColumn[] = [
  { name: 'id', type: 'string' },
  { name: 'n', type: 'bigint' },
  { name: 'x', type: 'double' },
  { name: 'ok', type: 'boolean' },
  { name: 'seen_at', type: 'timestamp' },
];
const AT = Date.UTC(2026, 11, 1, 22, 0, 0, 123);

describe('the Parquet encoder, read back with DuckDB', () => {
  let dir: string;
  let db: DuckDBInstance;
  let sql: DuckDBConnection;
  let files = 0;
  const write = async (bytes: Uint8Array) => {
    const file = join(dir, `t-${++files}.parquet`);
    await writeFile(file, bytes);
    return file;
  };
  const query = async (text: string) => (await sql.runAndReadAll(text)).getRowObjectsJS();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-parquet-'));
    db = await DuckDBInstance.create(':memory:');
    sql = await db.connect();
  });
  afterAll(async () => {
    sql?.closeSync();
    db?.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes each contract type as the Parquet type Athena reads, every column nullable, in contract order', async () => {
    const file = await write(encodeParquet(COLUMNS, [{ id: 'a', n: 1, x: 1.5, ok: true, seen_at: AT }]));
    const described = await query(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    expect(described.map((r) => [r.column_name, r.column_type, r.null])).toEqual([
      ['id', 'VARCHAR', 'YES'],
      ['n', 'BIGINT', 'YES'],
      ['x', 'DOUBLE', 'YES'],
      ['ok', 'BOOLEAN', 'YES'],
      ['seen_at', 'TIMESTAMP WITH TIME ZONE', 'YES'],
    ]);
    const schema = await query(`SELECT name, type, converted_type, logical_type FROM parquet_schema('${file}') WHERE name = 'seen_at'`);
    expect(schema[0]).toMatchObject({ type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' });
    expect(String(schema[0]?.logical_type)).toMatch(/isAdjustedToUTC=1.*MILLIS/);
  });

  it('round-trips values and nulls: text in UTF-8, whole numbers beyond 32 bits, millisecond UTC times', async () => {
    const big = 2 ** 40 + 7;
    const file = await write(
      encodeParquet(COLUMNS, [
        { id: 'Zoë 🌍', n: big, x: -0.25, ok: false, seen_at: AT },
        { id: null, n: null, x: null, ok: null, seen_at: null },
        { id: '', n: 0, x: 1e300, ok: true, seen_at: 0 },
      ]),
    );
    const rows = await query(`SELECT id, n, x, ok, epoch_ms(seen_at) AS at_ms, strftime(seen_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%g') AS at_text FROM read_parquet('${file}')`);
    expect(rows).toEqual([
      { id: 'Zoë 🌍', n: BigInt(big), x: -0.25, ok: false, at_ms: BigInt(AT), at_text: '2026-12-01T22:00:00.123' },
      { id: null, n: null, x: null, ok: null, at_ms: null, at_text: null },
      { id: '', n: 0n, x: 1e300, ok: true, at_ms: 0n, at_text: '1970-01-01T00:00:00.000' },
    ]);
  });

  it('writes a readable file with the schema and no rows', async () => {
    const file = await write(encodeParquet(COLUMNS, []));
    expect(await query(`SELECT count(*) AS n FROM read_parquet('${file}')`)).toEqual([{ n: 0n }]);
    expect((await query(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).map((r) => r.column_name)).toEqual(['id', 'n', 'x', 'ok', 'seen_at']);
  });

  it('refuses a value of the wrong kind, naming the column', () => {
    expect(() => encodeParquet(COLUMNS, [{ id: 5 }])).toThrow('column id (string) cannot hold a number value');
    expect(() => encodeParquet(COLUMNS, [{ n: 1.5 }])).toThrow('column n (bigint) cannot hold a number value');
    expect(() => encodeParquet(COLUMNS, [{ seen_at: 'yesterday' }])).toThrow('column seen_at (timestamp) cannot hold a string value');
    expect(() => encodeParquet([], [])).toThrow(/at least one column/);
  });

  it('writes a whole profiles table that DuckDB reads with the contract names and types', async () => {
    const config = parseConfig({});
    const T = Date.UTC(2026, 10, 1);
    const p = applyEvents(
      emptyProfile('p-1', new Date(T).toISOString()),
      [
        {
          messageId: 'm1',
          type: 'identify',
          timestamp: new Date(T).toISOString(),
          ts: T,
          identifiers: [{ type: 'userId', value: 'u-1' }],
          traits: { email: 'ana@example.org', firstName: 'Ana' },
          channel: 'crm',
        },
      ],
      T / 1000,
    ).profile;
    const columns = profileTableColumns(config);
    const rows = exportRows(customerRecordReader(config)(p, T), computedTraitColumns(config));
    const file = await write(encodeParquet(columns, rows.profiles));
    const described = await query(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    const duck: Record<CuratedColumn['type'], string> = {
      string: 'VARCHAR',
      bigint: 'BIGINT',
      double: 'DOUBLE',
      boolean: 'BOOLEAN',
      timestamp: 'TIMESTAMP WITH TIME ZONE',
    };
    expect(described.map((r) => [r.column_name, r.column_type])).toEqual(columns.map((c) => [c.name, duck[c.type]]));
    const [row] = await query(`SELECT profile_id, user_id, email, first_name, event_count, computed_order_count, computed_last_order_at, epoch_ms(created_at) AS created FROM read_parquet('${file}')`);
    expect(row).toEqual({
      profile_id: 'p-1',
      user_id: 'u-1',
      email: 'ana@example.org',
      first_name: 'Ana',
      event_count: 1n,
      computed_order_count: 0n,
      computed_last_order_at: null,
      created: BigInt(T),
    });
  });
});
