/** The encrypted SQS queue a stream consumer sends the batches it gave up on. */
import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * The terminal on-failure destination of an event source mapping: KMS, TLS
 * only, 14 days to inspect and replay what `source` gave up on.
 */
export function onFailureQueue(scope: Construct, id: string, props: { key: kms.IKey; removalPolicy: RemovalPolicy; source: string }): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: props.key,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: props.removalPolicy,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is itself the terminal on-failure destination of ${props.source}; it keeps them 14 days for inspection and replay, and there is nothing further to dead-letter to.`,
  });
  return queue;
}

/**
 * `SqsDlq` with the permissions an SQS producer actually needs. The stock
 * `SqsDlq` uses `queue.grantSendMessages`, which on a KMS-encrypted queue also
 * grants `kms:ReEncrypt*` and `kms:GenerateDataKey*`. Lambda sends the
 * on-failure record with the function's role: that takes `sqs:SendMessage`
 * (+ `GetQueueAttributes`, `GetQueueUrl`, as the stock grant) and, for SSE-KMS,
 * `kms:GenerateDataKey` and `kms:Decrypt` on the queue's key.
 */
export class LeastPrivilegeSqsDlq extends SqsDlq {
  constructor(private readonly onFailureQueue: sqs.IQueue) {
    super(onFailureQueue);
  }

  public override bind(_target: lambda.IEventSourceMapping, targetHandler: lambda.IFunction): lambda.DlqDestinationConfig {
    this.onFailureQueue.grant(targetHandler, 'sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl');
    this.onFailureQueue.encryptionMasterKey?.grant(targetHandler, 'kms:GenerateDataKey', 'kms:Decrypt');
    return { destination: this.onFailureQueue.queueArn };
  }
}
