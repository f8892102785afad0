/**
 * The shipped SQL is portable: every view file parses as Trino SQL (the
 * whole CREATE OR REPLACE VIEW) and its query as Athena SQL (node-sql-parser's
 * Athena grammar has no CREATE VIEW), and uses none of DuckDB's own
 * spellings; the DuckDB shims are macros DuckDB accepts, and every view
 * binds (EXPLAIN) on an empty DuckDB warehouse. A broken statement fails
 * the same checks, so they can fail.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pkg from 'node-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalWarehouse } from '../../lambda/analytics/adapters/duckdb-warehouse';
import { DEFAULT_SHIMS_FILE, readShippedViews } from '../../lambda/analytics/adapters/sql-files';
import type { ShippedView } from '../../lambda/analytics/contracts/views';
import type { Warehouse } from '../../lambda/analytics/ports';

const { Parser } = pkg;
const parser = new Parser();

/** The view's query: the statement without its `CREATE OR REPLACE VIEW name AS`. */
const queryOf = (sql: string) => sql.replace(/^\s*CREATE\s+OR\s+REPLACE\s+VIEW\s+\w+\s+AS\s+/i, '');

function parseTrino(sql: string) {
  return parser.astify(sql, { database: 'trino' });
}
function parseAthena(sql: string) {
  return parser.astify(sql, { database: 'athena' });
}

/** Spellings only DuckDB (or only Postgres) knows: a view using one would not run on Athena. */
const DUCKDB_ONLY = [/::/, /\bFILTER\s*\(/i, /\bEXCLUDE\s*\(/i, /\bREPLACE\s*\(/i, /\bQUALIFY\b/i, /\bjson_extract_string\b/i, /\bstrftime\b/i, /\bepoch\b/i, /\bILIKE\b/i, /\blist_\w+/i];

let views: ShippedView[];
beforeAll(async () => {
  views = await readShippedViews();
});

describe('the view files', () => {
  it('are there', () => {
    expect(views.length).toBeGreaterThanOrEqual(30);
  });

  it('each parse as one Trino CREATE OR REPLACE VIEW statement of the view the file names', () => {
    for (const view of views) {
      let ast;
      try {
        ast = parseTrino(view.sql);
      } catch (err) {
        throw new Error(`${view.file}: ${(err as Error).message}`);
      }
      const statement = Array.isArray(ast) ? ast : [ast];
      expect(statement, view.file).toHaveLength(1);
      expect(statement[0], view.file).toMatchObject({ type: 'create', keyword: 'view', replace: 'or replace' });
      expect((statement[0] as { view?: { view?: string } }).view?.view, view.file).toBe(view.name);
    }
  });

  it("each query parses with the Athena grammar", () => {
    for (const view of views) {
      try {
        parseAthena(queryOf(view.sql));
      } catch (err) {
        throw new Error(`${view.file}: ${(err as Error).message}`);
      }
    }
  });

  it('use no DuckDB-only spelling', () => {
    for (const view of views) {
      for (const pattern of DUCKDB_ONLY) expect(view.sql, `${view.file} uses ${pattern}`).not.toMatch(pattern);
    }
  });

  it('reject a broken statement, and DuckDB-only syntax, in the same checks', () => {
    expect(() => parseTrino('CREATE OR REPLACE VIEW broken AS SELEC a FRM t')).toThrow();
    expect(() => parseAthena('SELECT a FROM t WHERE')).toThrow();
    expect(() => parseAthena("SELECT CAST(x AS timestamp) AT TIME ZONE 'UTC' FROM t")).toThrow();
    expect(DUCKDB_ONLY.some((p) => p.test('SELECT x::DATE FROM t'))).toBe(true);
  });
});

describe('on DuckDB', () => {
  let dir: string;
  let warehouse: Warehouse;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-sql-parse-'));
    warehouse = await openLocalWarehouse({ lakeDir: join(dir, 'lake'), curatedDir: join(dir, 'curated'), segmentEventsFile: join(dir, 'bus.jsonl') });
  }, 60_000);
  afterAll(async () => {
    await warehouse?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the shims file is CREATE MACRO statements DuckDB runs, defining the Athena functions the views call', async () => {
    const shims = await readFile(DEFAULT_SHIMS_FILE, 'utf8');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const statements = await connection.extractStatements(shims);
      const macros = [...shims.matchAll(/CREATE\s+OR\s+REPLACE\s+MACRO\s+(\w+)/gi)].map((m) => m[1]);
      expect(statements.count).toBe(macros.length);
      await connection.run(shims);
      const defined = (await connection.runAndReadAll("SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type = 'macro' AND schema_name = 'main'"))
        .getRowObjectsJson()
        .map((r) => r.function_name);
      expect(defined).toEqual(expect.arrayContaining(macros));
      for (const name of ['json_extract_scalar', 'json_format', 'from_iso8601_timestamp', 'to_unixtime', 'from_unixtime']) {
        expect(views.some((v) => new RegExp(`\\b${name}\\(`).test(v.sql)), `${name} is used by a view`).toBe(true);
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('every view binds on an empty warehouse (EXPLAIN)', async () => {
    for (const view of views) {
      const plan = await warehouse.query(`EXPLAIN SELECT * FROM ${view.name}`);
      expect(plan.length, view.name).toBeGreaterThan(0);
    }
  });

  it('EXPLAIN of a statement that does not bind fails', async () => {
    await expect(warehouse.query('EXPLAIN SELECT missing_column FROM customers_overview')).rejects.toThrow(/missing_column/);
  });
});
