/**
 * Lambda entry of the segment change delivery (DynamoDB Streams event source
 * mapping on the profile table): segment membership and events, and the
 * audit records of merges, unmerges and consent changes.
 *
 * Environment: the table and the bus (UNIFICATION_ENV); the audit delivery
 * stream and the hash key secret (GOVERNANCE_ENV). The key is read once per
 * cold start, when the first batch with profile records needs it; a failed
 * read fails that batch, and Lambda retries it.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { FirehoseAuditLog } from '../../governance/adapters/firehose-audit-log';
import { secretsSubjectHasher } from '../../governance/adapters/secrets-hash-key';
import { GOVERNANCE_ENV } from '../../governance/contracts/env';
import { auditDiffs } from '../../governance/core/audit-diff';
import { DynamoSegmentStore } from '../adapters/dynamodb-segment-store';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { UNIFICATION_ENV } from '../contracts/env';
import { createSegmentChangesHandler } from '../handlers/segment-changes';

const secrets = traced(new SecretsManagerClient({}));
const hashKeySecret = requireEnv(GOVERNANCE_ENV.hashKeySecret);

const consume = createSegmentChangesHandler({
  membership: new DynamoSegmentStore(traced(documentClient()), requireEnv(UNIFICATION_ENV.table)),
  publisher: new EventBridgePublisher(traced(new EventBridgeClient({ maxAttempts: 8 })), requireEnv(UNIFICATION_ENV.eventBus)),
  audit: {
    log: new FirehoseAuditLog(traced(new FirehoseClient({ maxAttempts: 8 })), requireEnv(GOVERNANCE_ENV.auditStream)),
    // The key is cached after the first read (secrets-hash-key.ts).
    records: async (pairs, at) => auditDiffs(pairs, { hasher: await secretsSubjectHasher(secrets, hashKeySecret), at }),
  },
  observe: (outcome) => {
    metrics.addMetric('SegmentEntered', MetricUnit.Count, outcome.entered);
    metrics.addMetric('SegmentExited', MetricUnit.Count, outcome.exited);
    metrics.addMetric('AuditRecords', MetricUnit.Count, outcome.audited);
    metrics.addMetric('SegmentRecordsFailed', MetricUnit.Count, outcome.failedSequenceNumber === undefined ? 0 : 1);
    const { error, ...rest } = outcome;
    if (error !== undefined) logger.error('segment change delivery failed; the batch is retried from the failed record', { outcome: rest, error: error as Error });
    else logger.debug('segment changes delivered', { outcome: rest });
  },
});

export const handler = withPowertools((event: DynamoDBStreamEvent) => consume(event));
