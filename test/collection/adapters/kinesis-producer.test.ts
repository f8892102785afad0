import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PartialWriteError, putRecordsReliably } from '../../../lambda/collection/adapters/kinesis-producer';

const kinesis = mockClient(KinesisClient);
const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`{"i":${i}}`) }));
const client = new KinesisClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

beforeEach(() => kinesis.reset());

describe('putRecordsReliably', () => {
  it('retries only the entries Kinesis failed, and resolves when all are written', async () => {
    let call = 0;
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
      call++;
      const records = input.Records ?? [];
      // First call: the second entry is throttled; the retry carries it alone.
      if (call === 1) return { FailedRecordCount: 1, Records: records.map((_, i) => (i === 1 ? { ErrorCode: 'ProvisionedThroughputExceededException' } : { SequenceNumber: '1' })) };
      return { FailedRecordCount: 0, Records: records.map(() => ({ SequenceNumber: '2' })) };
    });
    const result = await putRecordsReliably(client, 'events', entries(3), { baseDelayMs: 0 });
    expect(result).toEqual({ written: 3, calls: 2, retried: 1 });
    const retry = kinesis.commandCalls(PutRecordsCommand)[1]?.args[0].input.Records;
    expect(retry?.map((r) => r.PartitionKey)).toEqual(['k1']);
  });

  it('counts as not written both what kept failing and the later chunks it never sent', async () => {
    // 1,200 entries: chunks of 500, 500 and 200. Every entry of the first chunk keeps failing.
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: input.Records?.length ?? 0,
      Records: (input.Records ?? []).map(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' })),
    }));
    const error = await putRecordsReliably(client, 'events', entries(1200), { maxAttempts: 2, baseDelayMs: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartialWriteError);
    expect(error).toMatchObject({ failed: 1200, total: 1200 });
    expect((error as Error).message).toMatch(/^1200 of 1200 records could not be written .*InternalFailure/);
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(2);
  });
});
