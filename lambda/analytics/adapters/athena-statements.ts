/** The Athena statement port on the Athena API: StartQueryExecution in a workgroup, GetQueryExecution for its state. */
import { GetQueryExecutionCommand, StartQueryExecutionCommand, type AthenaClient } from '@aws-sdk/client-athena';
import type { AthenaQueryState, AthenaQueryStatus, AthenaStatementPort, AthenaTarget } from '../usecases/run-athena-statements';

const STATES: ReadonlySet<string> = new Set<AthenaQueryState>(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']);

export class AthenaStatements implements AthenaStatementPort {
  constructor(private readonly client: AthenaClient) {}

  async start(sql: string, target: AthenaTarget): Promise<string> {
    const response = await this.client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: target.workGroup,
        QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: target.database },
      }),
    );
    if (response.QueryExecutionId === undefined) throw new Error('Athena StartQueryExecution returned no QueryExecutionId');
    return response.QueryExecutionId;
  }

  async status(queryExecutionId: string): Promise<AthenaQueryStatus> {
    const response = await this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
    const status = response.QueryExecution?.Status;
    const state = status?.State;
    if (state === undefined || !STATES.has(state)) throw new Error(`Athena query ${queryExecutionId}: unexpected state ${String(state)}`);
    return {
      state: state as AthenaQueryState,
      ...(status?.StateChangeReason === undefined ? {} : { reason: status.StateChangeReason }),
    };
  }
}
