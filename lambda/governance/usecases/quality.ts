/**
 * Data quality, the two ways it runs:
 *
 * - `evaluateQuality` (locally, `c360 quality`): every rule in effect
 *   measured with DuckDB over the rows a run checks (each table's latest
 *   partition: a day table's newest two days, an export table's latest
 *   export), into the report, with the quarantine by reason.
 * - `startQualityRuns` (deployed, on a schedule): one Glue Data Quality run
 *   per ruleset, over the same partitions (the day of the run and the one
 *   before, the latest export), results to S3 and CloudWatch by Glue itself.
 */
import { createHash } from 'node:crypto';
import { QUALITY_TABLES, QUALITY_TABLE_NAMES, TABLE_REFERENCE } from '../../config/governance-quality';
import { partitionPredicate, type NamedQualityRule, type QualityRuleset, type QualityTableName } from '../contracts/quality-dqdl';
import { resultOf, type QualityReport, type QualityResult } from '../core/quality/report';
import { quarantineRateSql, ruleSql, scopedRelation } from '../core/quality/sql';
import type { ExportPartitions, QualityRunStarter, QualityWarehouse } from '../quality-ports';

export interface EvaluateQualityDeps {
  readonly rules: readonly NamedQualityRule[];
  readonly warehouse: QualityWarehouse;
  /** The instant freshness is measured against. */
  readonly now: Date;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err));

/** The tables the rules read: their own, those their customSql names, and the two the quarantine rate reads. */
function tablesRead(rules: readonly NamedQualityRule[]): QualityTableName[] {
  const read = new Set<QualityTableName>(['raw_events', 'quarantine']);
  for (const { table, rule } of rules) {
    read.add(table);
    if (rule.kind === 'customSql') for (const m of rule.sql.matchAll(TABLE_REFERENCE)) read.add(m[1] as QualityTableName);
  }
  return QUALITY_TABLE_NAMES.filter((t) => read.has(t));
}

/** Measures every rule; a rule whose query fails is reported as an error, the others still run. */
export async function evaluateQuality(deps: EvaluateQualityDeps): Promise<QualityReport> {
  const { rules, warehouse, now } = deps;
  const scopes: Partial<Record<QualityTableName, string>> = {};
  const scopeErrors = new Map<QualityTableName, string>();
  for (const table of tablesRead(rules)) {
    try {
      const latest = await warehouse.latestPartition(table, QUALITY_TABLES[table].partition.column);
      if (latest !== undefined) scopes[table] = partitionPredicate(table, latest);
    } catch (err) {
      scopeErrors.set(table, `cannot find the latest partition: ${messageOf(err)}`);
    }
  }
  const scope = (table: QualityTableName) => scopedRelation(table, scopes[table] ?? 'false');
  const ruleTables = [...new Set(rules.map((r) => r.table))];
  const skipped = ruleTables.filter((t) => scopes[t] === undefined && !scopeErrors.has(t));

  const results: QualityResult[] = [];
  for (const named of rules) {
    const scopeError = scopeErrors.get(named.table);
    if (scopeError !== undefined) {
      results.push(resultOf(named, { error: scopeError }));
      continue;
    }
    if (scopes[named.table] === undefined) continue;
    try {
      const measured = await warehouse.measure(ruleSql(named, scope, now));
      results.push(resultOf(named, { observed: measured.observed }));
    } catch (err) {
      results.push(resultOf(named, { error: messageOf(err) }));
    }
  }
  const quarantine = await warehouse.quarantineByReason(quarantineRateSql(scope));
  const evaluated = Object.fromEntries(ruleTables.flatMap((t) => (scopes[t] === undefined ? [] : [[t, scopes[t]]])));
  return { evaluatedAt: now.toISOString(), scopes: evaluated, skipped, results, quarantine };
}

export interface StartQualityRunsDeps {
  readonly rulesets: readonly QualityRuleset[];
  readonly partitions: ExportPartitions;
  readonly runs: QualityRunStarter;
  readonly now: () => Date;
}

export interface StartedRun {
  readonly table: QualityTableName;
  readonly ruleset: string;
  readonly pushDownPredicate: string;
  readonly runId: string;
}

export interface QualityRunsSummary {
  readonly started: readonly StartedRun[];
  /** Tables with a ruleset but no export yet. */
  readonly skipped: readonly QualityTableName[];
}

/** Same ruleset, same partition, same hour: the same token, so a retried invocation does not start a second run. */
function clientToken(ruleset: string, predicate: string, now: Date): string {
  return createHash('sha256').update(`${ruleset}\n${predicate}\n${now.toISOString().slice(0, 13)}`).digest('hex').slice(0, 64);
}

/** Starts one evaluation run per ruleset over its table's latest partition. */
export async function startQualityRuns(deps: StartQualityRunsDeps): Promise<QualityRunsSummary> {
  const now = deps.now();
  const today = now.toISOString().slice(0, 10);
  const latest = new Map<QualityTableName, string | undefined>();
  const started: StartedRun[] = [];
  const skipped = new Set<QualityTableName>();
  for (const ruleset of deps.rulesets) {
    if (!latest.has(ruleset.table)) {
      latest.set(ruleset.table, QUALITY_TABLES[ruleset.table].partition.kind === 'day' ? today : await deps.partitions.latest(ruleset.table));
    }
    const partition = latest.get(ruleset.table);
    if (partition === undefined) {
      skipped.add(ruleset.table);
      continue;
    }
    const pushDownPredicate = partitionPredicate(ruleset.table, partition);
    const runId = await deps.runs.start({ table: ruleset.table, rulesetName: ruleset.name, pushDownPredicate, clientToken: clientToken(ruleset.name, pushDownPredicate, now) });
    started.push({ table: ruleset.table, ruleset: ruleset.name, pushDownPredicate, runId });
  }
  return { started, skipped: [...skipped] };
}
