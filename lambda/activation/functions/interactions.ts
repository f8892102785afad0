/**
 * Lambda entry of the interactions consumer (a Kinesis event source mapping
 * on the event stream, partial batch responses).
 *
 * Environment: ACTIVATION_TABLE (interactions), PROFILE_TABLE (the customer
 * view, read-only), PERSONALIZE_TRACKING_ID (optional: without it,
 * Personalize is not deployed and only the built-in recommender learns).
 */
import { PersonalizeEventsClient } from '@aws-sdk/client-personalize-events';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamEvent } from 'aws-lambda';
import { config } from '../../config/load';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { identityRules } from '../../unification/core/identity/identity-rules';
import { DynamoCustomerViewReader } from '../adapters/dynamodb-customer-view';
import { DynamoInteractionStore } from '../adapters/dynamodb-interactions';
import { PersonalizeEventsIngest } from '../adapters/personalize-ingest';
import { ACTIVATION_ENV } from '../contracts/env';
import { createInteractionsConsumer } from '../handlers/interactions';
import { recordInteractionSettings } from '../usecases/record-interactions';

const doc = traced(documentClient());
const trackingId = process.env[ACTIVATION_ENV.personalizeTrackingId];

const consume = createInteractionsConsumer({
  views: new DynamoCustomerViewReader(doc, requireEnv(ACTIVATION_ENV.profileTable), config),
  interactions: new DynamoInteractionStore(doc, requireEnv(ACTIVATION_ENV.table), { retentionDays: config.activation.recommendations.builtIn.lookbackDays }),
  ...(trackingId === undefined || trackingId === '' ? {} : { personalize: new PersonalizeEventsIngest(traced(new PersonalizeEventsClient({ maxAttempts: 8 })), { trackingId }) }),
  settings: recordInteractionSettings(config, identityRules(config.unification.identity).blockedReason),
  observe: (o) => {
    metrics.addMetric('InteractionRecordsRead', MetricUnit.Count, o.records);
    metrics.addMetric('InteractionsRecorded', MetricUnit.Count, o.interactions);
    metrics.addMetric('InteractionEventsSkippedNoConsent', MetricUnit.Count, o.skippedNoConsent);
    metrics.addMetric('InteractionEventsSkippedNoProfile', MetricUnit.Count, o.skippedNoProfile);
    metrics.addMetric('InteractionEventsRetried', MetricUnit.Count, o.retried);
    metrics.addMetric('InteractionItemsRejected', MetricUnit.Count, o.rejectedItems);
    if (o.personalizeEvents > 0) metrics.addMetric('PersonalizeEventsSent', MetricUnit.Count, o.personalizeEvents);
    // Counts and reasons only: no identifier, no profile id.
    const { failedSequenceNumbers: _failed, ...counts } = o;
    if (o.errors.length > 0 || o.rejectedItems > 0) logger.warn('interaction batch had rejects or failures', { outcome: counts });
    else logger.debug('interaction batch recorded', { outcome: counts });
  },
});

export const handler = withPowertools((event: KinesisStreamEvent) => consume(event));
