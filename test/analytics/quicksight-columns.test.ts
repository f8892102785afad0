/**
 * The QuickSight datasets declare each shipped view's columns (lib/constructs/analytics/quicksight.ts):
 * they must be the columns the view returns, with matching types, or the dashboard breaks at deploy.
 * Checked on the local warehouse, which runs the same view text.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalWarehouse } from '../../lambda/analytics/adapters/duckdb-warehouse';
import type { Warehouse } from '../../lambda/analytics/ports';
import { DASHBOARD_VIEW_COLUMNS, DASHBOARD_VIEWS } from '../../lib/constructs/analytics/quicksight';

/** DuckDB's column types for each type the datasets declare. */
const DUCKDB_TYPES: Readonly<Record<string, readonly string[]>> = {
  string: ['VARCHAR'],
  int: ['INTEGER', 'BIGINT'],
  bigint: ['BIGINT', 'HUGEINT', 'INTEGER'],
  double: ['DOUBLE', 'FLOAT'],
  date: ['DATE'],
};

describe('QuickSight dataset columns', () => {
  let dir: string;
  let warehouse: Warehouse;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-qs-columns-'));
    warehouse = await openLocalWarehouse({ lakeDir: join(dir, 'lake'), curatedDir: join(dir, 'curated'), segmentEventsFile: join(dir, 'bus.jsonl') });
  });
  afterAll(async () => {
    await warehouse?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(DASHBOARD_VIEWS)('%s: the dataset declares the columns and types the view returns', async (view) => {
    const described = await warehouse.query(`DESCRIBE SELECT * FROM ${view}`);
    const actual = described.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    const declared = DASHBOARD_VIEW_COLUMNS[view];
    expect(actual.map((c) => c.name)).toEqual(expect.arrayContaining(declared.map((c) => c.name)));
    for (const column of declared) {
      const type = actual.find((c) => c.name === column.name)?.type;
      expect(DUCKDB_TYPES[column.type], `${view}.${column.name} is ${type}`).toContain(type);
    }
  });
});
