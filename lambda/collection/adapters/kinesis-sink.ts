/**
 * The Kinesis stream as the EventSink port (ports.ts): PutRecords with the
 * failed entries retried (putRecordsReliably). Its PartialWriteError carries
 * `failed` and `lastError`: the port's PartialWrite.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { EventSink } from '../ports';
import { putRecordsReliably, type ProducerOptions } from './kinesis-producer';

export function kinesisEventSink(kinesis: KinesisClient, streamName: string, options: ProducerOptions = {}): EventSink {
  return {
    async put(records) {
      const result = await putRecordsReliably(
        kinesis,
        streamName,
        records.map((r) => ({ PartitionKey: r.partitionKey, Data: r.data })),
        options,
      );
      return { calls: result.calls, retried: result.retried };
    },
  };
}
