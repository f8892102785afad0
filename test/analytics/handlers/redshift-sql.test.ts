import { DescribeStatementCommand, ExecuteStatementCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { RedshiftDataRunner } from '../../../lambda/analytics/adapters/redshift-data';
import { createRedshiftSqlHandler, WAIT_MARKER, type RedshiftSqlEvent } from '../../../lambda/analytics/handlers/redshift-sql';

const data = mockClient(RedshiftDataClient);
beforeEach(() => data.reset());

const STATEMENTS = [
  { Name: '010-kinesis_events', Sql: "CREATE EXTERNAL SCHEMA IF NOT EXISTS kinesis_events FROM KINESIS IAM_ROLE 'arn:aws:iam::123456789012:role/r'" },
  { Name: '020-events_stream#2', Sql: 'CREATE MATERIALIZED VIEW events_stream AUTO REFRESH NO AS SELECT 1' },
];

function handler() {
  const client = new RedshiftDataClient({ region: 'eu-west-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' } });
  return createRedshiftSqlHandler({ runnerFor: (target) => new RedshiftDataRunner(client, target) });
}

function event(overrides: Partial<RedshiftSqlEvent> = {}): RedshiftSqlEvent {
  return {
    RequestType: 'Create',
    RequestId: 'req-1',
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:p', WorkgroupName: 'acme-warehouse', Database: 'c360', Statements: STATEMENTS },
    ...overrides,
  };
}

/** ExecuteStatement answers with an id per idempotency token, as the Data API does for a repeated token. */
function executeById() {
  const ids = new Map<string, string>();
  data.on(ExecuteStatementCommand).callsFake((input: { ClientToken: string; StatementName: string }) => {
    if (!ids.has(input.ClientToken)) ids.set(input.ClientToken, `id-${input.StatementName}`);
    return { Id: ids.get(input.ClientToken) };
  });
  return ids;
}

describe('Redshift SQL custom resource', () => {
  it('onEvent validates the properties, runs nothing, and marks its answer for isComplete', async () => {
    const result = await handler()(event());
    expect(result).toEqual({ PhysicalResourceId: 'acme-warehouse/c360', [WAIT_MARKER]: true });
    expect(data.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
  });

  it('onEvent rejects properties without statements, naming the field', async () => {
    await expect(handler()(event({ ResourceProperties: { WorkgroupName: 'acme-warehouse', Database: 'c360', Statements: [] } }))).rejects.toThrow(
      /invalid properties \(Statements:/,
    );
  });

  it('isComplete runs the statements in order with the workgroup and database (IAM credentials, no secret) and completes when all FINISHED', async () => {
    executeById();
    data.on(DescribeStatementCommand).resolves({ Status: 'FINISHED' });
    const result = await handler()({ ...event(), PhysicalResourceId: 'acme-warehouse/c360', [WAIT_MARKER]: true });
    expect(result).toEqual({ IsComplete: true });
    const calls = data.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Sql)).toEqual(STATEMENTS.map((s) => s.Sql));
    expect(calls.map((c) => c.StatementName)).toEqual(STATEMENTS.map((s) => s.Name));
    for (const c of calls) {
      expect(c).toMatchObject({ WorkgroupName: 'acme-warehouse', Database: 'c360' });
      expect(c.SecretArn).toBeUndefined();
      expect(c.ClientToken).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(new Set(calls.map((c) => c.ClientToken)).size).toBe(2);
    expect(data.commandCalls(DescribeStatementCommand).map((c) => c.args[0].input.Id)).toEqual(['id-010-kinesis_events', 'id-020-events_stream#2']);
  });

  it('isComplete stops at a running statement, and the next call finds it again by its token instead of submitting a second one', async () => {
    const ids = executeById();
    data.on(DescribeStatementCommand, { Id: 'id-010-kinesis_events' }).resolves({ Status: 'FINISHED' });
    data.on(DescribeStatementCommand, { Id: 'id-020-events_stream#2' }).resolvesOnce({ Status: 'STARTED' }).resolves({ Status: 'FINISHED' });
    const run = handler();
    const waiting = { ...event(), PhysicalResourceId: 'acme-warehouse/c360', [WAIT_MARKER]: true as const };
    expect(await run(waiting)).toEqual({ IsComplete: false });
    expect(await run(waiting)).toEqual({ IsComplete: true });
    // Four submissions (two per call), two distinct tokens: the same two statements.
    expect(data.commandCalls(ExecuteStatementCommand)).toHaveLength(4);
    expect(ids.size).toBe(2);
  });

  it('a new deployment (another request id) submits the statements with new tokens', async () => {
    executeById();
    data.on(DescribeStatementCommand).resolves({ Status: 'FINISHED' });
    const run = handler();
    await run({ ...event(), [WAIT_MARKER]: true });
    await run({ ...event({ RequestType: 'Update', RequestId: 'req-2' }), [WAIT_MARKER]: true });
    const tokens = data.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input.ClientToken);
    expect(new Set(tokens).size).toBe(4);
  });

  it('a FAILED statement rejects with its name and Redshift\'s error, and the statements after it are not submitted', async () => {
    executeById();
    data.on(DescribeStatementCommand).resolves({ Status: 'FAILED', Error: 'ERROR: permission denied for relation stream' });
    await expect(handler()({ ...event(), [WAIT_MARKER]: true })).rejects.toThrow(
      'Redshift statement 010-kinesis_events failed: ERROR: permission denied for relation stream',
    );
    expect(data.commandCalls(ExecuteStatementCommand)).toHaveLength(1);
  });

  it('an ABORTED statement fails the deployment too', async () => {
    executeById();
    data.on(DescribeStatementCommand).resolves({ Status: 'ABORTED' });
    await expect(handler()({ ...event(), [WAIT_MARKER]: true })).rejects.toThrow(/010-kinesis_events failed: the statement was aborted/);
  });

  it('Delete runs no SQL (the objects go with the namespace) and completes at once', async () => {
    const run = handler();
    const del = event({ RequestType: 'Delete', PhysicalResourceId: 'acme-warehouse/c360' });
    expect(await run(del)).toEqual({ PhysicalResourceId: 'acme-warehouse/c360', [WAIT_MARKER]: true });
    expect(await run({ ...del, [WAIT_MARKER]: true })).toEqual({ IsComplete: true });
    expect(data.calls()).toHaveLength(0);
  });
});
