/**
 * Lambda entry of the item catalog import (an EventBridge rule on S3
 * "Object Created" under `landing/items/` of the landing bucket).
 *
 * Environment: LANDING_BUCKET, ACTIVATION_TABLE (the catalog),
 * PERSONALIZE_ITEMS_DATASET_ARN (optional: without it, Personalize is not
 * deployed and only the catalog is written).
 */
import { PersonalizeEventsClient } from '@aws-sdk/client-personalize-events';
import { S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../../config/load';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { DynamoItemCatalog } from '../adapters/dynamodb-item-catalog';
import { PersonalizeEventsIngest } from '../adapters/personalize-ingest';
import { ACTIVATION_ENV } from '../contracts/env';
import { createItemImport, type ObjectCreatedEvent } from '../handlers/item-import';
import { itemImportSettings } from '../usecases/import-items';

const itemsDatasetArn = process.env[ACTIVATION_ENV.personalizeItemsDatasetArn];

const importItems = createItemImport({
  s3: traced(new S3Client({})),
  landingBucket: requireEnv(ACTIVATION_ENV.landingBucket),
  catalog: new DynamoItemCatalog(traced(documentClient()), requireEnv(ACTIVATION_ENV.table)),
  ...(itemsDatasetArn === undefined || itemsDatasetArn === ''
    ? {}
    : { personalize: new PersonalizeEventsIngest(traced(new PersonalizeEventsClient({ maxAttempts: 8 })), { itemsDatasetArn }) }),
  settings: itemImportSettings(config),
  log: logger,
  observe: (report) => {
    metrics.addMetric('ItemRowsRead', MetricUnit.Count, report.rowsRead);
    metrics.addMetric('ItemsImported', MetricUnit.Count, report.imported);
    metrics.addMetric('ItemRowsRejected', MetricUnit.Count, report.rejected);
    metrics.addMetric(report.status === 'completed' ? 'ItemFilesImported' : 'ItemFilesNotImported', MetricUnit.Count, 1);
  },
});

export const handler = withPowertools((event: ObjectCreatedEvent) => importItems(event));
