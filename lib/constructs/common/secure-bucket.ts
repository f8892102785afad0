/** S3 buckets with c360's security defaults: KMS, TLS only, no public access, access logs. */
import { Validations, type RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/** Security defaults every c360 bucket shares. */
const SECURE_DEFAULTS = {
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
} satisfies s3.BucketProps;

export interface AccessLogsBucketProps {
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Target of S3 server access logs for the data buckets of one stack. S3 log
 * delivery does not support SSE-KMS targets, so this bucket uses SSE-S3; it is
 * TLS-only and private, and log delivery is granted by bucket policy.
 */
export class AccessLogsBucket extends s3.Bucket {
  constructor(scope: Construct, id: string, props: AccessLogsBucketProps) {
    super(scope, id, {
      ...SECURE_DEFAULTS,
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the server-access-log target bucket itself; logging its own access into itself would loop, and S3 access logging requires an SSE-S3 target.',
    });
  }
}

export interface DataBucketProps {
  /** Customer-managed key for SSE-KMS (with an S3 bucket key to limit KMS calls). */
  readonly encryptionKey: kms.IKey;
  /** Where S3 server access logs of this bucket go. */
  readonly accessLogsBucket: s3.IBucket;
  /** Key prefix of this bucket's access logs in `accessLogsBucket`, e.g. `lake/`. */
  readonly accessLogsPrefix: string;
  readonly removalPolicy: RemovalPolicy;
  /** Send the bucket's object events to EventBridge (rules can then match keys by wildcard). @default false */
  readonly eventBridgeEnabled?: boolean;
}

/**
 * A c360 data bucket: SSE-KMS with the pillar key, TLS-only, private, ACLs
 * disabled, versioned, server access logs on. Names are generated.
 */
export class DataBucket extends s3.Bucket {
  constructor(scope: Construct, id: string, props: DataBucketProps) {
    super(scope, id, {
      ...SECURE_DEFAULTS,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      versioned: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: props.accessLogsPrefix,
      removalPolicy: props.removalPolicy,
      eventBridgeEnabled: props.eventBridgeEnabled ?? false,
    });
  }
}
