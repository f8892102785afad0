/**
 * Lambda entry of the privacy API (API Gateway REST proxy integration, IAM
 * auth): starts erasures (a Step Functions execution named after the request
 * id), serves receipts from the governance bucket, and removes an identifier
 * from the suppression list (audited).
 *
 * Environment: ERASURE_STATE_MACHINE_ARN, GOVERNANCE_BUCKET,
 * HASH_KEY_SECRET_ARN, SUPPRESSION_TABLE, AUDIT_DELIVERY_STREAM.
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { config } from '../../config/load';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { DynamoSuppressionList } from '../adapters/dynamodb-suppression-list';
import { FirehoseAuditLog } from '../adapters/firehose-audit-log';
import { S3ErasureRecords } from '../adapters/s3-erasure-records';
import { secretsSubjectHasher } from '../adapters/secrets-hash-key';
import { SfnErasureStarter } from '../adapters/sfn-erasure-starter';
import { GOVERNANCE_ENV } from '../contracts/env';
import { createPrivacyApi } from '../handlers/privacy-api';
import { removeSuppression } from '../usecases/erasure';

const hasher = secretsSubjectHasher(traced(new SecretsManagerClient({})), requireEnv(GOVERNANCE_ENV.hashKeySecret));
// Awaited in the handler; a failed cold-start read must not surface as an unhandled rejection.
hasher.catch(() => undefined);
const suppression = new DynamoSuppressionList(traced(documentClient()), requireEnv(GOVERNANCE_ENV.suppressionTable));
const audit = new FirehoseAuditLog(traced(new FirehoseClient({})), requireEnv(GOVERNANCE_ENV.auditStream));

const api = createPrivacyApi({
  starter: new SfnErasureStarter(traced(new SFNClient({})), requireEnv(GOVERNANCE_ENV.erasureStateMachine)),
  records: new S3ErasureRecords(traced(new S3Client({})), requireEnv(GOVERNANCE_ENV.governanceBucket)),
  removeSuppression: async (removal) => removeSuppression(removal, { hasher: await hasher, suppression, audit }),
  identifierTypes: config.unification.identity.identifiers,
  defaultPhoneRegion: config.normalization.defaultPhoneRegion,
});

export const handler = withPowertools(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  try {
    const response = await api(event);
    metrics.addMetric('PrivacyRequests', MetricUnit.Count, 1);
    // Method, path pattern and status only: the body and the path's ids stay out of the logs.
    logger.info('privacy request', { method: event.httpMethod, resource: event.resource, status: response.statusCode });
    return response;
  } catch (err) {
    logger.error('privacy API request failed', err as Error);
    return { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'internal', message: 'the request failed; see the function logs' }) };
  }
});
