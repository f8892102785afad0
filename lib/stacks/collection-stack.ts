/** The collection pillar's stack: the event stream, the HTTP collector, the batch import and the raw lake. */
import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { C360Config } from '../../lambda/config';
import { DataKey } from '../constructs/common/data-key';
import { BatchImport } from '../constructs/collection/batch-import';
import { HttpCollector } from '../constructs/collection/http-collector';
import { RawLake } from '../constructs/collection/raw-lake';
import { toRemovalPolicy, toRetentionDays } from '../constructs/common/removal-policy';
import { AccessLogsBucket, DataBucket } from '../constructs/common/secure-bucket';
import { denyUngovernedReads } from '../constructs/common/governed-lake';
import { SuppressionList } from '../constructs/governance/suppression-list';
import { QUARANTINE_ZONE, RAW_ZONE } from '../../lambda/collection/contracts/lake-layout';

export interface CollectionStackProps extends StackProps {
  readonly config: C360Config;
}

/**
 * Collection pillar: the "events" Kinesis stream every producer writes to, and
 * the raw lake bucket (`raw/`, `quarantine/`), both under the collection key.
 */
export class CollectionStack extends Stack {
  /** Encrypts the stream and the lake. */
  public readonly streamKey: kms.IKey;
  public readonly stream: kinesis.IStream;
  /** Raw events under `raw/`, rejected input with its reason under `quarantine/`. */
  public readonly lakeBucket: s3.IBucket;
  /** The Segment-compatible HTTP collector (API Gateway HTTP API + Lambda, writing to the stream). */
  public readonly collector: HttpCollector;
  /** Batch files: the landing bucket (`landing/<source>/`, reports under `reports/<source>/`) and the import function. */
  public readonly batchImport: BatchImport;
  /** Firehose from the stream to `raw/`, the Glue database and tables, the landing crawler. */
  public readonly rawLake: RawLake;
  /**
   * The governance pillar's suppression list (erased people's identifier
   * hashes) and its HMAC key. Here, in the first stack to deploy, because the
   * collector, the file import and the stream consumer check it.
   */
  public readonly suppression: SuppressionList;

  constructor(scope: Construct, id: string, props: CollectionStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = toRemovalPolicy(config.removalPolicy);
    const streamConfig = config.collection.stream;

    const streamKey = new DataKey(this, 'StreamKey', {
      description: 'c360 collection: event stream and raw lake',
      removalPolicy,
    });
    this.streamKey = streamKey;

    const provisioned = streamConfig.mode === 'provisioned';
    this.stream = new kinesis.Stream(this, 'EventStream', {
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: streamKey,
      retentionPeriod: Duration.hours(streamConfig.retentionHours),
      streamMode: provisioned ? kinesis.StreamMode.PROVISIONED : kinesis.StreamMode.ON_DEMAND,
      shardCount: provisioned ? streamConfig.shards : undefined,
      removalPolicy,
    });
    Validations.of(this.stream).acknowledge({
      id: 'AwsSolutions-KDS3',
      reason:
        'The stream carries PII events, so it is encrypted with the customer-managed collection key (as the raw lake is) instead of aws/kinesis: the key policy, not only IAM, controls who can decrypt, and key use is auditable per principal. The extra KMS cost is accepted.',
    });

    this.suppression = new SuppressionList(this, 'Suppression', {
      key: streamKey,
      removalPolicy,
      deletionProtection: config.removalPolicy === 'retain',
    });

    this.collector = new HttpCollector(this, 'HttpCollector', {
      stream: this.stream,
      corsAllowedOrigins: config.collection.corsAllowedOrigins,
      streamKey,
      encryptionKey: streamKey,
      removalPolicy,
      logRetention: toRetentionDays(config.logRetentionDays),
    });

    const accessLogs = new AccessLogsBucket(this, 'AccessLogsBucket', { removalPolicy });
    this.lakeBucket = new DataBucket(this, 'LakeBucket', {
      encryptionKey: streamKey,
      accessLogsBucket: accessLogs,
      accessLogsPrefix: 'lake/',
      removalPolicy,
      // Entity Resolution's results (entity-resolution/output/<job>/success/*) are picked up by an EventBridge rule.
      eventBridgeEnabled: true,
    });

    streamKey.allowCloudWatchLogs();
    this.batchImport = new BatchImport(this, 'BatchImport', {
      stream: this.stream,
      encryptionKey: streamKey,
      logEncryptionKey: streamKey,
      accessLogsBucket: accessLogs,
      removalPolicy,
      logRetention: toRetentionDays(config.logRetentionDays),
    });

    this.suppression.grantCheck(this.collector.handler);
    this.suppression.grantCheck(this.batchImport.importFunction);

    const lakeFormationGoverned = config.governance.lakeFormation.enabled;
    this.rawLake = new RawLake(this, 'RawLake', {
      lakeFormationGoverned,
      stream: this.stream,
      streamKey,
      lakeBucket: this.lakeBucket,
      lakeKey: streamKey,
      landingBucket: this.batchImport.landingBucket,
      landingKey: this.batchImport.landingKey,
      appName: config.appName,
      sources: Object.keys(config.collection.sources),
      buffering: { intervalSeconds: config.collection.lake.bufferIntervalSeconds, sizeMiB: config.collection.lake.bufferSizeMiB },
      logRetention: toRetentionDays(config.logRetentionDays),
      removalPolicy,
    });
    if (lakeFormationGoverned) {
      // raw/ and quarantine/ are read through Lake Formation; only its data-access role and the erasure read objects directly.
      denyUngovernedReads(this.lakeBucket, {
        appName: config.appName,
        prefixes: [`${RAW_ZONE}/`, `${QUARANTINE_ZONE}/`],
        writers: [this.rawLake.destinationRole],
      });
    }
    new CfnOutput(this, 'SuppressionTableName', { value: this.suppression.table.tableName, description: 'Suppression list (keyed hashes of erased identifiers)' });
    new CfnOutput(this, 'LakeDatabaseName', { value: this.rawLake.databaseName, description: 'Glue database of the lake (query it with Athena)' });
    new CfnOutput(this, 'DeliveryStreamName', { value: this.rawLake.deliveryStream.ref, description: 'Firehose delivery stream from the event stream to the raw lake' });

    new CfnOutput(this, 'StreamName', { value: this.stream.streamName, description: 'Kinesis stream producers write events to' });
    new CfnOutput(this, 'StreamArn', { value: this.stream.streamArn });
    new CfnOutput(this, 'LakeBucketName', { value: this.lakeBucket.bucketName, description: 'Raw lake (raw/, quarantine/)' });
  }
}
