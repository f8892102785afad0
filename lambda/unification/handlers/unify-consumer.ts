/**
 * The stream consumer, independent of where it runs: the Lambda entry
 * (functions/unify-consumer.ts) and the local poller build it with their own adapters.
 */
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import type { StreamRecord } from '../core/records';
import { unifyBatch, type BatchOutcome, type UnifyDeps } from '../usecases/unify-batch';

export interface UnifyConsumerDeps extends UnifyDeps {
  /** Told the outcome of every batch (logs, metrics, the local runtime's counters). */
  readonly observe?: (outcome: BatchOutcome) => void;
}

export function createUnifyConsumer(deps: UnifyConsumerDeps) {
  return async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    const first = event.Records[0];
    if (first === undefined) return { batchItemFailures: [] };
    const records: StreamRecord[] = event.Records.map((r) => ({
      sequenceNumber: r.kinesis.sequenceNumber,
      partitionKey: r.kinesis.partitionKey,
      data: Buffer.from(r.kinesis.data, 'base64'),
      arrivalMs: Math.round(r.kinesis.approximateArrivalTimestamp * 1000),
    }));
    const shardId = first.eventID.split(':')[0] ?? 'shard';
    const batchId = `${shardId}-${first.kinesis.sequenceNumber}-${records.length}`;
    const outcome = await unifyBatch(records, batchId, 'kinesis', deps);
    deps.observe?.(outcome);
    return { batchItemFailures: outcome.failedSequenceNumbers.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
