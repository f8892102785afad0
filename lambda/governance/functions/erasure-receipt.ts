/**
 * Lambda entry of the erasure workflow's last step: adds the person's hashes
 * to the suppression list, audits the completion, writes the final receipt
 * (each store's report and the residuals) and deletes the work object with
 * every version. Retried, it returns the receipt already written.
 *
 * Environment: GOVERNANCE_BUCKET, SUPPRESSION_TABLE, AUDIT_DELIVERY_STREAM,
 * STREAM_RETENTION_HOURS. The subject's hashes were made by the resolve step:
 * this one needs neither the hash key nor the identity graph.
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../../config/load';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { DynamoSuppressionList } from '../adapters/dynamodb-suppression-list';
import { FirehoseAuditLog } from '../adapters/firehose-audit-log';
import { S3ErasureRecords } from '../adapters/s3-erasure-records';
import { GOVERNANCE_ENV } from '../contracts/env';
import { ERASURE_REQUEST_ID, type ErasureReceipt, type StoreReport } from '../contracts/erasure';
import { completeErasure } from '../usecases/erasure';

export interface ErasureReceiptInput {
  readonly requestId: string;
  readonly reports: readonly StoreReport[];
  /** false: the work object is kept for a later pass (default true). */
  readonly final?: boolean;
}

const doc = traced(documentClient());
const s3 = traced(new S3Client({}));
const suppression = new DynamoSuppressionList(doc, requireEnv(GOVERNANCE_ENV.suppressionTable));
const records = new S3ErasureRecords(s3, requireEnv(GOVERNANCE_ENV.governanceBucket));
const audit = new FirehoseAuditLog(traced(new FirehoseClient({})), requireEnv(GOVERNANCE_ENV.auditStream));
const residuals = {
  streamRetentionHours: Number(requireEnv(GOVERNANCE_ENV.streamRetentionHours)),
  curatedRetentionDays: config.analytics.export.retentionDays,
  pointInTimeRecovery: true,
  firehose: true,
};

export const handler = withPowertools(async (event: ErasureReceiptInput): Promise<Pick<ErasureReceipt, 'requestId' | 'status'>> => {
  if (typeof event?.requestId !== 'string' || !ERASURE_REQUEST_ID.test(event.requestId) || !Array.isArray(event.reports)) {
    throw new Error('the receipt step input is { requestId, reports: StoreReport[] }');
  }
  const receipt = await completeErasure(event.requestId, event.reports, { suppression, records, audit, residuals }, { final: event.final !== false });
  metrics.addMetric(receipt.status === 'complete' ? 'ErasuresComplete' : 'ErasuresIncomplete', MetricUnit.Count, 1);
  const failed = receipt.stores.filter((s) => s.status === 'failed').map((s) => s.store);
  logger.info('erasure complete', { requestId: receipt.requestId, status: receipt.status, failed, suppressed: receipt.suppressed });
  return { requestId: receipt.requestId, status: receipt.status };
});
