/** The Athena views custom resource handler against a mocked Athena API (aws-sdk-client-mock). */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
  type QueryExecutionState,
} from '@aws-sdk/client-athena';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AthenaStatements } from '../../../lambda/analytics/adapters/athena-statements';
import { createAthenaViewsHandler, physicalResourceId } from '../../../lambda/analytics/handlers/athena-views';
import { AthenaStatementError } from '../../../lambda/analytics/usecases/run-athena-statements';

const athena = mockClient(AthenaClient);

const VIEWS = [
  { Name: 'profiles_current', Sql: 'CREATE OR REPLACE VIEW profiles_current AS\nSELECT * FROM profiles' },
  { Name: 'customers_overview', Sql: 'CREATE OR REPLACE VIEW customers_overview AS\nSELECT count(*) AS n FROM profiles_current' },
];
const PROPS = { ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:framework', WorkGroup: 'c360-analytics-wg', Database: 'c360_lake', Views: VIEWS };

function event(requestType: 'Create' | 'Update' | 'Delete', props: Record<string, unknown> = PROPS, physicalId = physicalResourceId('c360_lake')): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: PROPS.ServiceToken,
    ResponseURL: 'https://example.invalid/response',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/c360-analytics/1',
    RequestId: 'req-1',
    LogicalResourceId: 'Views',
    ResourceType: 'Custom::AthenaViews',
    ResourceProperties: props as CloudFormationCustomResourceEvent['ResourceProperties'],
  };
  const old = props as CloudFormationCustomResourceEvent['ResourceProperties'];
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Update') return { ...common, RequestType: 'Update', PhysicalResourceId: physicalId, OldResourceProperties: old };
  return { ...common, RequestType: 'Delete', PhysicalResourceId: physicalId };
}

/** Each started statement gets id q<n>; its states are read in turn from `states[n]` (the last one repeats). */
function scriptAthena(states: Array<Array<{ State: QueryExecutionState; StateChangeReason?: string }>>) {
  let started = 0;
  const reads = new Map<string, number>();
  athena.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q${started++}` }));
  athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
    const n = Number(input.QueryExecutionId.slice(1));
    const script = states[n] ?? [{ State: 'SUCCEEDED' }];
    const i = reads.get(input.QueryExecutionId) ?? 0;
    reads.set(input.QueryExecutionId, i + 1);
    return { QueryExecution: { QueryExecutionId: input.QueryExecutionId, Status: script[Math.min(i, script.length - 1)] } };
  });
}

function handler(sleeps: number[] = []) {
  return createAthenaViewsHandler({
    athena: new AthenaStatements(new AthenaClient({ region: 'eu-west-1' })),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    pollIntervalMs: 500,
  });
}

const started = () => athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);

beforeEach(() => {
  athena.reset();
});

describe('Athena views custom resource handler', () => {
  it('on Create runs each view statement in order, in the workgroup and lake database, waiting for each to succeed before the next', async () => {
    scriptAthena([[{ State: 'QUEUED' }, { State: 'RUNNING' }, { State: 'SUCCEEDED' }], [{ State: 'RUNNING' }, { State: 'SUCCEEDED' }]]);
    const sleeps: number[] = [];
    const response = await handler(sleeps)(event('Create'));

    expect(started()).toEqual([
      { QueryString: VIEWS[0]!.Sql, WorkGroup: 'c360-analytics-wg', QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'c360_lake' } },
      { QueryString: VIEWS[1]!.Sql, WorkGroup: 'c360-analytics-wg', QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'c360_lake' } },
    ]);
    // Polled until SUCCEEDED: three reads of q0, two of q1; a wait between reads only.
    const reads = athena.commandCalls(GetQueryExecutionCommand).map((c) => c.args[0].input.QueryExecutionId);
    expect(reads).toEqual(['q0', 'q0', 'q0', 'q1', 'q1']);
    expect(sleeps).toEqual([500, 500, 500]);
    expect(response).toEqual({ PhysicalResourceId: 'c360-athena-views:c360_lake', Data: { ViewCount: 2 } });
  });

  it('does not start the next statement before the previous one succeeded', async () => {
    const order: string[] = [];
    athena.on(StartQueryExecutionCommand).callsFake((input: { QueryString: string }) => {
      order.push(`start ${input.QueryString.split(' ')[4]}`);
      return { QueryExecutionId: `q${order.length}` };
    });
    athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
      order.push(`status ${input.QueryExecutionId}`);
      return { QueryExecution: { Status: { State: 'SUCCEEDED' } } };
    });
    await handler()(event('Create'));
    expect(order).toEqual(['start profiles_current', 'status q1', 'start customers_overview', 'status q3']);
  });

  it("rejects a FAILED statement with Athena's reason and the view's name, and runs none after it", async () => {
    scriptAthena([[{ State: 'SUCCEEDED' }], [{ State: 'RUNNING' }, { State: 'FAILED', StateChangeReason: "line 2:29: Table 'c360_lake.profiles_current' does not exist" }]]);
    const error = await handler()(event('Create', { ...PROPS, Views: [...VIEWS, { Name: 'never_run', Sql: 'CREATE OR REPLACE VIEW never_run AS SELECT 1 AS x' }] })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AthenaStatementError);
    expect((error as Error).message).toBe("customers_overview: Athena query q1 FAILED: line 2:29: Table 'c360_lake.profiles_current' does not exist");
    expect(error).toMatchObject({ statement: 'customers_overview', queryExecutionId: 'q1', state: 'FAILED' });
    expect(started().map((s) => s.QueryString)).not.toContain('CREATE OR REPLACE VIEW never_run AS SELECT 1 AS x');
  });

  it('rejects a CANCELLED statement naming the view', async () => {
    scriptAthena([[{ State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' }]]);
    await expect(handler()(event('Update'))).rejects.toThrow(/^profiles_current: Athena query q0 CANCELLED: Query cancelled by user$/);
  });

  it('fails with the view it was waiting for before its time to answer runs out, instead of being cut off', async () => {
    scriptAthena([[{ State: 'RUNNING' }]]);
    let remaining = 60_000;
    const handle = createAthenaViewsHandler({
      athena: new AthenaStatements(new AthenaClient({ region: 'eu-west-1' })),
      sleep: async (ms) => {
        remaining -= ms;
      },
      pollIntervalMs: 5_000,
    });
    await expect(handle(event('Create'), { getRemainingTimeInMillis: () => remaining })).rejects.toThrow(
      /profiles_current: Athena query q0 TIMED_OUT: still RUNNING/,
    );
    expect(remaining).toBeGreaterThan(0);
  });

  it('on Update re-runs every statement and keeps the physical resource id', async () => {
    scriptAthena([]);
    const response = await handler()(event('Update'));
    expect(started().map((s) => s.QueryString)).toEqual(VIEWS.map((v) => v.Sql));
    expect(response.PhysicalResourceId).toBe(physicalResourceId('c360_lake'));
  });

  it('on Delete drops every view, dependants first, and answers with the same physical id', async () => {
    scriptAthena([]);
    const response = await handler()(event('Delete'));
    expect(started()).toEqual([
      { QueryString: 'DROP VIEW IF EXISTS customers_overview', WorkGroup: 'c360-analytics-wg', QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'c360_lake' } },
      { QueryString: 'DROP VIEW IF EXISTS profiles_current', WorkGroup: 'c360-analytics-wg', QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'c360_lake' } },
    ]);
    expect(response).toEqual({ PhysicalResourceId: physicalResourceId('c360_lake'), Data: { ViewCount: 2 } });
  });

  it('on Delete after a Create that failed on invalid properties, drops nothing and succeeds', async () => {
    scriptAthena([]);
    const response = await handler()(event('Delete', { ...PROPS, Views: [] }, 'req-1'));
    expect(started()).toEqual([]);
    expect(response.PhysicalResourceId).toBe('req-1');
  });

  it('rejects invalid properties with a clear error, before calling Athena', async () => {
    scriptAthena([]);
    await expect(handler()(event('Create', { ...PROPS, Views: [{ Name: 'x; DROP TABLE raw_events', Sql: VIEWS[0]!.Sql }] }))).rejects.toThrow(
      /invalid resource properties: Views\.0\.Name: a view name/,
    );
    await expect(handler()(event('Create', { ...PROPS, Views: [{ Name: 'v', Sql: 'DROP TABLE raw_events' }] }))).rejects.toThrow(
      /Views\.0\.Sql: a CREATE OR REPLACE VIEW statement/,
    );
    await expect(handler()(event('Create', { ...PROPS, Views: [VIEWS[0], VIEWS[0]] }))).rejects.toThrow(/profiles_current is listed twice/);
    await expect(handler()(event('Create', { ...PROPS, WorkGroup: undefined }))).rejects.toThrow(/WorkGroup/);
    expect(started()).toEqual([]);
  });
});
