/**
 * The least-privilege wiring the messaging functions share: profile reads
 * limited to items and named segment partitions, the asynchronous invocation
 * failure destination, and EventBridge Scheduler targets with a role that
 * invokes exactly the functions it schedules.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { segmentPk } from '../../../lambda/unification/contracts/table';
import type { C360Function } from '../common/c360-function';

/** Item reads of the profile table: profiles and identifier index items by key. No Query, no Scan. */
export const PROFILE_ITEM_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem'] as const;

export interface ReadProfilesOptions {
  /** Environment variable that receives the table name. */
  readonly envVar: string;
  /** Segments whose membership (`SEG#<segment>` partitions) the function may Query; none: no Query at all. */
  readonly segments: readonly string[];
  /** @default table.encryptionKey */
  readonly tableKey?: kms.IKey;
}

/**
 * Read-only use of the customer-view table: GetItem and BatchGetItem (a
 * profile, the owner of an identifier), and Query only on the membership
 * partitions of `segments` (a `dynamodb:LeadingKeys` condition), so a
 * messaging function can neither list other segments nor query profiles'
 * journals. Decrypting with the table's key, nothing more.
 */
export function readProfiles(fn: C360Function, table: dynamodb.ITable, options: ReadProfilesOptions): void {
  fn.addEnvironment(options.envVar, table.tableName);
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...PROFILE_ITEM_READ_ACTIONS], resources: [table.tableArn] }));
  const segments = [...new Set(options.segments)].sort();
  if (segments.length > 0) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': segments.map(segmentPk) } },
      }),
    );
  }
  const key = options.tableKey ?? table.encryptionKey;
  if (key !== undefined) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:DescribeKey'], resources: [key.keyArn] }));
}

/**
 * A Lambda asynchronous-invocation failure destination on an SQS queue with
 * the permissions sending takes: `sqs:SendMessage` on the queue and, for its
 * customer-managed key, `kms:GenerateDataKey` and `kms:Decrypt` (the stock
 * `SqsDestination` grants `kms:ReEncrypt*` and `kms:GenerateDataKey*` too).
 */
export class QueueFailureDestination implements lambda.IDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  public bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    this.queue.grant(fn, 'sqs:SendMessage');
    this.queue.encryptionMasterKey?.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
    return { destination: this.queue.queueArn };
  }
}

export interface MessagingSchedulesProps {
  /** Encrypts every schedule's input (the role may decrypt it). */
  readonly key: kms.IKey;
  /** Where a schedule's invocation that exhausted its retries goes. */
  readonly deadLetterQueue: sqs.IQueue;
}

/** Retries of a scheduled invocation that Lambda did not accept (throttling, a service error), and for how long. */
const SCHEDULE_RETRY = { maximumRetryAttempts: 10, maximumEventAgeInSeconds: Duration.hours(1).toSeconds() };

/**
 * EventBridge Scheduler schedules (default schedule group, UTC) that invoke
 * messaging functions with a fixed input. One role for all of them: assumed
 * by EventBridge Scheduler of this account only, allowed
 * `lambda:InvokeFunction` on the functions scheduled here (by ARN, no version
 * wildcard), to send to the dead-letter queue and to decrypt the schedules'
 * inputs.
 */
export class MessagingSchedules extends Construct {
  public readonly role: iam.Role;
  public readonly schedules: scheduler.Schedule[] = [];
  private readonly invoked = new Set<string>();

  constructor(scope: Construct, id: string, private readonly props: MessagingSchedulesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      description: 'c360 activation: EventBridge Scheduler invokes the campaign and audience export functions',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' }),
          },
        },
      }),
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.deadLetterQueue.queueArn] }));
    const queueKey = props.deadLetterQueue.encryptionMasterKey;
    if (queueKey !== undefined) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [queueKey.keyArn] }));
    }
  }

  /** A schedule `expression` (`rate(…)` or `cron(…)`, as the config holds it) invoking `fn` with `input`. */
  public add(id: string, props: { fn: lambda.IFunction; expression: string; input: Record<string, unknown>; description: string }): scheduler.Schedule {
    if (!this.invoked.has(props.fn.node.addr)) {
      this.invoked.add(props.fn.node.addr);
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.fn.functionArn] }));
    }
    const role = this.role;
    const deadLetterQueue = this.props.deadLetterQueue;
    const target: scheduler.IScheduleTarget = {
      bind: () => ({
        arn: props.fn.functionArn,
        role,
        input: scheduler.ScheduleTargetInput.fromObject(props.input),
        retryPolicy: SCHEDULE_RETRY,
        deadLetterConfig: { arn: deadLetterQueue.queueArn },
      }),
    };
    const schedule = new scheduler.Schedule(this, id, {
      description: props.description,
      schedule: scheduler.ScheduleExpression.expression(props.expression),
      target,
      key: this.props.key,
    });
    this.schedules.push(schedule);
    return schedule;
  }
}
