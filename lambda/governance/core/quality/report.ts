/**
 * The quality report: one result per rule (pass, fail, or error when the
 * rule could not be measured), the verdict of a measured value, and the
 * report as an aligned table or JSON. Values only: no row of the data.
 */
import type { NamedQualityRule, QualityRule, QualitySeverity, QualityTableName } from '../../contracts/quality-dqdl';

export type QualityStatus = 'pass' | 'fail' | 'error';

export interface QualityResult {
  readonly table: QualityTableName;
  readonly rule: string;
  readonly kind: QualityRule['kind'];
  readonly status: QualityStatus;
  /** The measured number (a share, hours, rows, the query's value); null when there is none (no rows, an error). */
  readonly observed: number | null;
  /** What passes, e.g. `>= 0.99`, `<= 24 hours`. */
  readonly expected: string;
  readonly severity: QualitySeverity;
  /** Why the rule could not be measured (status error). */
  readonly message?: string;
}

/** Quarantined records of the checked rows, per source and reason, and their share of everything received. */
export interface QuarantineReason {
  readonly source: string;
  readonly reason: string | null;
  readonly records: number;
  readonly share: number;
}

export interface QualityReport {
  /** The instant freshness was measured against. */
  readonly evaluatedAt: string;
  /** Table → the partition predicate of the rows checked. */
  readonly scopes: Readonly<Partial<Record<QualityTableName, string>>>;
  /** Tables with rules but no partition yet: not evaluated. */
  readonly skipped: readonly QualityTableName[];
  readonly results: readonly QualityResult[];
  readonly quarantine: readonly QuarantineReason[];
}

const ratioText = (r: number) => `>= ${r}`;

/** What a rule accepts, in words of its observed value. */
export function expectedOf(rule: QualityRule): string {
  switch (rule.kind) {
    case 'completeness':
    case 'unique':
    case 'allowedValues':
    case 'format':
      return ratioText(rule.minRatio);
    case 'freshness':
      return `<= ${rule.maxAgeHours} hours`;
    case 'rowCount':
      return [rule.min === undefined ? undefined : `>= ${rule.min}`, rule.max === undefined ? undefined : `<= ${rule.max}`].filter((x) => x !== undefined).join(' and ');
    case 'customSql':
      return `${rule.op} ${rule.value}`;
  }
}

const compare = (observed: number, op: '>=' | '>' | '<=' | '<' | '=', value: number) => {
  switch (op) {
    case '>=':
      return observed >= value;
    case '>':
      return observed > value;
    case '<=':
      return observed <= value;
    case '<':
      return observed < value;
    case '=':
      return observed === value;
  }
};

/**
 * Whether a measured value passes. No value fails (no rows to judge, no
 * newest time, a query answering null), as Glue Data Quality fails a rule
 * over an empty dataset.
 */
export function verdict(rule: QualityRule, observed: number | null): 'pass' | 'fail' {
  if (observed === null || Number.isNaN(observed)) return 'fail';
  switch (rule.kind) {
    case 'completeness':
    case 'unique':
    case 'allowedValues':
    case 'format':
      return observed >= rule.minRatio ? 'pass' : 'fail';
    case 'freshness':
      return observed <= rule.maxAgeHours ? 'pass' : 'fail';
    case 'rowCount':
      return (rule.min === undefined || observed >= rule.min) && (rule.max === undefined || observed <= rule.max) ? 'pass' : 'fail';
    case 'customSql':
      return compare(observed, rule.op, rule.value) ? 'pass' : 'fail';
  }
}

/** The result of a rule from its measured value, or from the error that kept it from being measured. */
export function resultOf(named: NamedQualityRule, measured: { observed: number | null } | { error: string }): QualityResult {
  const base = { table: named.table, rule: named.name, kind: named.rule.kind, expected: expectedOf(named.rule), severity: named.rule.severity };
  if ('error' in measured) return { ...base, status: 'error', observed: null, message: measured.error };
  return { ...base, status: verdict(named.rule, measured.observed), observed: measured.observed };
}

/** Whether the report should fail the command: a rule of severity error failed or could not be measured. */
export function hasFailedErrors(report: Pick<QualityReport, 'results'>): boolean {
  return report.results.some((r) => r.severity === 'error' && r.status !== 'pass');
}

const shown = (n: number | null) => {
  if (n === null) return '-';
  if (Number.isInteger(n)) return String(n);
  return String(Math.round(n * 10_000) / 10_000);
};

function table(header: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (values: readonly string[]) => values.map((v, i) => (numeric[i] ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The report as text: the rule table, then the quarantine by reason, then a one-line summary. */
export function formatReportTable(report: QualityReport): string {
  const results = table(
    ['table', 'rule', 'kind', 'severity', 'status', 'observed', 'expected'],
    report.results.map((r) => [r.table, r.rule, r.kind, r.severity, r.status === 'pass' ? 'pass' : r.status.toUpperCase(), shown(r.observed), r.expected + (r.message === undefined ? '' : `  (${r.message})`)]),
    [false, false, false, false, false, true, false],
  );
  const quarantine =
    report.quarantine.length === 0
      ? 'Quarantine: nothing quarantined in the checked days.'
      : `Quarantine by reason (share of everything received in the checked days):\n${table(
          ['source', 'reason', 'records', 'share'],
          report.quarantine.map((q) => [q.source, q.reason ?? '(none)', String(q.records), shown(q.share)]),
          [false, false, true, true],
        )}`;
  const count = (status: QualityStatus) => report.results.filter((r) => r.status === status).length;
  const skipped = report.skipped.length === 0 ? '' : `; not evaluated (no data yet): ${report.skipped.join(', ')}`;
  const summary = `${count('pass')} passed, ${count('fail')} failed, ${count('error')} errors${skipped}`;
  return `${results}\n\n${quarantine}\n\n${summary}`;
}

/** The report as JSON text. */
export function formatReportJson(report: QualityReport): string {
  return JSON.stringify(report, null, 2);
}
