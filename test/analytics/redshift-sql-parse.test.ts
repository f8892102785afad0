/**
 * The Redshift SQL under sql/redshift/, with its placeholders filled as the
 * stack fills them, checked statement by statement: what node-sql-parser's
 * Redshift dialect can parse (views, the streaming view's query) is parsed;
 * Redshift-only syntax it cannot parse (FROM KINESIS, FROM DATA CATALOG,
 * materialized views, procedures, GRANT EXECUTE) gets a focused check of its
 * exact shape. Every statement must match one known form. The governance
 * statements generated from the classification are checked the same way.
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
import { REALTIME_VIEWS, redshiftGovernanceStatements } from '../../lib/constructs/analytics/redshift-sql';
import { parseConfig } from '../../lambda/config';

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
  if (/^CREATE\s+OR\s+REPLACE\s+PROCEDURE\s+c360_ensure_role/i.test(sql)) {
    const ensure = /^CREATE OR REPLACE PROCEDURE c360_ensure_role\(wanted VARCHAR\(64\)\)\s+AS \$\$\s+BEGIN\s+IF NOT EXISTS \(SELECT 1 FROM svv_roles WHERE role_name = wanted\) THEN\s+EXECUTE 'CREATE ROLE ' \|\| quote_ident\(wanted\);\s+END IF;\s+END;\s+\$\$ LANGUAGE plpgsql$/.exec(sql);
    if (ensure === null) throw new Error(`${name}: c360_ensure_role(wanted) creates the role (quote_ident) unless svv_roles has it`);
    return 'procedure c360_ensure_role: creates a role unless it exists';
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
      '070-governance_roles: procedure c360_ensure_role: creates a role unless it exists',
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

/**
 * The governance statements (the column policy as Redshift roles): each of
 * a known form, the masked views' queries parsed; a role that may not read
 * direct PII gets masked views and neither the streaming view nor the
 * Spectrum schema; the steward gets both; the config's roles are created too.
 */
describe('governance statements', () => {
  const config = parseConfig({ governance: { roles: { marketing: { sees: ['none'], otherwise: 'omit' } } } });
  const statements = redshiftGovernanceStatements(config);
  const ROLE_NAME = '"([a-z][a-z0-9_-]*)"';

  /** Which form a governance statement is; throws when it is none. */
  function checkGovernance(name: string, sql: string): string {
    const forms: Array<[RegExp, (m: RegExpExecArray) => string]> = [
      [/^CALL c360_ensure_role\('([a-z][a-z0-9_-]*)'\)$/, (m) => `role ${m[1]}`],
      [new RegExp(`^GRANT SELECT ON ${REALTIME_VIEWS.join(', ')} TO ROLE ${ROLE_NAME}$`), (m) => `realtime to ${m[1]}`],
      [new RegExp(`^GRANT SELECT ON events_stream TO ROLE ${ROLE_NAME}$`), (m) => `stream to ${m[1]}`],
      [new RegExp(`^REVOKE SELECT ON events_stream FROM ROLE ${ROLE_NAME}$`), (m) => `no stream for ${m[1]}`],
      [new RegExp(`^GRANT USAGE ON SCHEMA lake TO ROLE ${ROLE_NAME}$`), (m) => `lake to ${m[1]}`],
      [new RegExp(`^REVOKE USAGE ON SCHEMA lake FROM ROLE ${ROLE_NAME}$`), (m) => `no lake for ${m[1]}`],
      [/^CREATE SCHEMA IF NOT EXISTS "(c360_[a-z0-9_-]+)"$/, (m) => `schema ${m[1]}`],
      [new RegExp(`^GRANT USAGE ON SCHEMA "(c360_[a-z0-9_-]+)" TO ROLE ${ROLE_NAME}$`), (m) => `usage ${m[1]} to ${m[2]}`],
      [new RegExp(`^GRANT SELECT ON ALL TABLES IN SCHEMA "(c360_[a-z0-9_-]+)" TO ROLE ${ROLE_NAME}$`), (m) => `select ${m[1]} to ${m[2]}`],
    ];
    for (const [re, what] of forms) {
      const m = re.exec(sql);
      if (m !== null) return what(m);
    }
    const view = /^CREATE OR REPLACE VIEW "(c360_[a-z0-9_-]+)"\.([a-z_]+) AS (SELECT [\s\S]+) FROM (public\.events_stream|lake\.[a-z_]+)( WITH NO SCHEMA BINDING)?$/.exec(sql);
    if (view === null) throw new Error(`${name}: not a known governance statement: ${sql.slice(0, 80)}`);
    const [, schema, relation, select, from, late] = view;
    if (from === 'public.events_stream' ? late !== undefined : late === undefined) throw new Error(`${name}: views over Spectrum tables are late-binding, the view over the streaming view is not`);
    parse(name, `${select} FROM ${from}`);
    return `view ${schema}.${relation} over ${from}`;
  }

  it('are each of a known form, the masked views parsed', () => {
    const forms = statements.map((s) => checkGovernance(s.name, s.sql));
    expect(forms).toEqual(expect.arrayContaining(['role analyst', 'role steward', 'role marketing', 'lake to steward', 'stream to steward', 'no lake for analyst', 'no stream for analyst']));
    expect(forms).toContain('view c360_analyst.events_stream over public.events_stream');
    expect(forms).toContain('view c360_analyst.profiles over lake.profiles');
    expect(forms).toContain('select c360_analyst to analyst');
    expect(forms).not.toContain('lake to analyst');
    expect(forms).not.toContain('view c360_steward.profiles over lake.profiles');
    expect(new Set(statements.map((s) => s.name)).size).toBe(statements.length);
  });

  it('mask the analyst\'s direct columns and keep the rest', () => {
    const profiles = statements.find((s) => s.name === 'governance-analyst-view-profiles')!.sql;
    expect(profiles).toContain(`CASE WHEN "email" IS NULL THEN NULL ELSE '***' END AS "email"`);
    expect(profiles).toContain(`CASE WHEN "first_name" IS NULL THEN NULL ELSE '***' END AS "first_name"`);
    expect(profiles).toMatch(/SELECT "profile_id", /);
    expect(profiles).toContain('"city"');
    const stream = statements.find((s) => s.name === 'governance-analyst-view-events_stream')!.sql;
    expect(stream).toContain(`CASE WHEN "user_id" IS NULL THEN NULL ELSE '***' END AS "user_id"`);
    expect(stream).toContain('JSON_PARSE(CAST(NULL AS VARCHAR)) AS "payload"');
    expect(stream).toContain('"anonymous_id", ');
    const identities = statements.find((s) => s.name === 'governance-analyst-view-identities')!.sql;
    expect(identities).toContain(`CASE WHEN "identifier_type" IN ('anonymousId', 'deviceToken') THEN "identifier_value" WHEN "identifier_value" IS NULL THEN NULL ELSE '***' END AS "identifier_value"`);
  });

  it('leave out what an omit role may not read', () => {
    const profiles = statements.find((s) => s.name === 'governance-marketing-view-profiles')!.sql;
    expect(profiles).not.toContain('"email"');
    expect(profiles).not.toContain('"city"');
    expect(profiles).toContain('"country"');
    const identities = statements.find((s) => s.name === 'governance-marketing-view-identities')!.sql;
    expect(identities).toContain('CAST(NULL AS VARCHAR) AS "identifier_value"');
  });

  it('follow the classification: a field made direct is masked for the analyst', () => {
    const strict = redshiftGovernanceStatements(parseConfig({ governance: { classification: { fields: { 'traits.country': { class: 'direct', category: 'location' } } } } }));
    expect(strict.find((s) => s.name === 'governance-analyst-view-profiles')!.sql).toContain(`CASE WHEN "country" IS NULL THEN NULL ELSE '***' END AS "country"`);
  });
});
