/** The analytics pillar's stack. */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { C360Config } from '../../lambda/config';
import { DataKey } from '../constructs/common/data-key';
import { toRemovalPolicy } from '../constructs/common/removal-policy';
import { AccessLogsBucket, DataBucket } from '../constructs/common/secure-bucket';

export interface AnalyticsStackProps extends StackProps {
  readonly config: C360Config;
}

/**
 * Analytics pillar. For now: the curated zone (SQL-ready events, profiles,
 * identities, segments) under the analytics key. Glue catalog, Athena and
 * Redshift Serverless join this stack later.
 */
export class AnalyticsStack extends Stack {
  public readonly key: kms.IKey;
  /** Shared target of this stack's S3 server access logs. */
  public readonly accessLogsBucket: s3.IBucket;
  public readonly curatedBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const removalPolicy = toRemovalPolicy(props.config.removalPolicy);

    this.key = new DataKey(this, 'DataKey', { description: 'c360 analytics: curated zone', removalPolicy });
    this.accessLogsBucket = new AccessLogsBucket(this, 'AccessLogsBucket', { removalPolicy });
    this.curatedBucket = new DataBucket(this, 'CuratedBucket', {
      encryptionKey: this.key,
      accessLogsBucket: this.accessLogsBucket,
      accessLogsPrefix: 'curated/',
      removalPolicy,
    });

    new CfnOutput(this, 'CuratedBucketName', { value: this.curatedBucket.bucketName });
  }
}
