/** Lambda entry of the stream consumer (Kinesis event source mapping). */
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamEvent } from 'aws-lambda';
import { config } from '../../config/load';
import { DynamoProfileStore } from '../adapters/dynamodb-profile-store';
import { S3QuarantineSink } from '../adapters/quarantine';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { suppressionCheckFromEnv } from '../../governance/adapters/deployed-suppression';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { UNIFICATION_ENV } from '../contracts/env';
import { unifySettings } from '../settings';
import { createUnifyConsumer } from '../handlers/unify-consumer';

const store = new DynamoProfileStore(traced(documentClient()), requireEnv(UNIFICATION_ENV.table), {
  journalRetentionDays: config.unification.identity.journalRetentionDays,
});
const quarantine = new S3QuarantineSink(traced(new S3Client({})), requireEnv(UNIFICATION_ENV.lakeBucket));

/** Erased people's events are dropped, not applied nor quarantined (SUPPRESSION_TABLE, HASH_KEY_SECRET_ARN). */
const suppression = suppressionCheckFromEnv(() => ({ doc: traced(documentClient()), secrets: traced(new SecretsManagerClient({})) }));

const consume = createUnifyConsumer({
  store,
  quarantine,
  ...(suppression === undefined ? {} : { suppression }),
  settings: unifySettings(config),
  observe: (outcome) => {
    metrics.addMetric('RecordsRead', MetricUnit.Count, outcome.records);
    metrics.addMetric('EventsApplied', MetricUnit.Count, outcome.applied);
    metrics.addMetric('EventsDuplicate', MetricUnit.Count, outcome.duplicates);
    metrics.addMetric('EventsQuarantined', MetricUnit.Count, outcome.quarantined);
    if (outcome.suppressed !== undefined) metrics.addMetric('EventsSuppressed', MetricUnit.Count, outcome.suppressed);
    metrics.addMetric('ProfilesMerged', MetricUnit.Count, outcome.merges);
    metrics.addMetric('RecordsFailed', MetricUnit.Count, outcome.failedSequenceNumbers.length);
    if (outcome.quarantined > 0 || outcome.failedSequenceNumbers.length > 0) logger.warn('batch had rejects', { outcome });
    else logger.debug('batch applied', { outcome });
  },
});

export const handler = withPowertools((event: KinesisStreamEvent) => consume(event));
