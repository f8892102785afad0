/** Lambda entry of the stream consumer (Kinesis event source mapping). */
import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../../config/load';
import { DynamoProfileStore } from '../adapters/dynamodb-profile-store';
import { S3QuarantineSink } from '../adapters/quarantine';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { unifySettings } from '../settings';
import { createUnifyConsumer } from '../handlers/unify-consumer';

const logger = new Logger();
const metrics = new Metrics();
const store = new DynamoProfileStore(documentClient(), requireEnv('TABLE_NAME'));
const quarantine = new S3QuarantineSink(new S3Client({}), requireEnv('LAKE_BUCKET'));

const consume = createUnifyConsumer({
  store,
  quarantine,
  settings: unifySettings(config),
  observe: (outcome) => {
    metrics.addMetric('RecordsRead', MetricUnit.Count, outcome.records);
    metrics.addMetric('EventsApplied', MetricUnit.Count, outcome.applied);
    metrics.addMetric('EventsDuplicate', MetricUnit.Count, outcome.duplicates);
    metrics.addMetric('EventsQuarantined', MetricUnit.Count, outcome.quarantined);
    metrics.addMetric('ProfilesMerged', MetricUnit.Count, outcome.merges);
    metrics.addMetric('RecordsFailed', MetricUnit.Count, outcome.failedSequenceNumbers.length);
    if (outcome.quarantined > 0 || outcome.failedSequenceNumbers.length > 0) logger.warn('batch had rejects', { outcome });
    else logger.debug('batch applied', { outcome });
  },
});

export const handler: typeof consume = async (event) => {
  try {
    return await consume(event);
  } finally {
    metrics.publishStoredMetrics();
  }
};
