/**
 * The Redshift SQL under sql/redshift/, with its placeholders filled as the
 * stack fills them, checked statement by statement: what node-sql-parser's
 * Redshift dialect can parse (views, the streaming view's query) is parsed;
 * Redshift-only syntax it cannot parse (FROM KINESIS, FROM DATA CATALOG,
 * materialized views, procedures, GRANT EXECUTE) gets a focused check of its
 * exact shape. Every statement must match one known form.
 */
import pkg from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import {
  readRedshiftSqlFiles,
  redshiftFileStatements,
  redshiftStatements,
  splitSqlStatements,
  type RedshiftSqlValues,
} from '../../lib/constructs/analytics/redshift-serverless';

const { Parser } = pkg;
const parser = new Parser();
const DIALECT = { database: 'redshift' } as const;

const ROLE = 'arn:aws:iam::123456789012:role/acme-analytics-WarehouseRole1A2B3C-AbCdEf';
const STREAM = 'acme-collection-EventStream1A2B3C4D-XyZ123';
const VALUES: RedshiftSqlValues = { stream_name: STREAM, role_arn: ROLE, glue_database: 'acme_lake', auto_refresh: 'NO' };

/** The columns the real-time views and the dashboard read from the streaming view. */
const STREAM_COLUMNS = [
  'approximate_arrival_timestamp',
  'partition_key',
  'shard_id',
  'sequence_number',
  'payload',
  'message_id',
  'type',
  'event',
  'user_id',
  'anonymous_id',
  'event_time',
  'revenue',
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Parses with the Redshift dialect, or throws the parser's message with the statement's name. */
function parse(name: string, sql: string) {
  try {
    return parser.astify(sql, DIALECT);
  } catch (e) {
    throw new Error(`${name}: does not parse: ${(e as Error).message}`);
  }
}

/** Output column names of a parsed SELECT (alias, else the column name). */
function selectColumns(ast: unknown): string[] {
  const select = (Array.isArray(ast) ? ast[0] : ast) as { columns: Array<{ as: string | null; expr: { column?: { expr?: { value?: string } } } }> };
  return select.columns.map((c) => c.as ?? c.expr.column?.expr?.value ?? '?');
}

/** Checks one statement; returns which form it is. Throws naming the statement when it matches none or is malformed. */
function check(name: string, sql: string, values: RedshiftSqlValues): string {
  if (/^CREATE\s+EXTERNAL\s+SCHEMA/i.test(sql)) {
    const kinesis = new RegExp(`^CREATE EXTERNAL SCHEMA IF NOT EXISTS ([a-z_]+)\\s+FROM KINESIS\\s+IAM_ROLE '${escape(values.role_arn)}'$`).exec(sql);
    if (kinesis !== null) return `kinesis schema ${kinesis[1]}`;
    const catalog = new RegExp(
      `^CREATE EXTERNAL SCHEMA IF NOT EXISTS ([a-z_]+)\\s+FROM DATA CATALOG\\s+DATABASE '${escape(values.glue_database)}'\\s+IAM_ROLE '${escape(values.role_arn)}'$`,
    ).exec(sql);
    if (catalog !== null) return `catalog schema ${catalog[1]}`;
    throw new Error(`${name}: an external schema is CREATE EXTERNAL SCHEMA IF NOT EXISTS <name> FROM KINESIS | FROM DATA CATALOG DATABASE '<db>', with IAM_ROLE '<role>'`);
  }
  if (/^DROP\s+MATERIALIZED\s+VIEW/i.test(sql)) {
    const drop = /^DROP MATERIALIZED VIEW IF EXISTS ([a-z_]+) CASCADE$/.exec(sql);
    if (drop === null) throw new Error(`${name}: DROP MATERIALIZED VIEW IF EXISTS <name> CASCADE`);
    return `drop ${drop[1]}`;
  }
  if (/^CREATE\s+MATERIALIZED\s+VIEW/i.test(sql)) {
    const mv = /^CREATE MATERIALIZED VIEW ([a-z_]+) AUTO REFRESH (YES|NO) AS\s+(SELECT[\s\S]+)$/.exec(sql);
    if (mv === null) throw new Error(`${name}: CREATE MATERIALIZED VIEW <name> AUTO REFRESH YES|NO AS SELECT …`);
    if (mv[2] !== values.auto_refresh) throw new Error(`${name}: AUTO REFRESH ${mv[2]}, expected ${values.auto_refresh}`);
    const query = mv[3] as string;
    const ast = parse(name, query);
    expect(parser.tableList(query, DIALECT), name).toEqual([`select::kinesis_events::${values.stream_name}`]);
    expect(selectColumns(ast), name).toEqual(STREAM_COLUMNS);
    expect(query, name).toContain("JSON_PARSE(FROM_VARBYTE(kinesis_data, 'utf-8')) AS payload");
    return `materialized view ${mv[1]}`;
  }
  if (/^CREATE\s+OR\s+REPLACE\s+VIEW/i.test(sql)) {
    const ast = parse(name, sql) as { type: string; keyword: string; view: { view: string } };
    expect(ast).toMatchObject({ type: 'create', keyword: 'view' });
    const tables = parser.tableList(sql, DIALECT);
    return `view ${ast.view.view} over ${tables.filter((t) => t.startsWith('select::')).map((t) => t.split('::')[2]).join(', ')}`;
  }
  if (/^CREATE\s+OR\s+REPLACE\s+PROCEDURE/i.test(sql)) {
    const proc = /^CREATE OR REPLACE PROCEDURE ([a-z_]+)\(\)\s+NONATOMIC\s+AS \$\$\s+BEGIN\s+([\s\S]+?);\s+END;\s+\$\$ LANGUAGE plpgsql\s+SECURITY DEFINER$/.exec(sql);
    if (proc === null) throw new Error(`${name}: CREATE OR REPLACE PROCEDURE <name>() NONATOMIC AS $$ BEGIN …; END; $$ LANGUAGE plpgsql SECURITY DEFINER`);
    if (!/^REFRESH MATERIALIZED VIEW [a-z_]+$/.test(proc[2] as string)) throw new Error(`${name}: the procedure only refreshes a materialized view`);
    return `procedure ${proc[1]}: ${proc[2]}`;
  }
  if (/^GRANT\s/i.test(sql)) {
    const grant = /^GRANT EXECUTE ON PROCEDURE ([a-z_]+)\(\) TO PUBLIC$/.exec(sql);
    if (grant === null) throw new Error(`${name}: GRANT EXECUTE ON PROCEDURE <name>() TO PUBLIC`);
    return `grant execute ${grant[1]}`;
  }
  throw new Error(`${name}: not a known statement form: ${sql.slice(0, 60)}`);
}

describe('sql/redshift statements', () => {
  const statements = redshiftStatements(VALUES);

  it('are each of a known, well-formed kind (parsed where the Redshift dialect can, shape-checked where it cannot)', () => {
    expect(statements.map((s) => `${s.name}: ${check(s.name, s.sql, VALUES)}`)).toEqual([
      '010-kinesis_events: kinesis schema kinesis_events',
      '020-events_stream#1: drop events_stream',
      '020-events_stream#2: materialized view events_stream',
      '030-lake: catalog schema lake',
      '040-events_last_hour: view events_last_hour over events_stream',
      '045-events_today: view events_today over events_stream',
      '050-revenue_today: view revenue_today over events_stream',
      '060-refresh_events_stream#1: procedure refresh_events_stream: REFRESH MATERIALIZED VIEW events_stream',
      '060-refresh_events_stream#2: grant execute refresh_events_stream',
    ]);
  });

  it('fill every placeholder (none left) and name the stream in double quotes, so its mixed case is kept', () => {
    for (const s of statements) expect(s.sql, s.name).not.toMatch(/\{\{|\}\}/);
    expect(statements.find((s) => s.name === '020-events_stream#2')?.sql).toContain(`FROM kinesis_events."${STREAM}"`);
  });

  it('follow the configured refresh mode', () => {
    const auto = redshiftStatements({ ...VALUES, auto_refresh: 'YES' });
    const mv = auto.find((s) => s.name === '020-events_stream#2')!;
    expect(check(mv.name, mv.sql, { ...VALUES, auto_refresh: 'YES' })).toBe('materialized view events_stream');
    expect(() => check(mv.name, mv.sql, VALUES)).toThrow(/AUTO REFRESH YES, expected NO/);
  });

  it('can run again: every CREATE is IF NOT EXISTS or OR REPLACE, or follows a DROP … IF EXISTS of the same object', () => {
    const dropped = new Set<string>();
    for (const s of statements) {
      const drop = /^DROP MATERIALIZED VIEW IF EXISTS ([a-z_]+)/.exec(s.sql);
      if (drop !== null) dropped.add(drop[1] as string);
      if (!/^CREATE/.test(s.sql)) continue;
      const safe = /^CREATE (EXTERNAL SCHEMA IF NOT EXISTS|OR REPLACE) /.test(s.sql) || dropped.has(/^CREATE MATERIALIZED VIEW ([a-z_]+)/.exec(s.sql)?.[1] ?? '');
      expect(safe, s.name).toBe(true);
    }
  });
});

describe('the checks catch broken SQL', () => {
  const files = readRedshiftSqlFiles();
  const broken = (file: string, from: string | RegExp, to: string) => {
    const text = (files[file] as string).replace(from, to);
    expect(text).not.toBe(files[file]);
    return () => redshiftStatements(VALUES, { ...files, [file]: text }).forEach((s) => check(s.name, s.sql, VALUES));
  };

  it('a view with a syntax error does not parse', () => {
    expect(broken('040-events_last_hour.sql', 'GROUP BY type, event', 'GROUP type, event')).toThrow(/040-events_last_hour: does not parse/);
  });

  it('a streaming view whose query does not parse, or that lost a column, fails', () => {
    expect(broken('020-events_stream.sql', 'AS payload,', 'AS payload,,')).toThrow(/020-events_stream#2: does not parse/);
    expect(broken('020-events_stream.sql', /,\n\s*partition_key,/, ',')).toThrow();
  });

  it('a streaming view without AUTO REFRESH, or an external schema without its role, fails its shape check', () => {
    expect(broken('020-events_stream.sql', 'AUTO REFRESH {{auto_refresh}} ', '')).toThrow(/AUTO REFRESH YES\|NO/);
    expect(broken('010-kinesis_events.sql', "IAM_ROLE '{{role_arn}}'", '')).toThrow(/010-kinesis_events: an external schema/);
  });

  it('an unknown placeholder, an unsafe value or an unterminated body fails with the file name', () => {
    expect(() => redshiftFileStatements('030-lake.sql', "-- x\nCREATE EXTERNAL SCHEMA IF NOT EXISTS lake FROM DATA CATALOG DATABASE '{{glue_db}}' IAM_ROLE 'r'", VALUES)).toThrow(
      /030-lake\.sql: unknown placeholder \{\{glue_db\}\}/,
    );
    expect(() => redshiftStatements({ ...VALUES, glue_database: "lake'; DROP SCHEMA public; --" })).toThrow(/030-lake\.sql: \{\{glue_database\}\}/);
    expect(() => redshiftFileStatements('070-p.sql', '-- x\nCREATE PROCEDURE p() AS $$ BEGIN', VALUES)).toThrow(/070-p\.sql: unterminated \$\$ body/);
    expect(() => redshiftFileStatements('70-p.sql', '-- x\nSELECT 1', VALUES)).toThrow(/named NNN-name\.sql/);
    expect(() => redshiftFileStatements('070-p.sql', 'SELECT 1', VALUES)).toThrow(/start with a -- comment/);
  });

  it('an unknown statement form is refused', () => {
    expect(() => check('x', 'DELETE FROM events_stream', VALUES)).toThrow(/not a known statement form/);
  });
});

describe('splitSqlStatements', () => {
  it('splits at semicolons outside strings, quoted identifiers, dollar-quoted bodies and comments', () => {
    expect(splitSqlStatements("SELECT ';' AS a; -- a ; comment\nSELECT \"x;y\" FROM t;\nCREATE PROCEDURE p() AS $$ BEGIN x; END; $$ LANGUAGE plpgsql;")).toEqual([
      "SELECT ';' AS a",
      'SELECT "x;y" FROM t',
      'CREATE PROCEDURE p() AS $$ BEGIN x; END; $$ LANGUAGE plpgsql',
    ]);
  });
});
