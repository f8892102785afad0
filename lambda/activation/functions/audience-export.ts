/**
 * Lambda entry of the audience exports: invoked `{ export: name }` by each
 * export's schedule, and by the segment bus's Segment Entered / Exited
 * events of the segments exports name (debounced per export).
 *
 * Environment: EXPORTS_BUCKET (the files), PROFILE_TABLE (the customer view
 * and segment membership, read-only), ACTIVATION_TABLE (the exports' last-run
 * STATE items).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../../config/load';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { DynamoSegmentStore } from '../../unification/adapters/dynamodb-segment-store';
import { DynamoAudienceExportRuns } from '../adapters/dynamodb-audience-runs';
import { DynamoCustomerViewReader } from '../adapters/dynamodb-customer-view';
import { S3AudienceSink } from '../adapters/s3-audience-sink';
import { ACTIVATION_ENV } from '../contracts/env';
import { audienceExportHandler, type AudienceExportResult } from '../handlers/audience-export';

const doc = traced(documentClient());
const profileTable = requireEnv(ACTIVATION_ENV.profileTable);
const run = audienceExportHandler({
  config,
  members: new DynamoSegmentStore(doc, profileTable),
  views: new DynamoCustomerViewReader(doc, profileTable, config),
  sink: new S3AudienceSink(traced(new S3Client({})), requireEnv(ACTIVATION_ENV.exportsBucket)),
  runs: new DynamoAudienceExportRuns(doc, requireEnv(ACTIVATION_ENV.table)),
});

export const handler = withPowertools(async (event: unknown): Promise<AudienceExportResult> => {
  const result = await run(event);
  for (const o of result.outcomes) {
    if (o.status === 'debounced') {
      metrics.addMetric('AudienceExportsDebounced', MetricUnit.Count, 1);
      logger.info('audience export debounced', { export: o.export, trigger: result.trigger });
      continue;
    }
    const m = o.manifest;
    metrics.addMetric('AudienceMembersExported', MetricUnit.Count, m.exported);
    metrics.addMetric('AudienceMembersExcluded', MetricUnit.Count, m.excludedNoConsent + m.excludedNoContact + m.missingProfiles);
    // Counts only: the manifest holds no personal data.
    logger.info('audience export written', {
      export: m.export,
      trigger: result.trigger,
      members: m.members,
      exported: m.exported,
      excludedNoConsent: m.excludedNoConsent,
      excludedNoContact: m.excludedNoContact,
      missingProfiles: m.missingProfiles,
    });
  }
  return result;
});
