/**
 * The interactions consumer on the event stream, independent of where it
 * runs: the Lambda entry (functions/interactions.ts, a Kinesis event source
 * mapping with partial batch responses) and the local runtime's poller
 * build it with their own adapters. Records whose events could not be
 * recorded yet (no profile so far, a failed write) are reported as batch
 * item failures, so that Lambda retries them.
 */
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { recordInteractions, type InteractionBatchOutcome, type InteractionStreamRecord, type RecordInteractionsDeps } from '../usecases/record-interactions';

export interface InteractionsConsumerDeps extends RecordInteractionsDeps {
  /** Told the outcome of every batch (logs, metrics, the local runtime's counters). */
  readonly observe?: (outcome: InteractionBatchOutcome) => void;
}

export function createInteractionsConsumer(deps: InteractionsConsumerDeps) {
  return async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    if (event.Records.length === 0) return { batchItemFailures: [] };
    const records: InteractionStreamRecord[] = event.Records.map((r) => ({
      sequenceNumber: r.kinesis.sequenceNumber,
      data: Buffer.from(r.kinesis.data, 'base64'),
      arrivalMs: Math.round(r.kinesis.approximateArrivalTimestamp * 1000),
    }));
    const outcome = await recordInteractions(records, deps);
    deps.observe?.(outcome);
    return { batchItemFailures: outcome.failedSequenceNumbers.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
