/**
 * The Athena query runner against a mocked Athena API: the workgroup and
 * database on every start, polling until the end, every page of results
 * read with the header row dropped, values typed by column type, several
 * statements in order, and failures and time-outs with Athena's reason.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type ColumnInfo,
  type Row as AthenaRow,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryError, AthenaWarehouse, athenaValue, splitStatements } from '../../../lambda/activation/adapters/athena-warehouse';
import { WarehouseTrainingSource } from '../../../lambda/activation/adapters/warehouse-training-source';

const athena = mockClient(AthenaClient);
const noSleep = async () => {};
const target = { workGroup: 'c360-analytics', database: 'c360_lake', sleep: noSleep, pollIntervalMs: 5 };

const columns: ColumnInfo[] = [
  { Name: 'profile_id', Type: 'varchar' },
  { Name: 'at_ms', Type: 'bigint' },
  { Name: 'revenue', Type: 'double' },
  { Name: 'seen', Type: 'timestamp' },
  { Name: 'ok', Type: 'boolean' },
];
const row = (...values: (string | undefined)[]): AthenaRow => ({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) });

beforeEach(() => athena.reset());

describe('AthenaWarehouse', () => {
  it('starts in the workgroup with the database, polls to the end, and reads every page typed', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DML' } });
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q1', NextToken: undefined })
      .resolves({
        ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [row('profile_id', 'at_ms', 'revenue', 'seen', 'ok'), row('p1', '1793613000000', '30.5', '2026-11-02 10:10:00.000', 'true')] },
        NextToken: 'page2',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q1', NextToken: 'page2' })
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [row('p2', '12', undefined, undefined, 'false')] } });
    const warehouse = new AthenaWarehouse(new AthenaClient({}), target);
    const rows = await warehouse.query('SELECT 1');
    expect(rows).toEqual([
      { profile_id: 'p1', at_ms: 1793613000000, revenue: 30.5, seen: '2026-11-02T10:10:00.000Z', ok: true },
      { profile_id: 'p2', at_ms: 12, revenue: null, seen: null, ok: false },
    ]);
    const start = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(start).toEqual({ QueryString: 'SELECT 1', WorkGroup: 'c360-analytics', QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'c360_lake' } });
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(3);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(2);
  });

  it('runs statements separated by ; in order and answers with the last one rows', async () => {
    athena.on(StartQueryExecutionCommand).resolvesOnce({ QueryExecutionId: 'ddl' }).resolves({ QueryExecutionId: 'sel' });
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'ddl' }).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DDL' } });
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'sel' }).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DML' } });
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'ddl' }).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'sel' })
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'integer' }] }, Rows: [row('n'), row('7')] } });
    const rows = await new AthenaWarehouse(new AthenaClient({}), target).query("CREATE VIEW v AS SELECT ';' AS s; SELECT 7 AS n;");
    expect(rows).toEqual([{ n: 7 }]);
    expect(athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.QueryString)).toEqual(["CREATE VIEW v AS SELECT ';' AS s", 'SELECT 7 AS n']);
  });

  it("rejects a failed query with Athena's reason", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q9' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'TABLE_NOT_FOUND: propensity_events' } } });
    const error = await new AthenaWarehouse(new AthenaClient({}), target).query('SELECT * FROM propensity_events').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AthenaQueryError);
    expect((error as Error).message).toBe('Athena query q9 FAILED: TABLE_NOT_FOUND: propensity_events');
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('stops waiting with a reason before the caller runs out of time', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'slow' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    const warehouse = new AthenaWarehouse(new AthenaClient({}), { ...target, remainingTimeMs: () => 5000 });
    await expect(warehouse.query('SELECT 1')).rejects.toThrow('Athena query slow TIMED_OUT: still RUNNING when the time to answer ran out');
  });

  it('feeds the training source, which reads the views by name', async () => {
    athena.on(StartQueryExecutionCommand).resolvesOnce({ QueryExecutionId: 'events' }).resolves({ QueryExecutionId: 'addresses' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DML' } });
    const eventColumns: ColumnInfo[] = ['profile_id:varchar', 'at_ms:bigint', 'name:varchar', 'channel:varchar', 'revenue:double', 'csat:double'].map((c) => {
      const [Name, Type] = c.split(':');
      return { Name, Type };
    });
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'events' }).resolves({
      ResultSet: { ResultSetMetadata: { ColumnInfo: eventColumns }, Rows: [row('profile_id', 'at_ms', 'name', 'channel', 'revenue', 'csat'), row('p1', '2000', 'Order Completed', 'web', '12.5', undefined), row('p1', '1000', 'page', undefined, undefined, undefined)] },
    });
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'addresses' }).resolves({
      ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'profile_id', Type: 'varchar' }, { Name: 'user_id', Type: 'varchar' }, { Name: 'anonymous_id', Type: 'varchar' }] }, Rows: [row('profile_id', 'user_id', 'anonymous_id'), row('p1', undefined, 'a1')] },
    });
    const source = new WarehouseTrainingSource(new AthenaWarehouse(new AthenaClient({}), target), { orderEvent: 'Order Completed' });
    expect(await source.timelines()).toEqual([
      { profileId: 'p1', address: { anonymousId: 'a1' }, events: [{ at: 1000, name: 'page' }, { at: 2000, name: 'Order Completed', channel: 'web', revenue: 12.5 }] },
    ]);
    const sql = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.QueryString ?? '');
    expect(sql[0]).toContain("max(CASE WHEN e.name = 'Order Completed' THEN 1 ELSE 0 END) OVER (PARTITION BY e.profile_id)");
    expect(sql[0]).toContain('FROM propensity_events e');
    expect(sql[1]).toBe('SELECT profile_id, user_id, anonymous_id FROM propensity_addresses');
  });
});

describe('statement splitting and values', () => {
  it("splits at the ; outside quotes and comments, dropping empty pieces", () => {
    expect(splitStatements("SELECT 'a;b' AS x; -- one; two\nSELECT \"c;d\" FROM t;;  ")).toEqual(["SELECT 'a;b' AS x", '-- one; two\nSELECT "c;d" FROM t']);
    expect(splitStatements("SELECT 'it''s; fine'")).toEqual(["SELECT 'it''s; fine'"]);
  });

  it('types values by column type, keeping what does not fit as text', () => {
    expect(athenaValue('9007199254740993', 'bigint')).toBe('9007199254740993');
    expect(athenaValue('2026-11-02 10:10:00.000 UTC', 'timestamp with time zone')).toBe('2026-11-02T10:10:00.000Z');
    expect(athenaValue('12.50', 'decimal(10,2)')).toBe(12.5);
    expect(athenaValue('x', 'varchar')).toBe('x');
    expect(athenaValue(undefined, 'double')).toBeNull();
  });
});
