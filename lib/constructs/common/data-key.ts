/** Customer-managed KMS keys, one per pillar, whose policy lets CloudWatch Logs use them. */
import { ArnFormat, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

export interface DataKeyProps {
  /** What the key protects, shown in the KMS console. */
  readonly description: string;
  /** Applied to the key; `DESTROY` schedules deletion after the default 30-day window. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A customer-managed key whose key policy this app manages, so that a
 * construct encrypting log groups with it can let CloudWatch Logs use it.
 */
export interface IDataKey extends kms.IKey {
  /** Lets CloudWatch Logs in the key's account and region encrypt log groups with the key. Idempotent. */
  allowCloudWatchLogs(): void;
}

/**
 * A pillar's customer-managed KMS key: symmetric, yearly rotation on, explicit
 * removal policy, no alias (aliases are physical names).
 */
export class DataKey extends kms.Key implements IDataKey {
  private logsAllowed = false;

  constructor(scope: Construct, id: string, props: DataKeyProps) {
    super(scope, id, {
      description: props.description,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
  }

  /**
   * Lets CloudWatch Logs in this stack's account and region encrypt log groups
   * with this key (the service, not the callers, uses the key). Idempotent.
   */
  public allowCloudWatchLogs(): void {
    if (this.logsAllowed) return;
    this.logsAllowed = true;
    const stack = Stack.of(this);
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsOfThisAccountAndRegion',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
  }
}
