/** The scheduled profile export: the customer view to the curated zone (Parquet), registered as Glue partitions. */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EXPORT_TABLES, EXPORTS_PREFIX } from '../../../lambda/analytics/contracts/curated';
import { ANALYTICS_ENV } from '../../../lambda/analytics/contracts/env';
import type { C360Config } from '../../../lambda/config';
import { C360Function } from '../common/c360-function';
import type { CuratedTables } from './curated-tables';

/** What the export does with the partition catalog: read a table's storage descriptor, list, register and drop partitions. */
export const EXPORT_GLUE_ACTIONS = ['glue:GetTable', 'glue:GetPartitions', 'glue:BatchCreatePartition', 'glue:BatchDeletePartition'] as const;

export interface ProfileExportProps {
  readonly config: C360Config;
  /** The single customer view table: the export scans it. */
  readonly table: dynamodb.ITable;
  /**
   * The table's customer-managed key (the export decrypts what it scans).
   * @default table.encryptionKey
   */
  readonly tableKey?: kms.IKey;
  /** The curated bucket: the export writes under `exports/` only. */
  readonly curatedBucket: s3.IBucket;
  /** The export tables whose partitions it registers and drops. */
  readonly tables: CuratedTables;
  /** Encrypts the function's log group; it must let CloudWatch Logs use it. */
  readonly logEncryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /**
   * Where the export's error alarm notifies (the pipeline's alarm topic). Its
   * policy and key must let this account's CloudWatch alarms publish.
   * @default - no alarm
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The profile export (lambda/analytics/functions/export-profiles.ts), run by
 * an EventBridge schedule every `analytics.export.everyMinutes`.
 *
 * Grants, each on named resources only: `dynamodb:Scan` on the profile table
 * (the one reader of the whole table; no item reads or writes) and
 * `kms:Decrypt` of its key; `s3:PutObject` under `exports/` of the curated
 * bucket (no read, list or delete: S3 lifecycle expires old exports); and the
 * Glue partition actions on the export tables (not the segment history, not
 * the lake's tables).
 */
export class ProfileExport extends Construct {
  public readonly function: C360Function;
  public readonly schedule: events.Rule;
  /** Alarms when an export fails (with `alarmTopic`). */
  public readonly errorsAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ProfileExportProps) {
    super(scope, id);
    const { config, table, tables } = props;
    const exportConfig = config.analytics.export;

    this.function = new C360Function(this, 'Function', {
      entry: 'lambda/analytics/functions/export-profiles.ts',
      serviceName: 'export-profiles',
      description: 'Exports the customer view to the curated zone as Parquet and registers the Glue partitions',
      // A scan segment's rows are held in memory until its files are written.
      memorySize: 1024,
      timeout: Duration.minutes(15),
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      logEncryptionKey: props.logEncryptionKey,
      environment: {
        [ANALYTICS_ENV.glueDatabase]: tables.databaseName,
        [ANALYTICS_ENV.exportSegments]: String(exportConfig.segments),
        [ANALYTICS_ENV.exportRetentionDays]: String(exportConfig.retentionDays),
      },
    });

    // Scan only, on the table only (C360Function.useTable grants item reads, no Scan).
    this.function.addEnvironment(ANALYTICS_ENV.table, table.tableName);
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [table.tableArn] }));
    const tableKey = props.tableKey ?? table.encryptionKey;
    if (tableKey !== undefined) {
      this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [tableKey.keyArn] }));
    }

    this.function.putObjects(props.curatedBucket, { envVar: ANALYTICS_ENV.curatedBucket, prefix: EXPORTS_PREFIX });

    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...EXPORT_GLUE_ACTIONS],
        resources: [...tables.catalogArns(), ...EXPORT_TABLES.map((name) => tables.tableArn(name))],
      }),
    );

    this.schedule = new events.Rule(this, 'Schedule', {
      description: `c360 analytics: export the customer view to the curated zone every ${exportConfig.everyMinutes} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(exportConfig.everyMinutes)),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.minutes(exportConfig.everyMinutes) })],
    });
    // A failed export is discarded (its partitions are never registered); one retry, then the next run exports anew.
    this.function.configureAsyncInvoke({ retryAttempts: 1 });

    if (props.alarmTopic !== undefined) {
      this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
        metric: this.function.metricErrors({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // No invocation, no datapoint: between exports the alarm is not breaching.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription:
          'The profile export failed (after its retry): the curated zone, the Athena views and Redshift Spectrum keep showing the previous export. See the export function\'s logs; the next scheduled run exports anew.',
      });
      const action = new SnsAction(props.alarmTopic);
      this.errorsAlarm.addAlarmAction(action);
      this.errorsAlarm.addOkAction(action);
    }
  }
}
