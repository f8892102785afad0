/**
 * The event stream as the EventStreamWriter port (ports.ts): one PutRecord
 * per event, under the partition key every producer uses (shared/partition-key.ts),
 * so the event stays in order with the same visitor's other events. The
 * SDK client retries throttling and transient errors.
 */
import { PutRecordCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { partitionKeyOf } from '../../shared/partition-key';
import type { EventStreamWriter } from '../ports';

export function kinesisEventWriter(kinesis: KinesisClient, streamName: string): EventStreamWriter {
  return {
    async put(event) {
      await kinesis.send(
        new PutRecordCommand({ StreamName: streamName, PartitionKey: partitionKeyOf(event), Data: Buffer.from(JSON.stringify(event), 'utf8') }),
      );
    },
  };
}
