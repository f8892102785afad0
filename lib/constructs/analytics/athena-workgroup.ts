/** The analytics Athena workgroup and its query-results bucket. */
import { Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DataBucket } from '../common/secure-bucket';
import { acknowledgeWildcardResource } from '../common/nag';

/** Folder of the query results in the results bucket. */
export const RESULTS_PREFIX = 'results/';
/** Athena's engine version 3 (Trino), as the workgroup API names it. */
export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';

export interface AthenaWorkgroupProps {
  /** Encrypts the query results (SSE_KMS) and the results bucket. */
  readonly key: kms.IKey;
  /** Where the results bucket's S3 server access logs go. */
  readonly accessLogsBucket: s3.IBucket;
  /** A query scanning more bytes than this is cancelled (Athena's minimum is 10 MB). */
  readonly bytesScannedCutoffPerQuery: number;
  /**
   * Days query results are kept: they are copies of what was queried, personal
   * data included, so they expire like the curated exports do.
   */
  readonly resultsRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * An Athena workgroup that enforces its configuration on every query (clients
 * cannot choose another results location or turn encryption off): engine
 * version 3, results under `results/` of a dedicated results bucket encrypted
 * SSE_KMS with the analytics key, a per-query scan cutoff, CloudWatch metrics.
 * The workgroup's name is generated from its construct path.
 */
export class AthenaWorkgroup extends Construct {
  public readonly workgroup: athena.CfnWorkGroup;
  public readonly workgroupName: string;
  public readonly workgroupArn: string;
  public readonly resultsBucket: s3.Bucket;
  /** `s3://<results bucket>/results/` */
  public readonly outputLocation: string;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: AthenaWorkgroupProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (!Number.isInteger(props.bytesScannedCutoffPerQuery) || props.bytesScannedCutoffPerQuery < 10_000_000) {
      throw new Error(`AthenaWorkgroup: bytesScannedCutoffPerQuery must be an integer of at least 10000000 (10 MB), got ${props.bytesScannedCutoffPerQuery}`);
    }
    if (!Number.isInteger(props.resultsRetentionDays) || props.resultsRetentionDays < 1) {
      throw new Error(`AthenaWorkgroup: resultsRetentionDays must be a positive integer, got ${props.resultsRetentionDays}`);
    }
    this.key = props.key;

    this.resultsBucket = new DataBucket(this, 'ResultsBucket', {
      encryptionKey: props.key,
      accessLogsBucket: props.accessLogsBucket,
      accessLogsPrefix: 'athena-results/',
      removalPolicy: props.removalPolicy,
    });
    this.resultsBucket.addLifecycleRule({
      id: 'expire-query-results',
      expiration: Duration.days(props.resultsRetentionDays),
      // The bucket is versioned: an expired result becomes a noncurrent version, removed a day later.
      noncurrentVersionExpiration: Duration.days(1),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    });
    this.outputLocation = `s3://${this.resultsBucket.bucketName}/${RESULTS_PREFIX}`;

    this.workgroupName = Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    this.workgroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workgroupName,
      description: 'c360 analytics: the shipped views, the curated zone and the raw lake',
      state: 'ENABLED',
      // Lets `cdk destroy` delete the workgroup with its saved queries when the data goes too.
      recursiveDeleteOption: props.removalPolicy === RemovalPolicy.DESTROY,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        publishCloudWatchMetricsEnabled: true,
        requesterPaysEnabled: false,
        resultConfiguration: {
          outputLocation: this.outputLocation,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.key.keyArn },
          expectedBucketOwner: stack.account,
        },
      },
    });
    this.workgroup.applyRemovalPolicy(props.removalPolicy);
    this.workgroupArn = stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workgroupName });
  }

  /**
   * What running queries in this workgroup takes, and nothing else: starting
   * and reading query executions of this workgroup, writing and reading its
   * results (under `results/` only), and the analytics key for them. Table
   * access (Glue, the data's buckets and keys) is granted separately.
   */
  public grantRunQueries(role: iam.IRole): void {
    const results = this.resultsBucket.arnForObjects(`${RESULTS_PREFIX}*`);
    const statements = [
      new iam.PolicyStatement({
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution'],
        resources: [this.workgroupArn],
      }),
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [this.resultsBucket.bucketArn],
      }),
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [results],
      }),
      new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.key.keyArn] }),
    ];
    for (const statement of statements) role.addToPrincipalPolicy(statement);
    acknowledgeWildcardResource(
      role,
      results,
      `Athena writes and reads the query results of this workgroup under "${RESULTS_PREFIX}" of its dedicated results bucket, one object per query id it generates: S3 expresses a key prefix as a trailing wildcard.`,
    );
  }
}
