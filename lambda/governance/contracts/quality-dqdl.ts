/**
 * The quality rules as Glue Data Quality rulesets (DQDL), shared by the stack
 * (one AWS::Glue::DataQualityRuleset per table and severity,
 * lib/constructs/governance/data-quality.ts) and the scheduled run
 * (lambda/governance/handlers/quality-run.ts), with the run's partition
 * predicate and the environment the two agree on.
 *
 * A table's rules are split by severity into two rulesets, because Glue's
 * verdict is per ruleset: the `error` ruleset failing raises the alarm, the
 * `warn` ruleset is recorded (S3, CloudWatch metrics) only. Glue names a
 * ruleset's results Rule_1, Rule_2, ... in the order of `rulesetRules`.
 *
 * Each kind has one meaning on both engines (the DuckDB side is
 * lambda/governance/core/quality/sql.ts):
 *
 *   completeness  share of rows with a value            IsComplete / Completeness >= r
 *   unique        share of rows whose value occurs once  IsUnique / Uniqueness >= r
 *   allowedValues share of rows with an allowed value    ColumnValues in [...] (with threshold >= r)
 *   format        share of rows matching the pattern     ColumnValues matches "..." (with threshold >= r)
 *   freshness     hours since the newest value           CustomSql over primary <= N
 *   rowCount      rows                                   RowCount >= min, <= max
 *   customSql     the query's number                     CustomSql "..." op value
 *
 * Freshness is a CustomSql rule, not DataFreshness: DataFreshness judges
 * every row (one old row fails it) and reads date columns only, while the
 * question is whether data is still arriving, and the raw lake's times are
 * ISO-8601 text.
 */
import {
  NAMED_FORMATS,
  QUALITY_TABLES,
  TABLE_REFERENCE,
  type NamedQualityRule,
  type QualityPartitioning,
  type QualityRule,
  type QualitySeverity,
  type QualityTableName,
} from '../../config/governance-quality';

export type { NamedQualityRule, QualityRule, QualitySeverity, QualityTableName };

/** Environment of the scheduled quality run (set by the stack, read by its Lambda entry). */
export const QUALITY_ENV = {
  /** The Glue database of the tables. */
  database: 'QUALITY_DATABASE',
  /** The role Glue Data Quality runs as (passed to StartDataQualityRulesetEvaluationRun). */
  roleArn: 'QUALITY_ROLE_ARN',
  /** The governance bucket: results under RESULTS_PREFIX. */
  resultsBucket: 'QUALITY_RESULTS_BUCKET',
  /** JSON array of QualityRuleset: what to run. */
  rulesets: 'QUALITY_RULESETS',
} as const;

/** Where Glue writes the evaluation results in the governance bucket. */
export const RESULTS_PREFIX = 'quality/';

/** One deployed ruleset: its table, severity and name. */
export interface QualityRuleset {
  readonly table: QualityTableName;
  readonly severity: QualitySeverity;
  readonly name: string;
}

/** The rules of one table and severity, in order (Glue's Rule_1, Rule_2, ...). */
export function rulesetRules(rules: readonly NamedQualityRule[], table: QualityTableName, severity: QualitySeverity): NamedQualityRule[] {
  return rules.filter((r) => r.table === table && r.rule.severity === severity);
}

/** A deployed ruleset's name: `<prefix>-<table>-<severity>` (Glue allows 255 characters). */
export function rulesetName(prefix: string, table: QualityTableName, severity: QualitySeverity): string {
  const name = `${prefix}-${table}-${severity}`;
  if (name.length > 255) throw new Error(`ruleset name ${name} is longer than Glue's 255 characters`);
  return name;
}

const quoted = (text: string) => {
  if (/["\\]/.test(text)) throw new Error(`DQDL text may not contain a double quote or a backslash: ${text}`);
  return `"${text}"`;
};
const num = (n: number) => String(n);
const threshold = (ratio: number) => (ratio < 1 ? ` with threshold >= ${num(ratio)}` : '');
/** A column inside the Spark SQL of a CustomSql rule (backticks: its own quoting, DQDL's double quotes left alone). */
const sparkColumn = (name: string) => `\`${name}\``;

/** The pattern a format rule checks. */
export function formatPattern(rule: Extract<QualityRule, { kind: 'format' }>): string {
  if (rule.pattern !== undefined) return rule.pattern;
  if (rule.format !== undefined) return NAMED_FORMATS[rule.format];
  throw new Error('a format rule needs a format or a pattern');
}

/**
 * The Spark SQL predicate of the rows a run checks in a table, for the
 * tables a CustomSql rule reads besides its own (its own is `primary`,
 * already narrowed by the run's pushDownPredicate): the day tables' last two
 * days, the export tables' latest export.
 */
function sparkScope(database: string, table: QualityTableName): string {
  const partition: QualityPartitioning = QUALITY_TABLES[table].partition;
  const relation = `${database}.${table}`;
  return partition.kind === 'day'
    ? `(select * from ${relation} where dt >= date_format(date_sub(current_date(), 1), 'yyyy-MM-dd'))`
    : `(select * from ${relation} where export_id = (select max(export_id) from ${relation}))`;
}

/** A customSql rule's query for Glue: `{own table}` → primary, `{other}` → its checked rows in the database. */
export function sparkSql(sql: string, table: QualityTableName, database: string): string {
  return sql.replace(TABLE_REFERENCE, (_, ref: string) => (ref === table ? 'primary' : sparkScope(database, ref as QualityTableName)));
}

/** One rule as one DQDL rule. `database` qualifies the other tables a customSql rule reads. */
export function dqdlRule(named: NamedQualityRule, database: string): string {
  const { rule, table } = named;
  switch (rule.kind) {
    case 'completeness':
      return rule.minRatio >= 1 ? `IsComplete ${quoted(rule.column)}` : `Completeness ${quoted(rule.column)} >= ${num(rule.minRatio)}`;
    case 'unique':
      return rule.minRatio >= 1 ? `IsUnique ${quoted(rule.column)}` : `Uniqueness ${quoted(rule.column)} >= ${num(rule.minRatio)}`;
    case 'allowedValues':
      return `ColumnValues ${quoted(rule.column)} in [${rule.values.map(quoted).join(', ')}]${threshold(rule.minRatio)}`;
    case 'format':
      return `ColumnValues ${quoted(rule.column)} matches ${quoted(formatPattern(rule))}${threshold(rule.minRatio)}`;
    case 'freshness': {
      const col = sparkColumn(rule.column);
      return `CustomSql ${quoted(`select (unix_timestamp() - unix_timestamp(max(to_timestamp(${col})))) / 3600.0 from primary`)} <= ${num(rule.maxAgeHours)}`;
    }
    case 'rowCount': {
      const parts = [...(rule.min === undefined ? [] : [`RowCount >= ${num(rule.min)}`]), ...(rule.max === undefined ? [] : [`RowCount <= ${num(rule.max)}`])];
      if (parts.length === 0) throw new Error(`${table}.${named.name}: a rowCount rule needs min or max`);
      return parts.length === 1 ? (parts[0] as string) : parts.map((p) => `(${p})`).join(' and ');
    }
    case 'customSql':
      return `CustomSql ${quoted(sparkSql(rule.sql, table, database))} ${rule.op} ${num(rule.value)}`;
  }
}

/** A ruleset's DQDL document: `Rules = [ ... ]`, one rule per line, in order. */
export function dqdlRuleset(rules: readonly NamedQualityRule[], database: string): string {
  if (rules.length === 0) throw new Error('a DQDL ruleset needs at least one rule');
  return `Rules = [\n${rules.map((r) => `  ${dqdlRule(r, database)}`).join(',\n')}\n]`;
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The partition predicate of a run (Spark SQL, Glue's pushDownPredicate):
 * a day table's last two days up to `latest` (YYYY-MM-DD: the day of the run
 * deployed, the newest partition locally), an export table's export `latest`.
 */
export function partitionPredicate(table: QualityTableName, latest: string): string {
  const partition: QualityPartitioning = QUALITY_TABLES[table].partition;
  if (partition.kind === 'day') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(latest)) throw new Error(`${table}: the latest day must be YYYY-MM-DD, got ${JSON.stringify(latest)}`);
    return `dt >= '${isoDay(Date.parse(`${latest}T00:00:00Z`) - DAY_MS)}'`;
  }
  if (!/^[0-9A-Za-z]+$/.test(latest)) throw new Error(`${table}: not an export id: ${JSON.stringify(latest)}`);
  return `export_id = '${latest}'`;
}
