/**
 * The erasure receipt, built from the store reports: its status, and what
 * remains for a bounded time (the residuals) with the time each ends.
 */
import type { ErasureReceipt, ErasureRequest, Residual, StoreReport } from '../contracts/erasure';

/** DynamoDB point-in-time recovery keeps 35 days of restorable table states. */
export const PITR_DAYS = 35;
/** The most the raw-lake delivery stream holds a record before writing it (Firehose buffering). */
export const FIREHOSE_BUFFER_MINUTES = 15;

export interface ResidualSettings {
  /** Kinesis retention of the event stream (collection.stream.retentionHours). */
  readonly streamRetentionHours: number;
  /** Days before S3 lifecycle expires a curated export (analytics.export.retentionDays); absent when no export is deployed. */
  readonly curatedRetentionDays?: number;
  /** Whether the profile table has point-in-time recovery (deployed: yes; locally: no). */
  readonly pointInTimeRecovery: boolean;
  /** Whether a Firehose delivery stream buffers records (deployed: yes; locally the lake writer does not buffer). */
  readonly firehose: boolean;
}

const plus = (at: string, ms: number) => new Date(Date.parse(at) + ms).toISOString();
const HOUR = 3_600_000;

/** What remains, and until when, after an erasure completed at `completedAt`. */
export function residualsOf(completedAt: string, s: ResidualSettings): Residual[] {
  const out: Residual[] = [
    {
      where: 'event stream (Kinesis)',
      until: plus(completedAt, s.streamRetentionHours * HOUR),
      why: `records already on the stream stay until its retention (${s.streamRetentionHours} h) ends; Kinesis cannot delete single records, and every consumer drops them (suppression list)`,
    },
  ];
  if (s.firehose) {
    out.push({
      where: 'raw-lake delivery buffer (Firehose)',
      until: plus(completedAt, FIREHOSE_BUFFER_MINUTES * 60_000),
      why: `records Firehose was buffering when the raw lake was rewritten land in it within ${FIREHOSE_BUFFER_MINUTES} minutes, after the rewrite: erase again after this time to remove them (the suppression list keeps new ones out)`,
    });
  }
  if (s.pointInTimeRecovery) {
    out.push({
      where: 'profile table backups (DynamoDB point-in-time recovery)',
      until: plus(completedAt, PITR_DAYS * 24 * HOUR),
      why: `restorable table states of the last ${PITR_DAYS} days still hold the deleted items; a restore must be followed by this erasure again`,
    });
  }
  if (s.curatedRetentionDays !== undefined) {
    out.push({
      where: 'earlier curated exports (S3 lifecycle)',
      until: plus(completedAt, s.curatedRetentionDays * 24 * HOUR),
      why: `exports written before the erasure were rewritten; any copy missed (a run in progress) expires after ${s.curatedRetentionDays} days`,
    });
  }
  return out;
}

/** complete when every store erased or found nothing (or is not deployed), failed when none succeeded, partial otherwise. */
export function receiptStatus(reports: readonly StoreReport[]): ErasureReceipt['status'] {
  const failed = reports.filter((r) => r.status === 'failed').length;
  if (failed === 0) return 'complete';
  return failed === reports.length ? 'failed' : 'partial';
}

export interface ReceiptInput {
  readonly request: Pick<ErasureRequest, 'requestId' | 'requestedBy' | 'requestedAt' | 'reason'>;
  /** Keyed hash of what the request named. */
  readonly subject: string;
  readonly profiles: number;
  readonly identifiers: number;
}

/** The receipt of a request still running (no store reports yet). */
export function runningReceipt(input: ReceiptInput): ErasureReceipt {
  return {
    requestId: input.request.requestId,
    subject: input.subject,
    requestedBy: input.request.requestedBy,
    requestedAt: input.request.requestedAt,
    ...(input.request.reason === undefined ? {} : { reason: input.request.reason }),
    status: 'running',
    profiles: input.profiles,
    identifiers: input.identifiers,
    suppressed: 0,
    stores: [],
    residuals: [],
  };
}

/** The final receipt: the running one with the store reports, the suppression count and the residuals. */
export function finalReceipt(
  running: ErasureReceipt,
  reports: readonly StoreReport[],
  suppressed: number,
  completedAt: string,
  residuals: ResidualSettings,
): ErasureReceipt {
  return {
    ...running,
    completedAt,
    status: receiptStatus(reports),
    suppressed,
    stores: [...reports].sort((a, b) => (a.store < b.store ? -1 : a.store > b.store ? 1 : 0)),
    residuals: residualsOf(completedAt, residuals),
  };
}
