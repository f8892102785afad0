/** Lambda entry of the segment change delivery (DynamoDB Streams event source mapping on the profile table). */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoSegmentStore } from '../adapters/dynamodb-segment-store';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { createSegmentChangesHandler } from '../handlers/segment-changes';

const logger = new Logger();
const metrics = new Metrics();

const consume = createSegmentChangesHandler({
  membership: new DynamoSegmentStore(documentClient(), requireEnv('TABLE_NAME')),
  publisher: new EventBridgePublisher(new EventBridgeClient({ maxAttempts: 8 }), requireEnv('EVENT_BUS_NAME')),
  observe: (outcome) => {
    metrics.addMetric('SegmentEntered', MetricUnit.Count, outcome.entered);
    metrics.addMetric('SegmentExited', MetricUnit.Count, outcome.exited);
    metrics.addMetric('SegmentRecordsFailed', MetricUnit.Count, outcome.failedSequenceNumber === undefined ? 0 : 1);
    const { error, ...rest } = outcome;
    if (error !== undefined) logger.error('segment change delivery failed; the batch is retried from the failed record', { outcome: rest, error: error as Error });
    else logger.debug('segment changes delivered', { outcome: rest });
  },
});

export const handler: typeof consume = async (event) => {
  try {
    return await consume(event);
  } finally {
    metrics.publishStoredMetrics();
  }
};
