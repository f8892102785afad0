/**
 * Lambda entry of one store's step of the erasure workflow: ERASURE_STORE
 * names the store (one of ERASURE_STORES; one function, and one role, per
 * store, so each holds the rights to its own store only). Input
 * `{ requestId }`; the subject is read from the work object in the governance
 * bucket, never passed in the workflow's state. Returns the store's report.
 *
 * Environment: ERASURE_STORE, GOVERNANCE_BUCKET, and per store
 *   profiles        TABLE_NAME
 *   raw-lake        LAKE_BUCKET
 *   quarantine      LAKE_BUCKET
 *   landing         LANDING_BUCKET
 *   curated         CURATED_BUCKET
 *   segment-events  CURATED_BUCKET
 *   query-results   QUERY_RESULTS_BUCKET
 *   matching        LAKE_BUCKET, MATCHING_WORKFLOW_NAME (absent: no batch matching)
 *   redshift        REDSHIFT_WORKGROUP, REDSHIFT_DATABASE (absent: not deployed),
 *                   STREAM_NAME, STREAM_RETENTION_HOURS; the sql/redshift files in the bundle
 *   activation      ACTIVATION_TABLE (absent: no activation stack)
 *   audience-exports  EXPORTS_BUCKET (absent: no activation stack)
 *   personalize     PERSONALIZE_DATASET_GROUP_ARN, MODELS_BUCKET, PERSONALIZE_DELETION_ROLE_ARN
 *                   (absent: Personalize not deployed)
 */
import { EntityResolutionClient } from '@aws-sdk/client-entityresolution';
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { COLLECTION_ENV } from '../../collection/contracts/env';
import { config } from '../../config/load';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { ActivationTableEraser, s3AudienceExportsEraser } from '../adapters/activation-erasers';
import { DynamoProfileEraser } from '../adapters/dynamodb-profile-eraser';
import { PersonalizeEraser } from '../adapters/personalize-eraser';
import { EntityResolutionEraser } from '../adapters/entity-resolution-eraser';
import { RedshiftEraser } from '../adapters/redshift-eraser';
import { RECREATE_EVENTS_STREAM_PROCEDURE } from '../../analytics/contracts/views';
import { S3ErasureRecords } from '../adapters/s3-erasure-records';
import {
  curatedEraser,
  landingEraser,
  quarantineEraser,
  queryResultsEraser,
  rawLakeEraser,
  segmentEventsEraser,
} from '../adapters/s3-store-erasers';
import { GOVERNANCE_ENV } from '../contracts/env';
import { ERASURE_REQUEST_ID, ERASURE_STORES, type ErasureStepInput, type ErasureStore, type StoreReport } from '../contracts/erasure';
import type { StoreEraser } from '../ports';
import { notDeployed } from '../usecases/eraser-registry';
import { runStoreStep } from '../usecases/erasure';

const optionalEnv = (name: string) => (process.env[name] === undefined || process.env[name] === '' ? undefined : process.env[name]);

function storeOf(name: string): ErasureStore {
  if (!(ERASURE_STORES as readonly string[]).includes(name)) throw new Error(`${GOVERNANCE_ENV.erasureStore}=${name} is not one of ${ERASURE_STORES.join(', ')}`);
  return name as ErasureStore;
}

/** The one eraser of this function, from its store's environment (a missing variable fails the cold start). */
function eraserFor(store: ErasureStore): StoreEraser {
  const s3 = () => traced(new S3Client({}));
  switch (store) {
    case 'profiles':
      return new DynamoProfileEraser(traced(documentClient()), requireEnv(GOVERNANCE_ENV.table), { segments: Object.keys(config.unification.segments) });
    case 'raw-lake':
      return rawLakeEraser(s3(), requireEnv(GOVERNANCE_ENV.lakeBucket));
    case 'quarantine':
      return quarantineEraser(s3(), requireEnv(GOVERNANCE_ENV.lakeBucket));
    case 'landing':
      return landingEraser(s3(), requireEnv(COLLECTION_ENV.landingBucket));
    case 'curated':
      return curatedEraser(s3(), requireEnv(GOVERNANCE_ENV.curatedBucket));
    case 'segment-events':
      return segmentEventsEraser(s3(), requireEnv(GOVERNANCE_ENV.curatedBucket));
    case 'query-results':
      return queryResultsEraser(s3(), requireEnv(GOVERNANCE_ENV.queryResultsBucket));
    case 'matching': {
      const workflowName = optionalEnv(GOVERNANCE_ENV.matchingWorkflow);
      return new EntityResolutionEraser(s3(), workflowName === undefined ? undefined : traced(new EntityResolutionClient({})), requireEnv(GOVERNANCE_ENV.lakeBucket), {
        ...(workflowName === undefined ? {} : { workflowName }),
      });
    }
    case 'redshift': {
      const workgroupName = optionalEnv(GOVERNANCE_ENV.redshiftWorkgroup);
      const database = optionalEnv(GOVERNANCE_ENV.redshiftDatabase);
      if (workgroupName === undefined || database === undefined) return notDeployed('redshift', 'analytics.redshift is not enabled in this deployment');
      return new RedshiftEraser(traced(new RedshiftDataClient({})), {
        workgroupName,
        database,
        procedure: RECREATE_EVENTS_STREAM_PROCEDURE,
        streamRetentionHours: Number(requireEnv(GOVERNANCE_ENV.streamRetentionHours)),
      });
    }
    case 'activation': {
      const table = optionalEnv(GOVERNANCE_ENV.activationTable);
      if (table === undefined) return notDeployed('activation', 'no activation stack is wired to the erasure in this deployment');
      return new ActivationTableEraser(traced(documentClient()), table, {
        pushTokenIdentifier: config.activation.messaging.push.tokenIdentifier,
        defaultPhoneRegion: config.normalization.defaultPhoneRegion,
      });
    }
    case 'audience-exports': {
      const bucket = optionalEnv(GOVERNANCE_ENV.exportsBucket);
      if (bucket === undefined) return notDeployed('audience-exports', 'no activation stack is wired to the erasure in this deployment');
      return s3AudienceExportsEraser(s3(), bucket, config.normalization.defaultPhoneRegion);
    }
    case 'personalize': {
      const datasetGroupArn = optionalEnv(GOVERNANCE_ENV.personalizeDatasetGroupArn);
      if (datasetGroupArn === undefined) return notDeployed('personalize', 'Amazon Personalize is not deployed (activation.recommendations.personalize.enabled is false, or no activation stack)');
      return new PersonalizeEraser(s3(), traced(new PersonalizeClient({})), {
        datasetGroupArn,
        bucket: requireEnv(GOVERNANCE_ENV.modelsBucket),
        roleArn: requireEnv(GOVERNANCE_ENV.personalizeDeletionRoleArn),
      });
    }
  }
}

const eraser = eraserFor(storeOf(requireEnv(GOVERNANCE_ENV.erasureStore)));
const records = new S3ErasureRecords(traced(new S3Client({})), requireEnv(GOVERNANCE_ENV.governanceBucket));

export const handler = withPowertools(async (event: ErasureStepInput): Promise<StoreReport> => {
  if (typeof event?.requestId !== 'string' || !ERASURE_REQUEST_ID.test(event.requestId)) throw new Error('the erasure step input is { requestId }');
  const report = await runStoreStep(event.requestId, eraser, records);
  metrics.addMetric('ErasureItemsAffected', MetricUnit.Count, report.itemsAffected);
  if (report.status === 'failed') metrics.addMetric('ErasureStepsFailed', MetricUnit.Count, 1);
  // The report's counts and status only; its message is for the receipt.
  logger.info('erasure step done', { requestId: event.requestId, store: report.store, status: report.status, items: report.itemsAffected, objects: report.objectsAffected });
  return report;
});
