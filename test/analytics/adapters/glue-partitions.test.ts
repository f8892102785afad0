import {
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  EntityNotFoundException,
  GetPartitionsCommand,
  GetTableCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GluePartitions } from '../../../lambda/analytics/adapters/glue-partitions';

const glue = mockClient(GlueClient);
const catalog = (opts: Partial<ConstructorParameters<typeof GluePartitions>[1]> = {}) =>
  new GluePartitions(new GlueClient({ region: 'us-east-1' }), { database: 'c360_curated', bucket: 'curated-bucket', ...opts });
const ID = '20261201T220000Z';

const descriptor = {
  Columns: [{ Name: 'profile_id', Type: 'string' }],
  Location: 's3://curated-bucket/exports/profiles/',
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
};

beforeEach(() => glue.reset());

describe('GluePartitions', () => {
  it("registers an export's partition with the table's storage descriptor at the partition's own location", async () => {
    glue.on(GetTableCommand).resolves({ Table: { Name: 'profiles', StorageDescriptor: descriptor } });
    glue.on(BatchCreatePartitionCommand).resolves({});
    await catalog().register(ID, ['profiles', 'identities']);
    expect(glue.commandCalls(GetTableCommand).map((c) => c.args[0].input)).toEqual([
      { DatabaseName: 'c360_curated', Name: 'profiles' },
      { DatabaseName: 'c360_curated', Name: 'identities' },
    ]);
    const created = glue.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input);
    expect(created).toEqual([
      {
        DatabaseName: 'c360_curated',
        TableName: 'profiles',
        PartitionInputList: [{ Values: [ID], StorageDescriptor: { ...descriptor, Location: `s3://curated-bucket/exports/profiles/export_id=${ID}/` } }],
      },
      {
        DatabaseName: 'c360_curated',
        TableName: 'identities',
        PartitionInputList: [{ Values: [ID], StorageDescriptor: { ...descriptor, Location: `s3://curated-bucket/exports/identities/export_id=${ID}/` } }],
      },
    ]);
  });

  it('names the Glue tables as it is told', async () => {
    glue.on(GetTableCommand).resolves({ Table: { Name: 'x', StorageDescriptor: descriptor } });
    glue.on(BatchCreatePartitionCommand).resolves({});
    await catalog({ tableName: (t) => `c360_${t}` }).register(ID, ['segment_membership']);
    expect(glue.commandCalls(BatchCreatePartitionCommand)[0]?.args[0].input.TableName).toBe('c360_segment_membership');
  });

  it('is idempotent: a partition that already exists is fine', async () => {
    glue.on(GetTableCommand).resolves({ Table: { Name: 'profiles', StorageDescriptor: descriptor } });
    glue.on(BatchCreatePartitionCommand).resolves({
      Errors: [{ PartitionValues: [ID], ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'Partition already exists.' } }],
    });
    await expect(catalog().register(ID, ['profiles'])).resolves.toBeUndefined();
  });

  it('surfaces any other failed entry with the table and the error code', async () => {
    glue.on(GetTableCommand).resolves({ Table: { Name: 'profiles', StorageDescriptor: descriptor } });
    glue.on(BatchCreatePartitionCommand).resolves({
      Errors: [{ PartitionValues: [ID], ErrorDetail: { ErrorCode: 'ResourceNumberLimitExceededException', ErrorMessage: 'too many partitions' } }],
    });
    await expect(catalog().register(ID, ['profiles'])).rejects.toThrow(
      `registering export ${ID} of Glue table c360_curated.profiles failed: ${ID}: ResourceNumberLimitExceededException too many partitions`,
    );
  });

  it('surfaces a missing table', async () => {
    glue.on(GetTableCommand).rejects(new EntityNotFoundException({ message: 'Table profiles not found.', $metadata: {} }));
    await expect(catalog().register(ID, ['profiles'])).rejects.toThrow('Table profiles not found.');
    expect(glue.commandCalls(BatchCreatePartitionCommand)).toHaveLength(0);
  });

  it('drops every partition older than the cutoff, listing them page by page and deleting 25 a call', async () => {
    const older = Array.from({ length: 30 }, (_, i) => `202611${String(i % 28 + 1).padStart(2, '0')}T0000${String(i).padStart(2, '0')}Z`);
    glue.on(GetPartitionsCommand)
      .resolvesOnce({ Partitions: older.slice(0, 20).map((v) => ({ Values: [v] })), NextToken: 'next' })
      .resolvesOnce({ Partitions: older.slice(20).map((v) => ({ Values: [v] })) });
    glue.on(BatchDeletePartitionCommand).resolves({});
    expect(await catalog().dropOlderThan('20261124T220000Z', ['profiles'])).toBe(30);
    expect(glue.commandCalls(GetPartitionsCommand).map((c) => c.args[0].input)).toEqual([
      { DatabaseName: 'c360_curated', TableName: 'profiles', Expression: "export_id < '20261124T220000Z'", ExcludeColumnSchema: true },
      { DatabaseName: 'c360_curated', TableName: 'profiles', Expression: "export_id < '20261124T220000Z'", ExcludeColumnSchema: true, NextToken: 'next' },
    ]);
    const deletes = glue.commandCalls(BatchDeletePartitionCommand).map((c) => c.args[0].input.PartitionsToDelete?.map((p) => p.Values?.[0]));
    expect(deletes).toEqual([older.slice(0, 25), older.slice(25)]);
  });

  it('treats a partition already gone as dropped, and surfaces other delete failures', async () => {
    glue.on(GetPartitionsCommand).resolves({ Partitions: [{ Values: ['20261101T000000Z'] }] });
    glue.on(BatchDeletePartitionCommand).resolvesOnce({
      Errors: [{ PartitionValues: ['20261101T000000Z'], ErrorDetail: { ErrorCode: 'EntityNotFoundException' } }],
    });
    expect(await catalog().dropOlderThan(ID, ['profiles'])).toBe(1);
    glue.on(BatchDeletePartitionCommand).resolves({
      Errors: [{ PartitionValues: ['20261101T000000Z'], ErrorDetail: { ErrorCode: 'AccessDeniedException', ErrorMessage: 'not allowed' } }],
    });
    await expect(catalog().dropOlderThan(ID, ['profiles'])).rejects.toThrow(
      'deleting partitions of Glue table c360_curated.profiles failed: 20261101T000000Z: AccessDeniedException not allowed',
    );
  });

  it('surfaces a failing listing', async () => {
    glue.on(GetPartitionsCommand).rejects(new Error('Rate exceeded'));
    await expect(catalog().dropOlderThan(ID, ['identities'])).rejects.toThrow('Rate exceeded');
  });

  it('discards a failed export from every table', async () => {
    glue.on(BatchDeletePartitionCommand).resolves({});
    await catalog().discard(ID, ['profiles', 'identities']);
    expect(glue.commandCalls(BatchDeletePartitionCommand).map((c) => c.args[0].input)).toEqual([
      { DatabaseName: 'c360_curated', TableName: 'profiles', PartitionsToDelete: [{ Values: [ID] }] },
      { DatabaseName: 'c360_curated', TableName: 'identities', PartitionsToDelete: [{ Values: [ID] }] },
    ]);
  });

  it('refuses what is not an export id before building an expression from it', async () => {
    await expect(catalog().dropOlderThan("x' OR '1'='1", ['profiles'])).rejects.toThrow(/not an export id/);
    expect(glue.commandCalls(GetPartitionsCommand)).toHaveLength(0);
  });
});
