/**
 * Lambda entry of the built-in recommender's rebuild (an EventBridge
 * Scheduler schedule, every builtIn.rebuildEveryMinutes): every interaction
 * → the model → the models bucket.
 *
 * Environment: ACTIVATION_TABLE (interactions), MODELS_BUCKET.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../../config/load';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { DynamoInteractionStore } from '../adapters/dynamodb-interactions';
import { S3DocumentStore } from '../adapters/s3-documents';
import { ACTIVATION_ENV } from '../contracts/env';
import { rebuildRecommender, rebuildSettings, type RebuildResult } from '../usecases/rebuild-recommender';

const deps = {
  interactions: new DynamoInteractionStore(traced(documentClient()), requireEnv(ACTIVATION_ENV.table)),
  documents: new S3DocumentStore(traced(new S3Client({})), requireEnv(ACTIVATION_ENV.modelsBucket)),
  settings: rebuildSettings(config),
};

export const handler = withPowertools(async (): Promise<RebuildResult> => {
  const result = await rebuildRecommender(deps);
  metrics.addMetric('RecommenderInteractionsScanned', MetricUnit.Count, result.scanned);
  metrics.addMetric('RecommenderItems', MetricUnit.Count, result.counts.items);
  logger.info('built-in recommender rebuilt', { ...result });
  return result;
});
