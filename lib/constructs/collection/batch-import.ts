/** The batch-file import: the landing bucket, its notification, the import function and its on-failure queue. */
import { CfnOutput, Duration, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { COLLECTION_ENV } from '../../../lambda/collection/contracts/env';
import { C360Function } from '../common/c360-function';
import { DataKey } from '../common/data-key';
import { acknowledgeWildcardResource } from '../common/nag';
import { AccessLogsBucket, DataBucket } from '../common/secure-bucket';
import { LANDING_PREFIX, REPORTS_PREFIX } from '../../../lambda/collection/contracts/landing';

/** Powertools service name of the import function. */
export const FILE_IMPORT_SERVICE_NAME = 'file-import';

/** Construct id of the singleton Lambda function the CDK deploys to configure bucket notifications. */
const BUCKET_NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834';

export interface BatchImportProps {
  /** The event stream rows are sent to. */
  readonly stream: kinesis.IStream;
  /**
   * The stream's customer-managed key (the function encrypts records with it).
   * @default stream.encryptionKey
   */
  readonly streamKey?: kms.IKey;
  /**
   * Key of the landing bucket (files, reports, rejects) and the on-failure queue.
   * @default - a new DataKey, which also encrypts the function's log group
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Target of the landing bucket's S3 server access logs.
   * @default - a new AccessLogsBucket
   */
  readonly accessLogsBucket?: s3.IBucket;
  /** @default 'landing/' */
  readonly accessLogsPrefix?: string;
  /** Removal policy of the bucket, keys, queue and log group. */
  readonly removalPolicy: RemovalPolicy;
  /** Retention of the import function's logs. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Key of the function's log group (it must allow CloudWatch Logs, see `DataKey.allowCloudWatchLogs`).
   * @default - the landing key when this construct creates it, else CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * Memory of the import function, in MB. More memory is more CPU: mapping and normalising rows is CPU-bound.
   * @default 1024
   */
  readonly memorySize?: number;
}

/**
 * Batch-file collection: a landing bucket where CRM exports, point-of-sale
 * and support files are dropped under `landing/<source>/` (CSV or JSON Lines,
 * optionally gzipped), and the function that imports each new file into the
 * event stream, writing a report and the rejected rows under
 * `reports/<source>/`.
 *
 * The bucket's "object created" notification for `landing/` invokes the
 * function asynchronously; an import that keeps failing (Lambda retries it
 * twice) lands in `failureQueue` with the event that named the file.
 *
 * Grants are per action and prefix: read `landing/*`, write (with multipart
 * uploads) `reports/*`, PutRecord(s) on the stream, and only the key actions
 * those need.
 */
export class BatchImport extends Construct {
  /** The landing bucket: files under `landing/<source>/`, reports and rejects under `reports/<source>/`. */
  public readonly landingBucket: s3.Bucket;
  /** Encrypts the landing bucket (readers, such as a Glue crawler of `landing/`, need kms:Decrypt on it). */
  public readonly landingKey: kms.IKey;
  /** The import function. */
  public readonly importFunction: C360Function;
  /** Async invocations of the import function that failed every attempt (the S3 events naming the files). */
  public readonly failureQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: BatchImportProps) {
    super(scope, id);
    const { removalPolicy } = props;

    let logEncryptionKey = props.logEncryptionKey;
    if (props.encryptionKey === undefined) {
      const key = new DataKey(this, 'LandingKey', {
        description: 'c360 collection: batch-file landing bucket, import reports, import failures',
        removalPolicy,
      });
      if (logEncryptionKey === undefined) {
        key.allowCloudWatchLogs();
        logEncryptionKey = key;
      }
      this.landingKey = key;
    } else this.landingKey = props.encryptionKey;

    this.landingBucket = new DataBucket(this, 'LandingBucket', {
      encryptionKey: this.landingKey,
      accessLogsBucket: props.accessLogsBucket ?? new AccessLogsBucket(this, 'AccessLogsBucket', { removalPolicy }),
      accessLogsPrefix: props.accessLogsPrefix ?? LANDING_PREFIX,
      removalPolicy,
      // Object events also go to EventBridge: rules of other pillars (the item catalog import under landing/items/) match them there.
      eventBridgeEnabled: true,
    });
    // Rejects files are multipart uploads: an import killed mid-upload must not leave parts billed forever.
    this.landingBucket.addLifecycleRule({ id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) });

    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.landingKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the terminal on-failure destination of the import function (S3 events whose import failed every attempt); it keeps them 14 days for inspection and replay, and there is nothing further to dead-letter to.',
    });

    this.importFunction = new C360Function(this, 'FileImport', {
      entry: 'lambda/collection/functions/file-import.ts',
      serviceName: FILE_IMPORT_SERVICE_NAME,
      description: 'Imports batch files dropped under landing/<source>/ into the c360 event stream',
      memorySize: props.memorySize ?? 1024,
      // The function streams the file; a million-row file takes about a minute, the limit is Lambda's maximum.
      timeout: Duration.minutes(15),
      logRetention: props.logRetention,
      removalPolicy,
      ...(logEncryptionKey === undefined ? {} : { logEncryptionKey }),
    });
    this.importFunction.putObjects(this.landingBucket, { envVar: COLLECTION_ENV.landingBucket, prefix: REPORTS_PREFIX });
    this.allowMultipartUploads(REPORTS_PREFIX);
    this.readObjects(LANDING_PREFIX);
    this.importFunction.putRecords(props.stream, {
      envVar: COLLECTION_ENV.stream,
      ...(props.streamKey === undefined ? {} : { streamKey: props.streamKey }),
    });

    this.importFunction.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new LeastPrivilegeSqsDestination(this.failureQueue),
    });

    this.landingBucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(this.importFunction), {
      prefix: LANDING_PREFIX,
    });
    this.acknowledgeNotificationsHandler();

    new CfnOutput(this, 'LandingBucketName', {
      value: this.landingBucket.bucketName,
      description: 'Drop batch files under landing/<source>/ (CSV or JSON Lines, optionally gzipped); reports appear under reports/<source>/',
    }).overrideLogicalId('LandingBucketName');
  }

  /** s3:GetObject(+Version) under `prefix` of the landing bucket, and decryption with its key. */
  private readObjects(prefix: string): void {
    const objects = this.landingBucket.arnForObjects(`${prefix}*`);
    // GetObjectVersion: the function reads the very version an event announced.
    this.importFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [objects] }));
    acknowledgeWildcardResource(
      this.importFunction.role ?? this.importFunction,
      objects,
      `Object-level s3:GetObject and s3:GetObjectVersion limited to the "${prefix}" prefix of the landing bucket, where files to import are dropped: S3 expresses a key prefix only as a trailing wildcard. No list, write or delete is granted there.`,
    );
    // Decrypt also serves the multipart uploads of reports/: S3 reads the encrypted parts back to complete them.
    this.landingKey.grant(this.importFunction, 'kms:Decrypt');
  }

  /** What `putObjects` lacks for multipart uploads under `prefix`: aborting one (create, upload part and complete are s3:PutObject). */
  private allowMultipartUploads(prefix: string): void {
    // Same resource as the putObjects grant, whose wildcard acknowledgment covers it.
    this.importFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:AbortMultipartUpload'], resources: [this.landingBucket.arnForObjects(`${prefix}*`)] }),
    );
  }

  /**
   * `addEventNotification` configures the bucket through a custom resource
   * backed by a CDK-provided singleton function (Python, outside
   * C360Function). Its role uses AWSLambdaBasicExecutionRole; its only other
   * permission is s3:PutBucketNotification on this bucket.
   */
  private acknowledgeNotificationsHandler(): void {
    const handler = Stack.of(this).node.tryFindChild(BUCKET_NOTIFICATIONS_HANDLER_ID);
    const role = handler?.node.tryFindChild('Role');
    if (role === undefined) throw new Error('BatchImport: the CDK bucket notifications handler was not found; check its construct id after a CDK upgrade');
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "Role of the CDK's own bucket-notifications custom resource handler (aws-s3's BucketNotificationsHandler), which runs only at deployment to put the landing bucket's notification configuration. The CDK gives it AWSLambdaBasicExecutionRole for its logs and no way to replace it; its only other permission is s3:PutBucketNotification on the landing bucket.",
    });
  }
}

/**
 * An SQS on-failure destination granting the function only what sending to
 * an SSE-KMS queue takes: sqs:SendMessage, kms:GenerateDataKey and
 * kms:Decrypt (the stock SqsDestination grants kms:ReEncrypt* and
 * kms:GenerateDataKey* as well).
 */
class LeastPrivilegeSqsDestination implements lambda.IDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  public bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    this.queue.grant(fn, 'sqs:SendMessage');
    this.queue.encryptionMasterKey?.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
    return { destination: this.queue.queueArn };
  }
}
