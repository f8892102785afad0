/** The suppression list: keyed hashes of erased people's identifiers, checked by every ingest path, and the HMAC key of those hashes. */
import { Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { GOVERNANCE_ENV } from '../../../lambda/governance/contracts/env';
import type { C360Function } from '../common/c360-function';

/** Partition key of the suppression table: the keyed hash of one normalised identifier. */
export const SUPPRESSION_HASH_ATTRIBUTE = 'h';
/** Bytes of the HMAC key (Secrets Manager generates it as that many printable characters). */
export const HASH_KEY_LENGTH = 32;

/** What checking the list takes: point reads of hashes, nothing else. */
export const SUPPRESSION_CHECK_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem'] as const;
/** What adding and removing entries takes (the erasure receipt, the privacy API). */
export const SUPPRESSION_MANAGE_ACTIONS = [...SUPPRESSION_CHECK_ACTIONS, 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'] as const;

export interface SuppressionListProps {
  /**
   * Encrypts the table and the secret. A key of the first stack to deploy
   * (the ingest paths that check the list live there and after it).
   */
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  /** Turn on the table's deletion protection (with `removalPolicy: 'retain'`). */
  readonly deletionProtection: boolean;
}

/**
 * The suppression list of the right to erasure.
 *
 * - A DynamoDB table keyed by `h`, the HMAC of an erased person's normalised
 *   identifier (`<type>:<value>`): the collector, the file import and the
 *   stream consumer drop events that name one (contracts/suppression.ts).
 *   On-demand, point-in-time recovery, the given customer-managed key.
 * - A Secrets Manager secret holding the HMAC key, generated at creation.
 *   The key is never rotated: every hash on the list, in the receipts and in
 *   the audit log is computed with it, so a new key would orphan them all
 *   and let erased people back in.
 *
 * Grants are by intent: `grantCheck` for an ingest path, `grantManage` for
 * the erasure workflow and the privacy API.
 */
export class SuppressionList extends Construct {
  public readonly table: dynamodb.Table;
  public readonly hashKey: secretsmanager.Secret;
  public readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: SuppressionListProps) {
    super(scope, id);
    this.key = props.key;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: SUPPRESSION_HASH_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });

    this.hashKey = new secretsmanager.Secret(this, 'HashKey', {
      description: 'c360 governance: HMAC key of subject and suppression hashes (never rotated: a new key orphans every hash)',
      encryptionKey: props.key,
      generateSecretString: { passwordLength: HASH_KEY_LENGTH, excludePunctuation: true, includeSpace: false },
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.hashKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The HMAC key of the suppression list is deliberately never rotated: every entry of the list, every erasure receipt and every audit subject is a hash under this key, so a rotated key would orphan all of them and let erased people back in through the ingest paths.',
    });
  }

  /**
   * What an ingest path needs to drop an erased person's events: the table's
   * name and the secret's ARN in the environment, GetItem and BatchGetItem on
   * the table, GetSecretValue on the secret and decryption with the key. No write.
   */
  public grantCheck(fn: C360Function): void {
    this.wire(fn, SUPPRESSION_CHECK_ACTIONS, ['kms:Decrypt']);
  }

  /** `grantCheck` plus adding and removing entries (the erasure receipt, the privacy API). */
  public grantManage(fn: C360Function): void {
    this.wire(fn, SUPPRESSION_MANAGE_ACTIONS, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
  }

  /** The HMAC key alone (the erasure's resolve step hashes identifiers without touching the list). */
  public grantReadHashKey(fn: C360Function): void {
    fn.readSecret(this.hashKey, { envVar: GOVERNANCE_ENV.hashKeySecret });
  }

  private wire(fn: C360Function, tableActions: readonly string[], keyActions: readonly string[]): void {
    fn.addEnvironment(GOVERNANCE_ENV.suppressionTable, this.table.tableName);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...tableActions], resources: [this.table.tableArn] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...keyActions],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    this.grantReadHashKey(fn);
  }
}
