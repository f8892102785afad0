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

export const handler = withPowertools(async (_event: unknown, context): Promise<RecheckOutcome> => {
  const outcome = await recheckProfiles({ store, settings, remainingMs: () => context.getRemainingTimeInMillis() });
  metrics.addMetric('ProfilesRechecked', MetricUnit.Count, outcome.due);
  metrics.addMetric('ProfilesRecheckWritten', MetricUnit.Count, outcome.written);
  logger.info('segment re-check done', { ...outcome });
  return outcome;
});
