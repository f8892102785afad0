/**
 * The ports of data quality (usecases/quality.ts): the warehouse the rules
 * are measured in locally (DuckDB over the local lake), and, deployed, the
 * partition catalog and Glue Data Quality's evaluation runs.
 */
import type { QualityTableName } from './contracts/quality-dqdl';
import type { QuarantineReason } from './core/quality/report';

export type { QuarantineReason };

/** One measuring query's answer: the rows checked (null when the rule does not count them) and the observed number. */
export interface Measurement {
  readonly rows: number | null;
  readonly observed: number | null;
}

/** Where rules are measured locally: SQL over tables of the same names and columns as the Glue tables. */
export interface QualityWarehouse {
  /** The newest value of a table's partition column (`dt`, `export_id`); undefined while the table has no rows. */
  latestPartition(table: QualityTableName, column: string): Promise<string | undefined>;
  /** Runs a query of core/quality/sql.ts: the first row's `rows` and `observed`. */
  measure(sql: string): Promise<Measurement>;
  /** Runs the quarantine-by-reason query of core/quality/sql.ts. */
  quarantineByReason(sql: string): Promise<QuarantineReason[]>;
}

/** The export partitions of the curated tables in the Glue catalog. */
export interface ExportPartitions {
  /** The latest `export_id` of a table; undefined when it has none. */
  latest(table: QualityTableName): Promise<string | undefined>;
}

export interface QualityRunRequest {
  readonly table: QualityTableName;
  readonly rulesetName: string;
  /** Spark SQL over the partition columns: the rows the run checks. */
  readonly pushDownPredicate: string;
  /** Idempotency: the same request started twice is one run. */
  readonly clientToken: string;
}

/** Glue Data Quality: starts one evaluation run of one ruleset over one table; its run id. */
export interface QualityRunStarter {
  start(request: QualityRunRequest): Promise<string>;
}
