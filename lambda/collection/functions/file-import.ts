/** Lambda entry of the batch-file import (S3 "object created" notifications for `landing/`). */
import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, S3Event } from 'aws-lambda';
import { config } from '../../config/load';
import { kinesisClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { importSettings, type ImportReport } from '../usecases/import-file';
import { createFileImport, kinesisEventSink } from '../handlers/file-import';

const logger = new Logger();
const metrics = new Metrics();
const fileImport = createFileImport({
  s3: new S3Client({}),
  events: kinesisEventSink(kinesisClient(), requireEnv('STREAM_NAME')),
  settings: importSettings(config),
  landingBucket: requireEnv('LANDING_BUCKET'),
  log: logger,
  observe: (report) => {
    metrics.addMetric('FileRowsRead', MetricUnit.Count, report.rowsRead);
    metrics.addMetric('FileRowsSent', MetricUnit.Count, report.sent);
    metrics.addMetric('FileRowsRejected', MetricUnit.Count, report.rejected);
    metrics.addMetric(report.status === 'completed' ? 'FilesImported' : report.status === 'rejected' ? 'FilesRejected' : 'FilesFailed', MetricUnit.Count, 1);
  },
});

export async function handler(event: S3Event, context: Context): Promise<ImportReport[]> {
  try {
    return await fileImport(event, context);
  } finally {
    metrics.publishStoredMetrics();
  }
}
