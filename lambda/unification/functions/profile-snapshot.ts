/**
 * Lambda entry of the scheduled Entity Resolution run: exports the live
 * profiles as the CSV snapshot (usecases/export-snapshot.ts), then starts the
 * matching job that reads it. A run is skipped while a matching job is still
 * queued or running, so that the snapshot is never rewritten under a job.
 *
 * Environment: TABLE_NAME, LAKE_BUCKET, SNAPSHOT_SEGMENTS (1-16),
 * MATCHING_WORKFLOW_NAME, DATE_ORDER (MDY | DMY, optional).
 */
import { EntityResolutionClient, ListMatchingJobsCommand, StartMatchingJobCommand } from '@aws-sdk/client-entityresolution';
import { S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoProfileScan } from '../adapters/dynamodb-profile-scan';
import { S3SnapshotSink } from '../adapters/s3-snapshot-sink';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { UNIFICATION_ENV } from '../contracts/env';
import { exportSnapshot, type SnapshotCounts } from '../usecases/export-snapshot';

const entityResolution = traced(new EntityResolutionClient({}));
const profiles = new DynamoProfileScan(traced(documentClient()), requireEnv(UNIFICATION_ENV.table));
const sink = new S3SnapshotSink(traced(new S3Client({})), requireEnv(UNIFICATION_ENV.lakeBucket));
const workflowName = requireEnv(UNIFICATION_ENV.matchingWorkflow);
const totalSegments = Number(requireEnv(UNIFICATION_ENV.snapshotSegments));
const dateOrder = process.env[UNIFICATION_ENV.dateOrder] === 'DMY' ? 'DMY' : 'MDY';
/** Jobs listed when looking for one still active (25 a page). */
const MAX_JOB_PAGES = 8;

async function activeJob(): Promise<string | undefined> {
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_JOB_PAGES; page++) {
    const out = await entityResolution.send(new ListMatchingJobsCommand({ workflowName, maxResults: 25, ...(nextToken ? { nextToken } : {}) }));
    const active = out.jobs?.find((job) => job.status === 'RUNNING' || job.status === 'QUEUED');
    if (active) return active.jobId;
    nextToken = out.nextToken;
    if (!nextToken) return undefined;
  }
  return undefined;
}

export type SnapshotRun = ({ skipped: 'job-active'; activeJobId: string | undefined } | (SnapshotCounts & { jobId: string | undefined }));

export const handler = withPowertools(async (): Promise<SnapshotRun> => {
  const active = await activeJob();
  if (active !== undefined) {
    logger.warn('a matching job is still active: snapshot not rewritten, no job started', { workflowName, activeJobId: active });
    return { skipped: 'job-active', activeJobId: active };
  }
  const counts = await exportSnapshot({ profiles, sink, totalSegments, normalization: { dateOrder } });
  metrics.addMetric('ProfilesScanned', MetricUnit.Count, counts.scanned);
  metrics.addMetric('SnapshotRows', MetricUnit.Count, counts.written);
  metrics.addMetric('ProfilesWithoutPersonData', MetricUnit.Count, counts.skipped);
  if (counts.written < 2) {
    logger.info('fewer than two profiles with person data: no matching job started', { ...counts, keys: counts.keys.length });
    return { ...counts, jobId: undefined };
  }
  const started = await entityResolution.send(new StartMatchingJobCommand({ workflowName }));
  logger.info('snapshot written, matching job started', { ...counts, keys: counts.keys.length, workflowName, jobId: started.jobId });
  return { ...counts, jobId: started.jobId };
});
