/**
 * The event stream as the ActivationEventWriter port: feedback, scores and
 * consent decisions go on the same Kinesis stream as every producer's
 * events, under the same partition key rule (shared/partition-key.ts: the
 * anonymousId, else the userId), so they are ordered with the profile's other
 * events and resolved by the same consumer. PutRecords in calls of at most
 * 500 records and 5 MB; records Kinesis reports failed (a throttled shard)
 * are sent again with backoff (shared/retry.ts). Resolves only when every
 * event is on the stream; otherwise rejects naming how many are not (the
 * caller's retry re-puts them, and their messageIds make a repeat harmless).
 */
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { chunkBy } from '../../shared/chunk';
import { partitionKeyOf } from '../../shared/partition-key';
import { retryBatch, type BatchRetryOptions } from '../../shared/retry';
import type { ActivationEventWriter } from '../ports';

const MAX_RECORDS_PER_CALL = 500;
const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;
/** Kinesis refuses a record over 1 MB (data and partition key). */
const MAX_RECORD_BYTES = 1024 * 1024;

export class EventsNotWrittenError extends Error {
  override readonly name = 'EventsNotWrittenError';
  constructor(
    readonly failed: number,
    readonly total: number,
    readonly lastError: string,
  ) {
    super(`${failed} of ${total} events could not be put on the event stream (${lastError})`);
  }
}

const size = (entry: PutRecordsRequestEntry) => (entry.Data?.length ?? 0) + (entry.PartitionKey?.length ?? 0);

export function kinesisActivationEvents(kinesis: KinesisClient, streamName: string, retry: BatchRetryOptions = {}): ActivationEventWriter {
  return {
    async put(events) {
      const entries = events.map((event): PutRecordsRequestEntry => {
        const entry = { PartitionKey: partitionKeyOf(event), Data: Buffer.from(JSON.stringify(event), 'utf8') };
        if (size(entry) > MAX_RECORD_BYTES) throw new Error(`an event of ${size(entry)} bytes is over the stream's 1 MB record limit`);
        return entry;
      });
      const chunks = chunkBy(entries, { maxCount: MAX_RECORDS_PER_CALL, maxBytes: MAX_BYTES_PER_CALL, sizeOf: size });
      for (const [index, chunk] of chunks.entries()) {
        let lastError = 'unknown error';
        const { unsent } = await retryBatch(
          chunk,
          async (pending) => {
            const out = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: pending }));
            if (!out.FailedRecordCount) return [];
            const failedAt = out.Records?.flatMap((r, i) => (r.ErrorCode === undefined ? [] : [i])) ?? [];
            const first = out.Records?.[failedAt[0] ?? 0];
            lastError = `${first?.ErrorCode ?? 'error'}: ${first?.ErrorMessage ?? ''}`.trim();
            // Failures counted but none named: none of this call's records can be taken as written.
            return failedAt.length === 0 ? pending : failedAt.map((i) => pending[i] as PutRecordsRequestEntry);
          },
          retry,
        );
        if (unsent.length > 0) {
          const notTried = chunks.slice(index + 1).reduce((n, c) => n + c.length, 0);
          throw new EventsNotWrittenError(unsent.length + notTried, entries.length, lastError);
        }
      }
    },
  };
}
