/** Lambda entry of the scheduled segment re-check (an EventBridge schedule). */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../../config/load';
import { DynamoProfileStore } from '../adapters/dynamodb-profile-store';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { UNIFICATION_ENV } from '../contracts/env';
import { unifySettings } from '../settings';
import { recheckProfiles, type RecheckOutcome } from '../usecases/recheck-profiles';

const store = new DynamoProfileStore(traced(documentClient()), requireEnv(UNIFICATION_ENV.table));
const settings = unifySettings(config);
/** Leave this much of the invocation's time unused, so a page is never cut off mid-write. */
const SAFETY_MS = 20_000;

export const handler = withPowertools(async (_event: unknown, context): Promise<RecheckOutcome> => {
  // About one page (100 profiles, two round trips) per 200 ms; stop well before the timeout.
  const maxPages = Math.max(1, Math.floor((context.getRemainingTimeInMillis() - SAFETY_MS) / 200));
  const outcome = await recheckProfiles({ store, settings, maxPages });
  metrics.addMetric('ProfilesRechecked', MetricUnit.Count, outcome.due);
  metrics.addMetric('ProfilesRecheckWritten', MetricUnit.Count, outcome.written);
  logger.info('segment re-check done', { ...outcome });
  return outcome;
});
