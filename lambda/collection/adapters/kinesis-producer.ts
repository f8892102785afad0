/**
 * Writes records to a Kinesis stream with PutRecords, retrying the entries
 * that Kinesis reports as failed (throttled shards, internal errors) with
 * exponential backoff. Resolves only when every record is written; rejects,
 * naming how many could not be, otherwise. Never a silent partial loss.
 */
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { chunkBy } from '../../shared/chunk';
import { DEFAULT_BASE_DELAY_MS, DEFAULT_MAX_ATTEMPTS, retryBatch } from '../../shared/retry';

/** PutRecords takes at most 500 records (and 5 MB) per call. */
const MAX_RECORDS_PER_CALL = 500;
const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;

export interface ProducerOptions {
  /** PutRecords calls per chunk (the first and its retries of failed records). */
  readonly maxAttempts?: number;
  /** Backoff base: retry n waits up to baseDelayMs · 2^n (full jitter). */
  readonly baseDelayMs?: number;
}

export interface ProducerResult {
  readonly written: number;
  /** PutRecords calls made, retries included. */
  readonly calls: number;
  /** Entries Kinesis rejected at least once and that were retried. */
  readonly retried: number;
}

export class PartialWriteError extends Error {
  constructor(
    readonly failed: number,
    readonly total: number,
    readonly lastError: string,
  ) {
    super(`${failed} of ${total} records could not be written to the stream (${lastError})`);
    this.name = 'PartialWriteError';
  }
}

/** A record's size as PutRecords counts it towards the per-call limit: its data and partition key. */
const recordSize = (entry: PutRecordsRequestEntry) => (entry.Data?.length ?? 0) + (entry.PartitionKey?.length ?? 0);

export async function putRecordsReliably(
  client: KinesisClient,
  streamName: string,
  entries: readonly PutRecordsRequestEntry[],
  opts: ProducerOptions = {},
): Promise<ProducerResult> {
  let calls = 0;
  let retried = 0;
  const all = chunkBy(entries, { maxCount: MAX_RECORDS_PER_CALL, maxBytes: MAX_BYTES_PER_CALL, sizeOf: recordSize });
  for (const [index, chunk] of all.entries()) {
    let lastError = 'unknown error';
    // A whole-call error (bad stream name, no permission) is the SDK's to retry, not ours: it rejects at once.
    const { unsent } = await retryBatch(
      chunk,
      async (pending) => {
        calls++;
        const out = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: pending }));
        if (!out.FailedRecordCount) return [];
        const failedAt = out.Records?.flatMap((r, i) => (r.ErrorCode === undefined ? [] : [i])) ?? [];
        const first = out.Records?.[failedAt[0] ?? 0];
        lastError = `${first?.ErrorCode ?? 'error'}: ${first?.ErrorMessage ?? ''}`.trim();
        // Failures reported but none named: no record of this call can be counted as written.
        const failed = failedAt.length === 0 ? pending : failedAt.map((i) => pending[i] as PutRecordsRequestEntry);
        retried += failed.length;
        return failed;
      },
      { maxAttempts: opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, baseDelayMs: opts.baseDelayMs ?? DEFAULT_BASE_DELAY_MS },
    );
    if (unsent.length > 0) {
      // The chunks after this one were never sent: they are not written either.
      const notTried = all.slice(index + 1).reduce((n, c) => n + c.length, 0);
      throw new PartialWriteError(unsent.length + notTried, entries.length, lastError);
    }
  }
  return { written: entries.length, calls, retried };
}
