/** Segment history delivery: segment entered / exited events from the segment bus to the curated zone, through Firehose. */
import { ArnFormat, Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SEGMENT_EVENTS_PREFIX } from '../../../lambda/analytics/contracts/curated';
import type { IDataKey } from '../common/data-key';
import { acknowledgeWildcardResource } from '../common/nag';

/** Source and detail types of the segment events (published by the unification pillar's segment delivery). */
export const SEGMENT_EVENT_SOURCE = 'c360.segments';
export const SEGMENT_DETAIL_TYPES = ['Segment Entered', 'Segment Exited'] as const;

/** Where Firehose writes: one folder per arrival day, the `dt` partition of `segment_events`. */
export const SEGMENT_EVENTS_DELIVERY_PREFIX = `${SEGMENT_EVENTS_PREFIX}dt=!{timestamp:yyyy-MM-dd}/`;
/** Folder of Firehose's failed records: outside `segment_events/`, so the table never reads them. */
export const SEGMENT_EVENTS_ERRORS_FOLDER = 'errors/segment_events/';
export const SEGMENT_EVENTS_ERROR_PREFIX = `${SEGMENT_EVENTS_ERRORS_FOLDER}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`;

export interface SegmentHistoryProps {
  /** The bus segment events are published to (source `c360.segments`). */
  readonly segmentBus: events.IEventBus;
  /** The curated bucket. */
  readonly curatedBucket: s3.IBucket;
  /**
   * The curated bucket's key: Firehose encrypts what it holds and writes with it,
   * and it encrypts the delivery log group (so CloudWatch Logs is allowed to use it).
   */
  readonly key: IDataKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /**
   * Firehose buffering: an object is written when either limit is reached.
   * @default { intervalSeconds: 300, sizeMiB: 64 }
   */
  readonly buffering?: { readonly intervalSeconds: number; readonly sizeMiB: number };
}

/**
 * An EventBridge rule on the segment bus sends each Segment Entered / Exited
 * event's `detail` (input path `$.detail`) to a Direct PUT Firehose delivery
 * stream, which appends a newline to each record and writes gzip JSON lines
 * to `segment_events/dt=<arrival day>/` of the curated bucket, SSE-KMS with
 * the analytics key; records it cannot deliver go to `errors/segment_events/`.
 *
 * The bus is encrypted with the unification key. EventBridge decrypts the
 * events itself before delivering them (the bus's key policy, set where the
 * bus is defined, lets events.amazonaws.com use the key for that bus): the
 * rule's target role needs no grant on that key, only firehose:PutRecord(Batch)
 * on this delivery stream.
 */
export class SegmentHistory extends Construct {
  public readonly deliveryStream: firehose.CfnDeliveryStream;
  public readonly rule: events.Rule;
  public readonly deliveryLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: SegmentHistoryProps) {
    super(scope, id);
    const { curatedBucket, key, removalPolicy } = props;
    const stack = Stack.of(this);
    const buffering = props.buffering ?? { intervalSeconds: 300, sizeMiB: 64 };
    if (buffering.intervalSeconds < 0 || buffering.intervalSeconds > 900 || buffering.sizeMiB < 1 || buffering.sizeMiB > 128) {
      throw new Error(`SegmentHistory: Firehose buffers 0 to 900 s and 1 to 128 MiB; got ${buffering.intervalSeconds} s and ${buffering.sizeMiB} MiB`);
    }
    key.allowCloudWatchLogs();

    this.deliveryLogGroup = new logs.LogGroup(this, 'DeliveryLogGroup', {
      retention: props.logRetention,
      encryptionKey: key,
      removalPolicy,
    });
    const logStream = new logs.LogStream(this, 'DeliveryLogStream', { logGroup: this.deliveryLogGroup, removalPolicy });
    const logStreamArn = `${stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: this.deliveryLogGroup.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    })}:log-stream:${logStream.logStreamName}`;

    const historyObjects = curatedBucket.arnForObjects(`${SEGMENT_EVENTS_PREFIX}*`);
    const errorObjects = curatedBucket.arnForObjects(`${SEGMENT_EVENTS_ERRORS_FOLDER}*`);
    const role = new iam.Role(this, 'DeliveryRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'c360 analytics: Firehose writes the segment history into the curated zone',
    });
    const policy = new iam.Policy(this, 'DeliveryPolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
          resources: [curatedBucket.bucketArn],
        }),
        new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [historyObjects, errorObjects] }),
        new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [key.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}` },
            // With an S3 Bucket Key the encryption context is the bucket; without, the object.
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': [curatedBucket.bucketArn, historyObjects, errorObjects] },
          },
        }),
        new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: [logStreamArn] }),
      ],
    });
    const wildcardReason = (what: string) =>
      `Firehose writes objects under ${what} of the curated bucket only: S3 expresses a key prefix as a trailing wildcard. No read or delete is granted.`;
    acknowledgeWildcardResource(policy, historyObjects, wildcardReason(`"${SEGMENT_EVENTS_PREFIX}" (the segment history)`));
    acknowledgeWildcardResource(policy, errorObjects, wildcardReason(`"${SEGMENT_EVENTS_ERRORS_FOLDER}" (its failed records)`));

    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'DeliveryStream', {
      deliveryStreamType: 'DirectPut',
      // Records waiting in Firehose are encrypted with the analytics key too.
      deliveryStreamEncryptionConfigurationInput: { keyType: 'CUSTOMER_MANAGED_CMK', keyArn: key.keyArn },
      extendedS3DestinationConfiguration: {
        bucketArn: curatedBucket.bucketArn,
        roleArn: role.roleArn,
        prefix: SEGMENT_EVENTS_DELIVERY_PREFIX,
        errorOutputPrefix: SEGMENT_EVENTS_ERROR_PREFIX,
        fileExtension: '.json.gz',
        bufferingHints: { intervalInSeconds: buffering.intervalSeconds, sizeInMBs: buffering.sizeMiB },
        compressionFormat: 'GZIP',
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: key.keyArn } },
        cloudWatchLoggingOptions: { enabled: true, logGroupName: this.deliveryLogGroup.logGroupName, logStreamName: logStream.logStreamName },
        // One event per line (JSON lines): EventBridge sends each `detail` as one record without a delimiter.
        processingConfiguration: {
          enabled: true,
          // Without parameters the delimiter is a newline.
          processors: [{ type: 'AppendDelimiterToRecord', parameters: [] }],
        },
      },
    });
    // Firehose checks its role's access when the delivery stream is created.
    this.deliveryStream.node.addDependency(policy);

    // --- the rule ------------------------------------------------------------------------------

    const targetRole = new iam.Role(this, 'RuleTargetRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'c360 analytics: EventBridge puts segment events into the segment history delivery stream',
    });
    targetRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'], resources: [this.deliveryStream.attrArn] }),
    );
    const deliveryStreamArn = this.deliveryStream.attrArn;
    const target: events.IRuleTarget = {
      bind: () => ({
        arn: deliveryStreamArn,
        role: targetRole,
        // Only the event's detail: { segment, profileId, change, at, reason } (the segment_events columns).
        input: events.RuleTargetInput.fromEventPath('$.detail'),
        retryPolicy: { maximumEventAgeInSeconds: Duration.hours(24).toSeconds(), maximumRetryAttempts: 185 },
      }),
    };
    this.rule = new events.Rule(this, 'Rule', {
      description: 'c360 analytics: segment entered / exited history to the curated zone',
      eventBus: props.segmentBus,
      eventPattern: { source: [SEGMENT_EVENT_SOURCE], detailType: [...SEGMENT_DETAIL_TYPES] },
      targets: [target],
    });
  }
}
