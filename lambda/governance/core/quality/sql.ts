/**
 * The quality rules as DuckDB SQL, for `c360 quality` over the local lake:
 * one query per rule returning one row, `rows` (the rows checked; null for
 * customSql) and `observed` (the rule's number, null when there is none), of
 * the same meaning as the DQDL of lambda/governance/contracts/quality-dqdl.ts.
 * `verdict` (report.ts) turns them into pass or fail.
 *
 * Each query reads the table's checked rows: the relation `scopedRelation`
 * builds from the run's partition predicate (the same predicate deployed
 * runs push down to Glue).
 */
import { QUALITY_TABLES, TABLE_REFERENCE, type QualityColumnType } from '../../../config/governance-quality';
import { formatPattern, type NamedQualityRule, type QualityTableName } from '../../contracts/quality-dqdl';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The rows a run checks in a table: `(SELECT * FROM "t" WHERE <predicate>)`. */
export function scopedRelation(table: QualityTableName, predicate: string): string {
  return `(SELECT * FROM ${ident(table)} WHERE ${predicate})`;
}

/** Share of rows for which `condition` holds; null over no rows. */
const share = (condition: string) => `CAST(count(CASE WHEN ${condition} THEN 1 END) AS DOUBLE) / nullif(count(*), 0)`;

const columnType = (table: QualityTableName, column: string): QualityColumnType | undefined =>
  (QUALITY_TABLES[table].columns as Readonly<Record<string, QualityColumnType>>)[column];

/**
 * The query measuring one rule. `scopes` gives each table's checked rows
 * (scopedRelation); `now` is the instant freshness is measured against
 * (passed in, so a result does not depend on when the query runs).
 */
export function ruleSql(named: NamedQualityRule, scopes: (table: QualityTableName) => string, now: Date): string {
  const { rule, table } = named;
  const from = `FROM ${scopes(table)} AS t`;
  switch (rule.kind) {
    case 'completeness':
      return `SELECT count(*) AS rows, ${share(`${ident(rule.column)} IS NOT NULL`)} AS observed ${from}`;
    case 'unique':
      return (
        `WITH vals AS (SELECT ${ident(rule.column)} AS val ${from}), ` +
        `freq AS (SELECT val, count(*) AS n FROM vals WHERE val IS NOT NULL GROUP BY val) ` +
        `SELECT r.rows, CAST(o.once AS DOUBLE) / nullif(r.rows, 0) AS observed ` +
        `FROM (SELECT count(*) AS rows FROM vals) r CROSS JOIN (SELECT count(*) AS once FROM freq WHERE n = 1) o`
      );
    case 'allowedValues':
      return `SELECT count(*) AS rows, ${share(`${ident(rule.column)} IN (${rule.values.map(literal).join(', ')})`)} AS observed ${from}`;
    case 'format':
      return `SELECT count(*) AS rows, ${share(`regexp_matches(${ident(rule.column)}, ${literal(formatPattern(rule))})`)} AS observed ${from}`;
    case 'freshness': {
      // Timestamp columns are UTC wall-clock times (the session zone is UTC); text is ISO-8601 with its offset.
      const value = columnType(table, rule.column) === 'timestamp' ? `CAST(${ident(rule.column)} AS TIMESTAMPTZ)` : `try(CAST(${ident(rule.column)} AS TIMESTAMPTZ))`;
      return `SELECT count(*) AS rows, (epoch(CAST(${literal(now.toISOString())} AS TIMESTAMPTZ)) - epoch(max(${value}))) / 3600.0 AS observed ${from}`;
    }
    case 'rowCount':
      return `SELECT count(*) AS rows, CAST(count(*) AS DOUBLE) AS observed ${from}`;
    case 'customSql': {
      const sql = rule.sql.replace(TABLE_REFERENCE, (_, ref: string) => scopes(ref as QualityTableName));
      return `SELECT CAST(NULL AS BIGINT) AS rows, CAST((${sql}) AS DOUBLE) AS observed`;
    }
  }
}

/** The quarantine by reason of the checked rows, with each reason's share of what the lake received (accepted + quarantined). */
export function quarantineRateSql(scopes: (table: QualityTableName) => string): string {
  return (
    `WITH q AS (SELECT source, coalesce(reason, errormessage) AS reason FROM ${scopes('quarantine')} AS t), ` +
    `total AS (SELECT (SELECT count(*) FROM q) + (SELECT count(*) FROM ${scopes('raw_events')} AS e) AS n) ` +
    `SELECT q.source, q.reason, count(*) AS records, CAST(count(*) AS DOUBLE) / max(total.n) AS share ` +
    `FROM q CROSS JOIN total GROUP BY q.source, q.reason ORDER BY records DESC, q.source, q.reason`
  );
}
