/** The activation table: message ledger, deferred sends, interactions, the item catalog, contact suppressions, job state. */
import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { ACTIVATION_TABLE } from '../../../lambda/activation/contracts/table';

export interface ActivationTableProps {
  /** Encrypts the table (customer-managed: the key policy, not only IAM, decides who reads messages and interactions). */
  readonly encryptionKey: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  /** Refuse `DeleteTable` (on with `removalPolicy: 'retain'`). @default false */
  readonly deletionProtection?: boolean;
}

const attributeType = (type: 'S' | 'N') => (type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER);

/**
 * The activation pillar's one table, built from its contract
 * (lambda/activation/contracts/table.ts): `pk`/`sk` strings, TTL `expiresAt`
 * (message records and interactions expire), on-demand, point-in-time
 * recovery, the activation key. No stream and no index: every reader knows
 * its partition, and the two whole-table readers (the recommender rebuild
 * and the training check) scan.
 *
 * The construct id names the logical ID: keep it (`ActivationTable`).
 */
export class ActivationTable extends dynamodb.Table {
  constructor(scope: Construct, id: string, props: ActivationTableProps) {
    super(scope, id, {
      partitionKey: { name: ACTIVATION_TABLE.partitionKey.name, type: attributeType(ACTIVATION_TABLE.partitionKey.type) },
      sortKey: { name: ACTIVATION_TABLE.sortKey.name, type: attributeType(ACTIVATION_TABLE.sortKey.type) },
      timeToLiveAttribute: ACTIVATION_TABLE.timeToLiveAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      deletionProtection: props.deletionProtection ?? false,
      removalPolicy: props.removalPolicy,
    });
  }
}
