import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { UNIFICATION_ENV } from '../../../lambda/unification/contracts/env';
import { PROFILE_SK, RECHECK_INDEX, SK, segmentPk } from '../../../lambda/unification/contracts/table';
import { C360Function } from '../common/c360-function';
import { LeastPrivilegeSqsDlq, onFailureQueue } from '../common/on-failure-queue';

export interface SegmentDeliveryProps {
  /** The profile table; it must have a NEW_AND_OLD_IMAGES stream and the `recheck` index. */
  readonly table: dynamodb.ITable;
  /**
   * Encrypts the bus, the on-failure queue and the functions' log groups: it
   * must let CloudWatch Logs use it (see `DataKey.allowCloudWatchLogs`).
   */
  readonly key: kms.IKey;
  /** Minutes between scheduled re-checks of profiles that time alone changes. */
  readonly recheckMinutes: number;
  /** Applied to the bus, the on-failure queue and the log groups. */
  readonly removalPolicy: RemovalPolicy;
  /** Retention of the functions' log groups. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * Segment membership changes, delivered: the table's stream feeds a function
 * that diffs each profile's old and new membership, keeps the by-segment
 * index (`SEG#<segment>` items) and publishes `Segment Entered` /
 * `Segment Exited` events (source `c360.segments`) to an encrypted event bus
 * that activation subscribes to. A schedule re-checks the profiles whose
 * time rules or windowed traits have come due.
 */
export class SegmentDelivery extends Construct {
  public readonly bus: events.EventBus;
  public readonly changes: C360Function;
  public readonly recheck: C360Function;
  public readonly onFailureQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: SegmentDeliveryProps) {
    super(scope, id);
    const { table, key, removalPolicy, logRetention } = props;

    this.bus = new events.EventBus(this, 'Bus', {
      description: 'c360 segment entered/exited events (source c360.segments)',
      kmsKey: key,
    });
    this.bus.applyRemovalPolicy(removalPolicy);

    this.onFailureQueue = onFailureQueue(this, 'OnFailureQueue', {
      key,
      removalPolicy,
      source: 'the profile-table stream mapping (change batches that exhausted retries)',
    });

    this.changes = new C360Function(this, 'SegmentChanges', {
      entry: 'lambda/unification/functions/segment-changes.ts',
      serviceName: 'segment-changes',
      description: 'Keeps segment membership and publishes segment entered/exited events from profile-table changes',
      logRetention,
      removalPolicy,
      logEncryptionKey: key,
    });
    // It writes membership items only (`SEG#<segment>` partitions): a condition on the leading key holds it to them.
    this.changes.useTable(table, { envVar: UNIFICATION_ENV.table, access: 'read-write', writeLeadingKeys: [segmentPk('*')] });
    this.changes.putEvents(this.bus, { envVar: UNIFICATION_ENV.eventBus, busKey: key });
    this.changes.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 10,
        maxRecordAge: Duration.days(1),
        onFailure: new LeastPrivilegeSqsDlq(this.onFailureQueue),
        // Only profile items: identifier, journal and membership writes (its own) never invoke it.
        filters: [lambda.FilterCriteria.filter({ dynamodb: { Keys: { [SK]: { S: lambda.FilterRule.isEqual(PROFILE_SK) } } } })],
      }),
    );

    this.recheck = new C360Function(this, 'SegmentRecheck', {
      entry: 'lambda/unification/functions/recheck-profiles.ts',
      serviceName: 'segment-recheck',
      description: 'Re-evaluates segments and windowed traits of profiles that time alone changes',
      timeout: Duration.minutes(5),
      memorySize: 512,
      logRetention,
      removalPolicy,
      logEncryptionKey: key,
    });
    this.recheck.useTable(table, { envVar: UNIFICATION_ENV.table, access: 'read-write', indexes: [RECHECK_INDEX] });
    new events.Rule(this, 'RecheckSchedule', {
      description: 'c360 scheduled segment re-check',
      schedule: events.Schedule.rate(Duration.minutes(props.recheckMinutes)),
      targets: [new targets.LambdaFunction(this.recheck, { retryAttempts: 2 })],
    });
  }
}
