/** Lambda entry of the batch-file import (S3 "object created" notifications for `landing/`). */
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, S3Event } from 'aws-lambda';
import { config } from '../../config/load';
import { documentClient, kinesisClient } from '../../shared/clients';
import { suppressionCheckFromEnv } from '../../governance/adapters/deployed-suppression';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { COLLECTION_ENV } from '../contracts/env';
import { kinesisEventSink } from '../adapters/kinesis-sink';
import type { ImportReport } from '../core/import-report';
import { importSettings } from '../usecases/import-file';
import { createFileImport } from '../handlers/file-import';

/** Erased people's rows are counted and not sent (SUPPRESSION_TABLE, HASH_KEY_SECRET_ARN). */
const suppression = suppressionCheckFromEnv(() => ({ doc: traced(documentClient()), secrets: traced(new SecretsManagerClient({})) }));

const fileImport = createFileImport({
  s3: traced(new S3Client({})),
  events: kinesisEventSink(traced(kinesisClient()), requireEnv(COLLECTION_ENV.stream)),
  settings: importSettings(config),
  landingBucket: requireEnv(COLLECTION_ENV.landingBucket),
  log: logger,
  ...(suppression === undefined
    ? {}
    : { suppression: { check: suppression, identifiers: { identifierTypes: config.unification.identity.identifiers, defaultPhoneRegion: config.normalization.defaultPhoneRegion } } }),
  observe: (report) => {
    metrics.addMetric('FileRowsRead', MetricUnit.Count, report.rowsRead);
    metrics.addMetric('FileRowsSent', MetricUnit.Count, report.sent);
    metrics.addMetric('FileRowsRejected', MetricUnit.Count, report.rejected);
    metrics.addMetric(report.status === 'completed' ? 'FilesImported' : report.status === 'rejected' ? 'FilesRejected' : 'FilesFailed', MetricUnit.Count, 1);
  },
});

export const handler = withPowertools((event: S3Event, context: Context): Promise<ImportReport[]> => fileImport(event, context));
