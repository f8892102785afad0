/** Lambda entry of the segment change delivery (DynamoDB Streams event source mapping on the profile table). */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoSegmentStore } from '../adapters/dynamodb-segment-store';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { UNIFICATION_ENV } from '../contracts/env';
import { createSegmentChangesHandler } from '../handlers/segment-changes';

const consume = createSegmentChangesHandler({
  membership: new DynamoSegmentStore(traced(documentClient()), requireEnv(UNIFICATION_ENV.table)),
  publisher: new EventBridgePublisher(traced(new EventBridgeClient({ maxAttempts: 8 })), requireEnv(UNIFICATION_ENV.eventBus)),
  observe: (outcome) => {
    metrics.addMetric('SegmentEntered', MetricUnit.Count, outcome.entered);
    metrics.addMetric('SegmentExited', MetricUnit.Count, outcome.exited);
    metrics.addMetric('SegmentRecordsFailed', MetricUnit.Count, outcome.failedSequenceNumber === undefined ? 0 : 1);
    const { error, ...rest } = outcome;
    if (error !== undefined) logger.error('segment change delivery failed; the batch is retried from the failed record', { outcome: rest, error: error as Error });
    else logger.debug('segment changes delivered', { outcome: rest });
  },
});

export const handler = withPowertools((event: DynamoDBStreamEvent) => consume(event));
