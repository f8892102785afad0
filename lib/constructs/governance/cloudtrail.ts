/** A CloudTrail trail of who touched customer data: management events, and data events on the profile table and the lake's objects. */
import { Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DataBucket } from '../common/secure-bucket';

/** Key prefix of the trail's log files in its bucket. */
export const TRAIL_PREFIX = 'trail';

export interface AuditTrailProps {
  /** The governance key: the trail encrypts its log files with it, and its bucket's default encryption is it too. */
  readonly key: kms.IKey;
  /** Where the trail bucket's own server access logs go. */
  readonly accessLogsBucket: s3.IBucket;
  /** The customer-view table: its item reads and writes are recorded. */
  readonly profileTable: dynamodb.ITable;
  /** Buckets of customer data whose object reads and writes are recorded (the lake, the curated zone). */
  readonly dataBuckets: readonly s3.IBucket[];
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The governance trail. One trail in this region (not multi-region: c360
 * deploys in one), logging to its own bucket, KMS-encrypted with the
 * governance key, with log file validation (digest files prove the log was
 * not altered). Advanced event selectors record:
 *
 * - every management event (who changed a key, a role, a table, a grant);
 * - data events on the profile table (GetItem, Query, PutItem, DeleteItem, ...);
 * - data events on the objects of the lake and curated buckets (GetObject,
 *   PutObject, DeleteObject, ...), by ARN prefix.
 *
 * Data events are billed per event: the selectors name these resources only.
 */
export class AuditTrail extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly trail: cloudtrail.CfnTrail;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.bucket = new DataBucket(this, 'Bucket', {
      encryptionKey: props.key,
      accessLogsBucket: props.accessLogsBucket,
      accessLogsPrefix: 'trail/',
      removalPolicy: props.removalPolicy,
    });

    // The trail's own ARN, built (not referenced) so that the bucket and key policies can name it before it exists.
    const trailArn = stack.formatArn({ service: 'cloudtrail', resource: 'trail', resourceName: `${stack.stackName}-trail` });
    const fromThisTrail = { StringEquals: { 'aws:SourceArn': trailArn } };
    const cloudTrail = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({ sid: 'CloudTrailAclCheck', principals: [cloudTrail], actions: ['s3:GetBucketAcl'], resources: [this.bucket.bucketArn], conditions: fromThisTrail }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudTrailWrite',
        principals: [cloudTrail],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${TRAIL_PREFIX}/AWSLogs/${stack.account}/*`)],
        conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': trailArn } },
      }),
    );
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudTrailEncryptLogs',
        principals: [cloudTrail],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceArn': trailArn },
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*` },
        },
      }),
    );
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({ sid: 'CloudTrailDescribeKey', principals: [cloudTrail], actions: ['kms:DescribeKey'], resources: ['*'], conditions: fromThisTrail }),
    );

    this.trail = new cloudtrail.CfnTrail(this, 'Trail', {
      trailName: `${stack.stackName}-trail`,
      isLogging: true,
      s3BucketName: this.bucket.bucketName,
      s3KeyPrefix: TRAIL_PREFIX,
      kmsKeyId: props.key.keyArn,
      enableLogFileValidation: true,
      includeGlobalServiceEvents: true,
      isMultiRegionTrail: false,
      advancedEventSelectors: [
        { name: 'Management events', fieldSelectors: [{ field: 'eventCategory', equalTo: ['Management'] }] },
        {
          name: 'Profile table items',
          fieldSelectors: [
            { field: 'eventCategory', equalTo: ['Data'] },
            { field: 'resources.type', equalTo: ['AWS::DynamoDB::Table'] },
            { field: 'resources.ARN', equalTo: [props.profileTable.tableArn] },
          ],
        },
        {
          name: 'Lake and curated objects',
          fieldSelectors: [
            { field: 'eventCategory', equalTo: ['Data'] },
            { field: 'resources.type', equalTo: ['AWS::S3::Object'] },
            { field: 'resources.ARN', startsWith: props.dataBuckets.map((bucket) => `${bucket.bucketArn}/`) },
          ],
        },
      ],
    });
    // CloudTrail checks its bucket and key policies when the trail is created.
    this.trail.node.addDependency(this.bucket.policy ?? this.bucket, props.key);
  }
}
