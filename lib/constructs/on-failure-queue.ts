import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

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
