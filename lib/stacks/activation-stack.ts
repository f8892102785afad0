/** The activation pillar's stack. */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { C360Config } from '../../lambda/config';
import { DataKey } from '../constructs/common/data-key';
import { toRemovalPolicy } from '../constructs/common/removal-policy';
import { AccessLogsBucket, DataBucket } from '../constructs/common/secure-bucket';

export interface ActivationStackProps extends StackProps {
  readonly config: C360Config;
}

/**
 * Activation pillar. For now: the audience exports bucket under the activation
 * key. Personalize, campaigns (SES, End User Messaging) and their functions
 * join this stack later.
 */
export class ActivationStack extends Stack {
  public readonly key: kms.IKey;
  /** Shared target of this stack's S3 server access logs. */
  public readonly accessLogsBucket: s3.IBucket;
  public readonly audienceExportsBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: ActivationStackProps) {
    super(scope, id, props);
    const removalPolicy = toRemovalPolicy(props.config.removalPolicy);

    this.key = new DataKey(this, 'DataKey', { description: 'c360 activation: audience exports', removalPolicy });
    this.accessLogsBucket = new AccessLogsBucket(this, 'AccessLogsBucket', { removalPolicy });
    this.audienceExportsBucket = new DataBucket(this, 'AudienceExportsBucket', {
      encryptionKey: this.key,
      accessLogsBucket: this.accessLogsBucket,
      accessLogsPrefix: 'audience-exports/',
      removalPolicy,
    });

    new CfnOutput(this, 'AudienceExportsBucketName', { value: this.audienceExportsBucket.bucketName });
  }
}
