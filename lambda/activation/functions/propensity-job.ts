/**
 * Lambda entry of the scheduled propensity job: the timelines from Athena
 * (the propensity views over the curated export and the lake, in the
 * analytics workgroup and Glue database), the models in the models bucket,
 * score events onto the event stream.
 *
 * Environment (ACTIVATION_ENV): ATHENA_WORKGROUP, GLUE_DATABASE,
 * MODELS_BUCKET, EVENT_STREAM_NAME. Logs and metrics carry counts, versions,
 * decisions and metrics only.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { config } from '../../config/load';
import { kinesisClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { AthenaWarehouse } from '../adapters/athena-warehouse';
import { kinesisActivationEvents } from '../adapters/kinesis-activation-events';
import { S3DocumentStore } from '../adapters/s3-documents';
import { WarehouseTrainingSource } from '../adapters/warehouse-training-source';
import { ACTIVATION_ENV } from '../contracts/env';
import { createPropensityJob, type PropensityJobSummary } from '../handlers/propensity-job';

const settings = config.activation.propensity;
const workGroup = requireEnv(ACTIVATION_ENV.athenaWorkgroup);
const database = requireEnv(ACTIVATION_ENV.glueDatabase);
const documents = new S3DocumentStore(traced(new S3Client({})), requireEnv(ACTIVATION_ENV.modelsBucket));
const events = kinesisActivationEvents(traced(kinesisClient()), requireEnv(ACTIVATION_ENV.eventStream));
const athena = traced(new AthenaClient({}));

export const handler = withPowertools(async (_event: unknown, context: Context): Promise<PropensityJobSummary> => {
  const warehouse = new AthenaWarehouse(athena, { workGroup, database, remainingTimeMs: () => context.getRemainingTimeInMillis() });
  const run = createPropensityJob({ settings, source: new WarehouseTrainingSource(warehouse, { orderEvent: settings.orderEvent }), documents, events });
  const summary = await run();
  metrics.addMetric('PropensityTimelines', MetricUnit.Count, summary.timelines);
  for (const m of summary.training?.models ?? []) {
    const single = metrics.singleMetric();
    single.addDimension('model', m.model);
    single.addMetric('PropensityModelDeployed', MetricUnit.Count, m.deployed ? 1 : 0);
    logger.info('propensity model trained', { ...m });
  }
  for (const m of summary.scoring?.models ?? []) {
    const single = metrics.singleMetric();
    single.addDimension('model', m.model);
    single.addMetric('PropensityProfilesScored', MetricUnit.Count, m.scored);
    single.addMetric('PropensityUnaddressable', MetricUnit.Count, m.unaddressable);
    logger.info('propensity scores put', { ...m });
  }
  logger.info('propensity job done', { enabled: summary.enabled, timelines: summary.timelines, customers: summary.scoring?.customers ?? 0 });
  return summary;
});
