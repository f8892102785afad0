/** Lambda entry of the HTTP collector (API Gateway HTTP API, payload format 2.0). */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { config } from '../../config/load';
import { kinesisEventSink } from '../adapters/kinesis-sink';
import { SecretsManagerWriteKeys } from '../adapters/write-keys';
import { documentClient, kinesisClient } from '../../shared/clients';
import { suppressionCheckFromEnv } from '../../governance/adapters/deployed-suppression';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { COLLECTION_ENV } from '../contracts/env';
import { ingestOptionsOf } from '../usecases/collect';
import { createCollector } from '../handlers/collector';

/** Erased people's events are answered as a success and dropped (SUPPRESSION_TABLE, HASH_KEY_SECRET_ARN). */
const suppression = suppressionCheckFromEnv(() => ({ doc: traced(documentClient()), secrets: traced(new SecretsManagerClient({})) }));

const collect = createCollector({
  writeKeys: new SecretsManagerWriteKeys(traced(new SecretsManagerClient({})), requireEnv(COLLECTION_ENV.writeKeysSecret), {
    onInvalidEntries: (count) => logger.warn('write-keys secret: entries skipped (values must be source names)', { count }),
  }),
  // Fewer SDK attempts than the consumer's: API Gateway gives an HTTP API integration 30 s at most.
  events: kinesisEventSink(traced(kinesisClient({ maxAttempts: 3 })), requireEnv(COLLECTION_ENV.stream)),
  ingest: ingestOptionsOf(config),
  corsAllowedOrigins: config.collection.corsAllowedOrigins,
  ...(suppression === undefined
    ? {}
    : { suppression: { check: suppression, identifiers: { identifierTypes: config.unification.identity.identifiers, defaultPhoneRegion: config.normalization.defaultPhoneRegion } } }),
  observe: ({ path, statusCode, source, outcome, error }) => {
    metrics.addMetric('Requests', MetricUnit.Count, 1);
    if (outcome !== undefined) {
      metrics.addMetric('EventsAccepted', MetricUnit.Count, outcome.accepted);
      metrics.addMetric('EventsRejected', MetricUnit.Count, outcome.rejected.length);
      metrics.addMetric('EventsNotWritten', MetricUnit.Count, outcome.notWritten);
      if (outcome.suppressed !== undefined) metrics.addMetric('EventsSuppressed', MetricUnit.Count, outcome.suppressed);
    }
    if (statusCode >= 500) {
      logger.error('collector request failed', { path, statusCode, source, error, notWritten: outcome?.notWritten, writeError: outcome?.writeError });
    } else if (statusCode >= 400 || (outcome?.rejected.length ?? 0) > 0) {
      // Reasons only: the events themselves carry personal data.
      logger.warn('collector request refused or partly rejected', { path, statusCode, source, error, rejected: outcome?.rejected.slice(0, 10) });
    }
  },
});

export const handler = withPowertools(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    return await collect(event);
  } catch (err) {
    logger.error('collector request failed unexpectedly', err as Error);
    return {
      statusCode: 500,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: 'internal', message: 'the request failed; see the function logs' }),
    };
  }
});
