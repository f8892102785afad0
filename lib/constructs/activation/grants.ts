/** Grants the activation functions share beyond C360Function's own. */
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { C360Function } from '../common/c360-function';
import { acknowledgeWildcardResource } from '../common/nag';

/**
 * The table's name in `envVar`, `dynamodb:Scan` on the table only (no item
 * reads or writes) and decryption with its key: for the whole-table readers
 * (the recommender rebuild, the training check). `useTable` grants item
 * reads, never Scan.
 */
export function grantScan(fn: C360Function, table: dynamodb.ITable, envVar: string): void {
  fn.addEnvironment(envVar, table.tableName);
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [table.tableArn] }));
  table.encryptionKey?.grant(fn, 'kms:Decrypt');
}

/** Personalize actions on named resources (campaigns, the event tracker, a dataset, a filter). */
export function grantPersonalize(fn: C360Function, actions: readonly string[], resources: readonly string[]): void {
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...actions], resources: [...resources] }));
}

/**
 * An SQS on-failure destination of asynchronous invocations granting only
 * what sending to an SSE-KMS queue takes: sqs:SendMessage, and
 * kms:GenerateDataKey and kms:Decrypt on its key (the stock SqsDestination
 * also grants kms:ReEncrypt* and kms:GenerateDataKey*).
 */
export class LeastPrivilegeSqsDestination implements lambda.IDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  public bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    this.queue.grant(fn, 'sqs:SendMessage');
    this.queue.encryptionMasterKey?.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
    return { destination: this.queue.queueArn };
  }
}

/** s3:GetObject(+Version) under `prefix` of `bucket`, and decryption with its key: what reading a dropped file takes. */
export function grantReadObjects(fn: C360Function, bucket: s3.IBucket, prefix: string, what: string): void {
  const objects = bucket.arnForObjects(`${prefix}*`);
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [objects] }));
  acknowledgeWildcardResource(
    fn.role as iam.IRole,
    objects,
    `Object-level s3:GetObject and s3:GetObjectVersion limited to the "${prefix}" prefix of ${what}: S3 expresses a key prefix only as a trailing wildcard. No list, write or delete is granted there.`,
  );
  bucket.encryptionKey?.grant(fn, 'kms:Decrypt');
}
