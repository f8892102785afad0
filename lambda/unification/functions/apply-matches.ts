/** Lambda entry of the Entity Resolution apply step (EventBridge: S3 Object Created on the job's results). */
import { S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../../config/load';
import { DynamoProfileStore } from '../adapters/dynamodb-profile-store';
import { matchReportWriter, readJobMatchOutput, successFolderOf } from '../adapters/entity-resolution-output';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { UNIFICATION_ENV } from '../contracts/env';
import { unifySettings } from '../settings';
import { createApplyMatchesHandler, type ObjectCreatedEvent } from '../handlers/apply-matches';

const s3 = traced(new S3Client({}));
const apply = createApplyMatchesHandler({
  s3,
  store: new DynamoProfileStore(traced(documentClient()), requireEnv(UNIFICATION_ENV.table), {
    journalRetentionDays: config.unification.identity.journalRetentionDays,
  }),
  settings: unifySettings(config),
  readJob: readJobMatchOutput,
  successFolderOf,
  writeReport: matchReportWriter(s3),
});

export const handler = withPowertools(async (event: ObjectCreatedEvent) => {
  const result = await apply(event);
  metrics.addMetric('MatchGroups', MetricUnit.Count, result.groups);
  metrics.addMetric('MatchMerges', MetricUnit.Count, result.merges);
  metrics.addMetric('MatchMergesRefused', MetricUnit.Count, result.rejectedMerges.length);
  if (result.rejectedRows.length > 0 || result.rejectedMerges.length > 0) logger.warn('match groups applied with refusals', { result });
  else logger.info('match groups applied', { result });
  return result;
});
