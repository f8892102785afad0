/**
 * Lambda entry of the erasure workflow's first step: resolves the request to
 * the whole person (the identity graph in the customer-view table), keeps the
 * subject in the work object in the governance bucket, writes the running
 * receipt and audits the request. Returns the request id only: the person's
 * identifiers never enter the workflow's state (its execution history).
 *
 * The person's hashes go on the suppression list here already, so that an
 * event of theirs arriving while the stores are erased is dropped.
 *
 * Environment: TABLE_NAME, GOVERNANCE_BUCKET, HASH_KEY_SECRET_ARN,
 * SUPPRESSION_TABLE, AUDIT_DELIVERY_STREAM, STREAM_RETENTION_HOURS.
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../../config/load';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { DynamoProfileReader } from '../adapters/dynamodb-profile-reader';
import { DynamoSuppressionList } from '../adapters/dynamodb-suppression-list';
import { FirehoseAuditLog } from '../adapters/firehose-audit-log';
import { S3ErasureRecords } from '../adapters/s3-erasure-records';
import { secretsSubjectHasher } from '../adapters/secrets-hash-key';
import { GOVERNANCE_ENV } from '../contracts/env';
import { ERASURE_REQUEST_ID, type ErasureRequest, type ErasureStepInput } from '../contracts/erasure';
import { beginErasure, PERSONAL_TRAITS } from '../usecases/erasure';
import { classification, directTraitNames } from '../contracts/classification';

const doc = traced(documentClient());
const s3 = traced(new S3Client({}));
const hasher = secretsSubjectHasher(traced(new SecretsManagerClient({})), requireEnv(GOVERNANCE_ENV.hashKeySecret));
// Awaited in the handler; a failed cold-start read must not surface as an unhandled rejection.
hasher.catch(() => undefined);
const profiles = new DynamoProfileReader(doc, requireEnv(GOVERNANCE_ENV.table));
const suppression = new DynamoSuppressionList(doc, requireEnv(GOVERNANCE_ENV.suppressionTable));
const records = new S3ErasureRecords(s3, requireEnv(GOVERNANCE_ENV.governanceBucket));
const audit = new FirehoseAuditLog(traced(new FirehoseClient({})), requireEnv(GOVERNANCE_ENV.auditStream));
// The classification's direct traits: their values as sent are searched for too.
const personalTraits = [...new Set([...PERSONAL_TRAITS, ...directTraitNames(classification(config))])];
const residuals = {
  streamRetentionHours: Number(requireEnv(GOVERNANCE_ENV.streamRetentionHours)),
  curatedRetentionDays: config.analytics.export.retentionDays,
  pointInTimeRecovery: true,
  firehose: true,
};

/** The request as the privacy API started the execution with it. */
function checkedRequest(event: ErasureRequest): ErasureRequest {
  const target = event?.target as Partial<{ identifier: { type?: unknown; value?: unknown }; profileId: unknown }> | undefined;
  const named =
    (typeof target?.identifier?.type === 'string' && typeof target.identifier.value === 'string') || typeof target?.profileId === 'string';
  if (typeof event?.requestId !== 'string' || !ERASURE_REQUEST_ID.test(event.requestId) || !named) {
    throw new Error('the erasure step input is not an erasure request (requestId, target, requestedBy, requestedAt)');
  }
  return event;
}

export const handler = withPowertools(async (event: ErasureRequest): Promise<ErasureStepInput> => {
  const request = checkedRequest(event);
  const subject = await beginErasure(request, { profiles, hasher: await hasher, personalTraits, suppression, records, audit, residuals });
  metrics.addMetric('ErasuresResolved', MetricUnit.Count, 1);
  if (subject.profileIds.length === 0) metrics.addMetric('ErasuresOfUnknownPeople', MetricUnit.Count, 1);
  // Counts only: the subject's identifiers stay out of the logs.
  logger.info('erasure resolved', { requestId: request.requestId, profiles: subject.profileIds.length, identifiers: subject.identifiers.length });
  return { requestId: request.requestId };
});
