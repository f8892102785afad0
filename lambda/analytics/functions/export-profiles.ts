/**
 * Lambda entry of the scheduled profile export (an EventBridge schedule every
 * analytics.export.everyMinutes): the customer view to the curated zone as
 * Parquet, registered in Glue; exports past the retention dropped.
 *
 * Environment (ANALYTICS_ENV): the customer-view table, the curated bucket,
 * the Glue database, the scan segments and the retention in days; and
 * (GOVERNANCE_ENV) the audit delivery stream each run is recorded to.
 * Logs and metrics carry counts and export ids only, never profile data.
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../../config/load';
import { FirehoseAuditLog } from '../../governance/adapters/firehose-audit-log';
import { GOVERNANCE_ENV } from '../../governance/contracts/env';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { DynamoProfileSource } from '../adapters/dynamodb-profile-source';
import { GluePartitions } from '../adapters/glue-partitions';
import { parquetEncoder } from '../adapters/parquet-encoder';
import { S3ExportSink } from '../adapters/s3-export-sink';
import { EXPORT_TABLES } from '../contracts/curated';
import { ANALYTICS_ENV } from '../contracts/env';
import { createExportProfiles } from '../handlers/export-profiles';
import { ExportExpiryError, type ExportSummary } from '../usecases/export-profiles';

function positiveIntEnv(name: string): number {
  const text = requireEnv(name);
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`Environment variable ${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

const bucket = requireEnv(ANALYTICS_ENV.curatedBucket);
const exportNow = createExportProfiles({
  config,
  source: new DynamoProfileSource(traced(documentClient()), requireEnv(ANALYTICS_ENV.table)),
  sink: new S3ExportSink(traced(new S3Client({})), bucket),
  catalog: new GluePartitions(traced(new GlueClient({})), { database: requireEnv(ANALYTICS_ENV.glueDatabase), bucket }),
  encoder: parquetEncoder,
  totalSegments: positiveIntEnv(ANALYTICS_ENV.exportSegments),
  retentionDays: positiveIntEnv(ANALYTICS_ENV.exportRetentionDays),
  audit: { log: new FirehoseAuditLog(traced(new FirehoseClient({ maxAttempts: 8 })), requireEnv(GOVERNANCE_ENV.auditStream)) },
});

function report(s: Omit<ExportSummary, 'droppedPartitions'>): void {
  metrics.addMetric('ProfilesExported', MetricUnit.Count, s.profiles);
  metrics.addMetric('ExportBytes', MetricUnit.Bytes, s.bytes);
  metrics.addMetric('UnreadableProfiles', MetricUnit.Count, s.unreadable);
  for (const table of EXPORT_TABLES) {
    const m = metrics.singleMetric();
    m.addDimension('table', table);
    m.addMetric('ExportRows', MetricUnit.Count, s.rows[table]);
  }
  if (s.unreadable > 0) {
    // Keys and reasons only: profile ids are the platform's own, the reasons say what failed to decode.
    logger.error('profiles skipped: their documents could not be read', { exportId: s.exportId, unreadable: s.unreadable, profiles: s.unreadableProfiles });
  }
}

export const handler = withPowertools(async (): Promise<ExportSummary> => {
  try {
    const summary = await exportNow();
    report(summary);
    logger.info('profile export done', {
      exportId: summary.exportId,
      profiles: summary.profiles,
      rows: summary.rows,
      bytes: summary.bytes,
      files: summary.files,
      unreadable: summary.unreadable,
      droppedPartitions: summary.droppedPartitions,
    });
    return summary;
  } catch (err) {
    if (err instanceof ExportExpiryError) report(err.summary);
    throw err;
  }
});
