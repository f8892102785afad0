/**
 * The scheduled quality run (EventBridge schedule every
 * governance.quality.everyHours): one Glue Data Quality evaluation run per
 * ruleset over its table's latest partition. A portable factory: the Lambda
 * entry gives it the Glue adapters, tests give it stand-ins.
 */
import type { QualityRuleset } from '../contracts/quality-dqdl';
import type { ExportPartitions, QualityRunStarter } from '../quality-ports';
import { startQualityRuns, type QualityRunsSummary } from '../usecases/quality';

export interface QualityRunDeps {
  readonly rulesets: readonly QualityRuleset[];
  readonly partitions: ExportPartitions;
  readonly runs: QualityRunStarter;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Parses the QUALITY_RULESETS value: a JSON array of { table, severity, name }. */
export function parseRulesets(text: string): QualityRuleset[] {
  const value: unknown = JSON.parse(text);
  const ok = (r: unknown): r is QualityRuleset =>
    typeof r === 'object' && r !== null && typeof (r as QualityRuleset).table === 'string' && typeof (r as QualityRuleset).name === 'string' && ((r as QualityRuleset).severity === 'error' || (r as QualityRuleset).severity === 'warn');
  if (!Array.isArray(value) || !value.every(ok)) throw new Error('the rulesets must be a JSON array of { table, severity, name }');
  return value;
}

export function createQualityRun(deps: QualityRunDeps): () => Promise<QualityRunsSummary> {
  const now = deps.now ?? (() => new Date());
  return () => startQualityRuns({ rulesets: deps.rulesets, partitions: deps.partitions, runs: deps.runs, now });
}
