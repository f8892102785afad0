/**
 * Runs SQL statements in Athena one after another, waiting for each to finish:
 * the shipped views' DDL at deploy time. Declares the narrow port it needs
 * (start a statement, read its state); adapters/athena-statements.ts
 * implements it with the Athena API.
 */

/** Where a statement runs: an Athena workgroup (its enforced settings apply) and the default database. */
export interface AthenaTarget {
  readonly workGroup: string;
  readonly database: string;
}

/** Athena's query execution states. */
export type AthenaQueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface AthenaQueryStatus {
  readonly state: AthenaQueryState;
  /** Athena's StateChangeReason (why a query failed or was cancelled). */
  readonly reason?: string;
}

/** The port: start a statement, read how it is doing. */
export interface AthenaStatementPort {
  /** Starts `sql` in the target; resolves to the query execution id. */
  start(sql: string, target: AthenaTarget): Promise<string>;
  status(queryExecutionId: string): Promise<AthenaQueryStatus>;
}

/** One statement, named for error messages (a view's name). */
export interface NamedStatement {
  readonly name: string;
  readonly sql: string;
}

export interface RunStatementsDeps {
  readonly athena: AthenaStatementPort;
  /** Waits between status reads. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Milliseconds between status reads. @default 1000 */
  readonly pollIntervalMs?: number;
  /**
   * Milliseconds left before the caller must have answered (a Lambda
   * function's remaining time). When the next wait would go past it less a
   * margin, the run fails with the statement it was waiting for, instead of
   * being cut off without a reason.
   * @default - no limit
   */
  readonly remainingTimeMs?: () => number;
  /** Kept free at the end of the remaining time. @default 10000 */
  readonly marginMs?: number;
}

export interface StatementResult {
  readonly name: string;
  readonly queryExecutionId: string;
}

/** Thrown when a statement did not succeed; names the statement and carries Athena's reason. */
export class AthenaStatementError extends Error {
  constructor(
    public readonly statement: string,
    public readonly queryExecutionId: string,
    public readonly state: AthenaQueryState | 'TIMED_OUT',
    public readonly reason: string,
  ) {
    super(`${statement}: Athena query ${queryExecutionId} ${state}: ${reason}`);
    this.name = 'AthenaStatementError';
  }
}

/** Runs each statement in order, each only after the one before succeeded; rejects at the first that does not. */
export async function runAthenaStatements(
  statements: readonly NamedStatement[],
  target: AthenaTarget,
  deps: RunStatementsDeps,
): Promise<StatementResult[]> {
  const interval = deps.pollIntervalMs ?? 1000;
  const margin = deps.marginMs ?? 10_000;
  const results: StatementResult[] = [];
  for (const statement of statements) {
    const id = await deps.athena.start(statement.sql, target);
    for (;;) {
      const status = await deps.athena.status(id);
      if (status.state === 'SUCCEEDED') break;
      if (status.state === 'FAILED' || status.state === 'CANCELLED') {
        throw new AthenaStatementError(statement.name, id, status.state, status.reason ?? 'Athena gave no reason');
      }
      if (deps.remainingTimeMs !== undefined && deps.remainingTimeMs() < interval + margin) {
        throw new AthenaStatementError(statement.name, id, 'TIMED_OUT', `still ${status.state} when the time to answer ran out`);
      }
      await deps.sleep(interval);
    }
    results.push({ name: statement.name, queryExecutionId: id });
  }
  return results;
}
