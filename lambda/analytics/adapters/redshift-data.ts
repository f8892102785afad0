/**
 * The statement runner over the Redshift Data API on a Redshift Serverless
 * workgroup, with the caller's IAM temporary credentials (workgroup name and
 * database, no secret): ExecuteStatement to submit, DescribeStatement to follow.
 */
import { DescribeStatementCommand, ExecuteStatementCommand, type RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import type { SqlStatement, StatementRunner, StatementState } from '../usecases/run-redshift-statements';

/** Where statements run: a serverless workgroup and a database in its namespace. */
export interface RedshiftTarget {
  readonly workgroupName: string;
  readonly database: string;
}

/** The Data API's StatementName takes up to 500 characters. */
const MAX_STATEMENT_NAME = 500;

export class RedshiftDataRunner implements StatementRunner {
  constructor(
    private readonly client: RedshiftDataClient,
    private readonly target: RedshiftTarget,
  ) {}

  public async submit(statement: SqlStatement, clientToken: string): Promise<string> {
    const out = await this.client.send(
      new ExecuteStatementCommand({
        WorkgroupName: this.target.workgroupName,
        Database: this.target.database,
        Sql: statement.sql,
        StatementName: statement.name.slice(0, MAX_STATEMENT_NAME),
        ClientToken: clientToken,
      }),
    );
    if (out.Id === undefined) throw new Error(`Redshift Data API returned no statement id for ${statement.name}`);
    return out.Id;
  }

  public async state(id: string): Promise<StatementState> {
    const out = await this.client.send(new DescribeStatementCommand({ Id: id }));
    switch (out.Status) {
      case 'FINISHED':
        return { state: 'finished' };
      case 'FAILED':
        return { state: 'failed', error: out.Error ?? 'no error message' };
      case 'ABORTED':
        return { state: 'failed', error: out.Error ?? 'the statement was aborted' };
      case 'SUBMITTED':
      case 'PICKED':
      case 'STARTED':
        return { state: 'running' };
      default:
        throw new Error(`Redshift statement ${id}: unexpected status ${String(out.Status)}`);
    }
  }
}
