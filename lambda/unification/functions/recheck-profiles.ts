/** Lambda entry of the scheduled segment re-check (an EventBridge schedule). */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../../config/load';
import { DynamoProfileStore } from '../adapters/dynamodb-profile-store';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { unifySettings } from '../settings';
import { recheckProfiles, type RecheckOutcome } from '../usecases/recheck-profiles';

const logger = new Logger();
const metrics = new Metrics();
const store = new DynamoProfileStore(documentClient(), requireEnv('TABLE_NAME'));
const settings = unifySettings(config);
/** Leave this much of the invocation's time unused, so a page is never cut off mid-write. */
const SAFETY_MS = 20_000;

export async function handler(_event: unknown, context: { getRemainingTimeInMillis(): number }): Promise<RecheckOutcome> {
  try {
    // About one page (100 profiles, two round trips) per 200 ms; stop well before the timeout.
    const maxPages = Math.max(1, Math.floor((context.getRemainingTimeInMillis() - SAFETY_MS) / 200));
    const outcome = await recheckProfiles({ store, settings, maxPages });
    metrics.addMetric('ProfilesRechecked', MetricUnit.Count, outcome.due);
    metrics.addMetric('ProfilesRecheckWritten', MetricUnit.Count, outcome.written);
    logger.info('segment re-check done', { ...outcome });
    return outcome;
  } finally {
    metrics.publishStoredMetrics();
  }
}
