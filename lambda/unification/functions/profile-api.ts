/**
 * Lambda entry of the profile API's reading routes and consent changes (API
 * Gateway REST proxy integration, IAM auth). Its role only reads the profile
 * table: a consent change is an event on the stream, and unmerge, the one
 * route that writes the table, has its own function (unmerge-api.ts).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { config } from '../../config/load';
import { DynamoProfileStore } from '../adapters/dynamodb-profile-store';
import { DynamoSegmentStore } from '../adapters/dynamodb-segment-store';
import { documentClient, kinesisClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { UNIFICATION_ENV } from '../contracts/env';
import { consentSettings } from '../settings';
import { kinesisEventWriter } from '../adapters/kinesis-event-writer';
import { createProfileApi } from '../handlers/profile-api';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { FirehoseAuditLog } from '../../governance/adapters/firehose-audit-log';
import { secretsSubjectHasher } from '../../governance/adapters/secrets-hash-key';
import { GOVERNANCE_ENV } from '../../governance/contracts/env';

const doc = traced(documentClient());
const tableName = requireEnv(UNIFICATION_ENV.table);
const store = new DynamoProfileStore(doc, tableName);
// Set when the stack gives the API the event stream (ProfileApiProps.stream): consent is then recorded through it.
const streamName = process.env[UNIFICATION_ENV.eventStream];
// Reads and consent changes are audited with the caller's principal; the person is a keyed hash.
const audit = new FirehoseAuditLog(traced(new FirehoseClient({})), requireEnv(GOVERNANCE_ENV.auditStream));
const hashKeySecret = requireEnv(GOVERNANCE_ENV.hashKeySecret);
const secrets = traced(new SecretsManagerClient({}));
// Built on the first request: the hash key is read once per execution environment, not at import.
const build = async () =>
  createProfileApi({
    store,
    identifierTypes: config.unification.identity.identifiers,
    defaultPhoneRegion: config.normalization.defaultPhoneRegion,
    view: config,
    segments: config.unification.segments,
    membership: new DynamoSegmentStore(doc, tableName),
    consent: consentSettings(config),
    audit,
    hasher: await secretsSubjectHasher(secrets, hashKeySecret),
    auditReads: config.governance.audit.profileReads,
    ...(streamName === undefined || streamName === '' ? {} : { events: kinesisEventWriter(traced(kinesisClient()), streamName) }),
  });
let api: ReturnType<typeof build> | undefined;

export const handler = withPowertools(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  try {
    api ??= build();
    // A failed key read is retried on the next request, not cached.
    api.catch(() => (api = undefined));
    const response = await (await api)(event);
    // API Gateway counts requests and errors; what it cannot tell is a lookup that found no one.
    metrics.addMetric('ProfileRequests', MetricUnit.Count, 1);
    if (response.statusCode === 404) metrics.addMetric('ProfilesNotFound', MetricUnit.Count, 1);
    return response;
  } catch (err) {
    logger.error('profile API request failed', err as Error);
    return { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'internal', message: 'the request failed; see the function logs' }) };
  }
});
