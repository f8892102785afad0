/**
 * Lambda entry of the scheduled Entity Resolution run (usecases/run-matching.ts):
 * exports the live profiles as the CSV snapshot, then starts the matching job
 * that reads it, unless a job is still queued or running.
 *
 * Environment (UNIFICATION_ENV): the table, the lake bucket, the snapshot's
 * segments (1-16), the matching workflow and the date order (MDY | DMY, optional).
 */
import { EntityResolutionClient } from '@aws-sdk/client-entityresolution';
import { S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoProfileScan } from '../adapters/dynamodb-profile-scan';
import { EntityResolutionJobs } from '../adapters/entity-resolution-jobs';
import { S3SnapshotSink } from '../adapters/s3-snapshot-sink';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { UNIFICATION_ENV } from '../contracts/env';
import { runMatching, type MatchingRun, type MatchingRunStep } from '../usecases/run-matching';

const workflowName = requireEnv(UNIFICATION_ENV.matchingWorkflow);
const deps = {
  jobs: new EntityResolutionJobs(traced(new EntityResolutionClient({})), workflowName),
  profiles: new DynamoProfileScan(traced(documentClient()), requireEnv(UNIFICATION_ENV.table)),
  sink: new S3SnapshotSink(traced(new S3Client({})), requireEnv(UNIFICATION_ENV.lakeBucket)),
  totalSegments: Number(requireEnv(UNIFICATION_ENV.snapshotSegments)),
  normalization: { dateOrder: process.env[UNIFICATION_ENV.dateOrder] === 'DMY' ? 'DMY' : 'MDY' } as const,
  observe: (o: MatchingRunStep) => {
    switch (o.step) {
      case 'job-active':
        logger.warn('a matching job is still active: snapshot not rewritten, no job started', { workflowName, activeJobId: o.activeJobId });
        break;
      case 'exported':
        metrics.addMetric('ProfilesScanned', MetricUnit.Count, o.counts.scanned);
        metrics.addMetric('SnapshotRows', MetricUnit.Count, o.counts.written);
        metrics.addMetric('ProfilesWithoutPersonData', MetricUnit.Count, o.counts.skipped);
        break;
      case 'too-few-rows':
        logger.info('fewer than two profiles with person data: no matching job started', { ...o.counts, keys: o.counts.keys.length });
        break;
      case 'job-started':
        logger.info('snapshot written, matching job started', { ...o.counts, keys: o.counts.keys.length, workflowName, jobId: o.jobId });
        break;
    }
  },
};

export const handler = withPowertools((): Promise<MatchingRun> => runMatching(deps));
