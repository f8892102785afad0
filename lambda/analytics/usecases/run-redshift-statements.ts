/**
 * Runs an ordered list of SQL statements on Redshift, one after the other,
 * for a deploy-time custom resource whose `isComplete` is called again and
 * again until the list is done. Each call walks the list from the top: a
 * statement is (re)submitted with an idempotency token derived from the run
 * and its position, so a statement submitted by an earlier call is found
 * again rather than run twice; the walk stops at the first statement that is
 * still running, and fails at the first that failed.
 */
import { createHash } from 'node:crypto';

/** One statement: a name that appears in errors and in the Data API's history, and its SQL. */
export interface SqlStatement {
  readonly name: string;
  readonly sql: string;
}

export type StatementState =
  | { readonly state: 'running' }
  | { readonly state: 'finished' }
  | { readonly state: 'failed'; readonly error: string };

/** The port this use case talks to: submit a statement, and ask how it is doing (the Redshift Data API deployed). */
export interface StatementRunner {
  /**
   * Submits `statement` (or finds the one already submitted with `clientToken`)
   * and returns its id.
   */
  submit(statement: SqlStatement, clientToken: string): Promise<string>;
  /** The state of a submitted statement. */
  state(id: string): Promise<StatementState>;
}

export type RunProgress =
  | { readonly done: true; readonly finished: number }
  | { readonly done: false; readonly finished: number; readonly running: string };

/** A statement Redshift reported as failed (or aborted): the deploy fails with its name and Redshift's error. */
export class StatementFailedError extends Error {
  constructor(
    public readonly statementName: string,
    public readonly redshiftError: string,
  ) {
    super(`Redshift statement ${statementName} failed: ${redshiftError}`);
    this.name = 'StatementFailedError';
  }
}

/**
 * The idempotency token of the statement at `index` in the run `runId`: the
 * same for every call of one run, different between runs (a new deploy runs
 * the statements again) and between statements.
 */
export function statementToken(runId: string, index: number, statement: SqlStatement): string {
  return createHash('sha256').update(`${runId}\n${index}\n${statement.name}\n${statement.sql}`).digest('hex').slice(0, 64);
}

/**
 * Advances the run by as much as is finished: every statement that is done is
 * passed over, the first running one stops the walk, the first failed one
 * throws `StatementFailedError`.
 */
export async function advanceStatements(runner: StatementRunner, statements: readonly SqlStatement[], runId: string): Promise<RunProgress> {
  if (runId.length === 0) throw new Error('advanceStatements: a run id is required (the custom resource request id)');
  for (const [index, statement] of statements.entries()) {
    const id = await runner.submit(statement, statementToken(runId, index, statement));
    const status = await runner.state(id);
    if (status.state === 'failed') throw new StatementFailedError(statement.name, status.error);
    if (status.state === 'running') return { done: false, finished: index, running: statement.name };
  }
  return { done: true, finished: statements.length };
}
