/** The governance pillar's stack. */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { C360Config } from '../../lambda/config';
import { DataKey } from '../constructs/common/data-key';
import { toRemovalPolicy } from '../constructs/common/removal-policy';
import { AccessLogsBucket, DataBucket } from '../constructs/common/secure-bucket';

export interface GovernanceStackProps extends StackProps {
  readonly config: C360Config;
}

/**
 * Governance pillar. For now: the audit bucket (consent ledger exports,
 * erasure and data-quality evidence) under the governance key. Lake Formation,
 * Glue Data Quality and the erasure state machine join this stack later.
 */
export class GovernanceStack extends Stack {
  public readonly key: kms.IKey;
  /** Shared target of this stack's S3 server access logs. */
  public readonly accessLogsBucket: s3.IBucket;
  public readonly auditBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: GovernanceStackProps) {
    super(scope, id, props);
    const removalPolicy = toRemovalPolicy(props.config.removalPolicy);

    this.key = new DataKey(this, 'DataKey', { description: 'c360 governance: audit evidence', removalPolicy });
    this.accessLogsBucket = new AccessLogsBucket(this, 'AccessLogsBucket', { removalPolicy });
    this.auditBucket = new DataBucket(this, 'AuditBucket', {
      encryptionKey: this.key,
      accessLogsBucket: this.accessLogsBucket,
      accessLogsPrefix: 'audit/',
      removalPolicy,
    });

    new CfnOutput(this, 'AuditBucketName', { value: this.auditBucket.bucketName });
  }
}
