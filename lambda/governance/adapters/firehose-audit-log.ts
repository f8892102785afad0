/**
 * The deployed audit log: records put to the audit Firehose delivery stream
 * (env AUDIT_DELIVERY_STREAM), which writes them to the governance bucket
 * under `audit/dt=<day>/` for the audit Glue table.
 *
 * One record per audit record, each its JSON line with the newline (Firehose
 * concatenates records as they are). PutRecordBatch takes at most 500
 * records and 4 MiB per call; a record it could not take comes back with an
 * ErrorCode (FailedPutCount counts them) and only those are sent again, with
 * backoff. An audit record is never dropped silently: what is still not
 * taken after the last attempt makes append throw, and the caller's retry
 * (the stream batch, the export run) sends it again.
 */
import { PutRecordBatchCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import { chunkBy } from '../../shared/chunk';
import { DEFAULT_BASE_DELAY_MS, DEFAULT_MAX_ATTEMPTS, retryBatch } from '../../shared/retry';
import { encodeAuditLine, type AuditRecord } from '../contracts/audit';
import type { AuditLog } from '../ports';

/** PutRecordBatch limits. */
export const MAX_RECORDS_PER_CALL = 500;
export const MAX_BYTES_PER_CALL = 4 * 1024 * 1024;
/** Firehose's limit on one record (before base64). */
export const MAX_RECORD_BYTES = 1000 * 1024;

export interface FirehoseAuditLogOptions {
  /** PutRecordBatch calls per chunk (the first and its retries of failed records). @default 6 */
  readonly maxAttempts?: number;
  /** Backoff base: a retry waits up to baseDelayMs · 2^attempt (full jitter). @default 50 */
  readonly baseDelayMs?: number;
}

interface Pending {
  readonly data: Uint8Array;
  readonly code: string;
}

export class FirehoseAuditLog implements AuditLog {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;

  constructor(
    private readonly client: FirehoseClient,
    private readonly deliveryStream: string,
    opts: FirehoseAuditLogOptions = {},
  ) {
    this.maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.baseDelayMs = opts.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  }

  /** Puts every record; every chunk is tried even when one fails, then it throws naming how many were not delivered. */
  async append(records: readonly AuditRecord[]): Promise<void> {
    const encoded = records.map((r) => Buffer.from(encodeAuditLine(r) + '\n', 'utf8'));
    const chunks = chunkBy(encoded, {
      maxCount: MAX_RECORDS_PER_CALL,
      maxBytes: MAX_BYTES_PER_CALL,
      sizeOf: (data) => {
        if (data.byteLength > MAX_RECORD_BYTES) throw new Error(`an audit record of ${data.byteLength} bytes exceeds Firehose's record limit of ${MAX_RECORD_BYTES}`);
        return data.byteLength;
      },
    });
    const failures = new Map<string, number>();
    let undelivered = 0;
    for (const chunk of chunks) {
      const failed = await this.putChunk(chunk);
      undelivered += failed.length;
      for (const f of failed) failures.set(f.code, (failures.get(f.code) ?? 0) + 1);
    }
    if (undelivered > 0) {
      const codes = [...failures].map(([code, n]) => `${code} ×${n}`).join(', ');
      throw new Error(`Firehose did not take ${undelivered} of ${records.length} audit records for ${this.deliveryStream} after ${this.maxAttempts} attempts (${codes})`);
    }
  }

  /** Sends a chunk, retrying only its failed records; returns those still failed at the end. */
  private async putChunk(chunk: readonly Uint8Array[]): Promise<Pending[]> {
    const { unsent } = await retryBatch<Pending>(
      chunk.map((data) => ({ data, code: 'not sent' })),
      async (pending) => {
        const out = await this.client.send(
          new PutRecordBatchCommand({ DeliveryStreamName: this.deliveryStream, Records: pending.map((p) => ({ Data: p.data })) }),
        );
        const responses = out.RequestResponses ?? [];
        if ((out.FailedPutCount ?? 0) === 0 && responses.length === pending.length && responses.every((r) => r.ErrorCode === undefined)) return [];
        // Responses are in request order; a missing one, or one without a RecordId, counts as failed.
        return pending.flatMap((p, i) => {
          const r = responses[i];
          if (r !== undefined && r.ErrorCode === undefined && r.RecordId !== undefined) return [];
          return [{ data: p.data, code: r?.ErrorCode ?? 'no response' }];
        });
      },
      { maxAttempts: this.maxAttempts, baseDelayMs: this.baseDelayMs },
    );
    return unsent;
  }
}
