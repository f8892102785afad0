/**
 * Writes records to a Kinesis stream with PutRecords, retrying the entries
 * that Kinesis reports as failed (throttled shards, internal errors) with
 * exponential backoff. Resolves only when every record is written; rejects,
 * naming how many could not be, otherwise. Never a silent partial loss.
 */
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import pRetry from 'p-retry';

/** PutRecords takes at most 500 records (and 5 MB) per call. */
const MAX_RECORDS_PER_CALL = 500;
const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;

export interface ProducerOptions {
  readonly maxAttempts?: number;
  /** First backoff delay; doubles each retry, randomised. */
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

function chunks(entries: readonly PutRecordsRequestEntry[]): PutRecordsRequestEntry[][] {
  const out: PutRecordsRequestEntry[][] = [];
  let current: PutRecordsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = (entry.Data?.length ?? 0) + (entry.PartitionKey?.length ?? 0);
    if (current.length === MAX_RECORDS_PER_CALL || (current.length > 0 && bytes + size > MAX_BYTES_PER_CALL)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

class EntriesFailed extends Error {}

export async function putRecordsReliably(
  client: KinesisClient,
  streamName: string,
  entries: readonly PutRecordsRequestEntry[],
  opts: ProducerOptions = {},
): Promise<ProducerResult> {
  const maxAttempts = opts.maxAttempts ?? 6;
  let calls = 0;
  let retried = 0;
  for (const chunk of chunks(entries)) {
    let pending = chunk;
    let lastError = 'unknown error';
    try {
      await pRetry(
        async () => {
          calls++;
          const out = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: pending }));
          if (!out.FailedRecordCount) return;
          const failedAt = out.Records?.flatMap((r, i) => (r.ErrorCode === undefined ? [] : [i])) ?? [];
          const first = out.Records?.[failedAt[0] ?? 0];
          lastError = `${first?.ErrorCode ?? 'error'}: ${first?.ErrorMessage ?? ''}`.trim();
          retried += failedAt.length;
          pending = failedAt.map((i) => pending[i] as PutRecordsRequestEntry);
          throw new EntriesFailed(lastError);
        },
        {
          retries: maxAttempts - 1,
          minTimeout: opts.baseDelayMs ?? 50,
          factor: 2,
          randomize: true,
          // A whole-call error (bad stream name, no permission) is the SDK's to retry, not ours.
          onFailedAttempt: (err) => {
            if (!(err instanceof EntriesFailed)) throw err;
          },
        },
      );
    } catch (err) {
      if (err instanceof EntriesFailed) throw new PartialWriteError(pending.length, entries.length, lastError);
      throw err;
    }
  }
  return { written: entries.length, calls, retried };
}
