/** The analytics pillar's stack: the curated zone, its Glue tables, the segment history, Athena (workgroup and shipped views) and the profile export. */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { EXPORTS_PREFIX, profileTableColumns, SEGMENT_EVENTS_PREFIX } from '../../lambda/analytics/contracts/curated';
import type { C360Config } from '../../lambda/config';
import { AthenaViews, readShippedViews } from '../constructs/analytics/athena-views';
import { C360Function } from '../constructs/common/c360-function';
import { PROPENSITY_SQL_DIR } from '../../lambda/activation/contracts/propensity';
import { AthenaWorkgroup } from '../constructs/analytics/athena-workgroup';
import { CuratedTables } from '../constructs/analytics/curated-tables';
import { ProfileExport } from '../constructs/analytics/profile-export';
import { C360Dashboard } from '../constructs/analytics/quicksight';
import { RedshiftWarehouse } from '../constructs/analytics/redshift-serverless';
import { SegmentHistory, SEGMENT_EVENTS_ERRORS_FOLDER } from '../constructs/analytics/segment-history';
import { DataKey } from '../constructs/common/data-key';
import { denyUngovernedReads } from '../constructs/common/governed-lake';
import { toRemovalPolicy, toRetentionDays } from '../constructs/common/removal-policy';
import { AccessLogsBucket, DataBucket } from '../constructs/common/secure-bucket';

export interface AnalyticsStackProps extends StackProps {
  readonly config: C360Config;
  /** The collection event stream (Redshift streaming ingestion reads it). */
  readonly stream: kinesis.IStream;
  /** The stream's key (customer-managed: readers of the stream decrypt with it). */
  readonly streamKey: kms.IKey;
  /** The raw lake bucket (`raw/`, `quarantine/`): the views read its tables. */
  readonly lakeBucket: s3.IBucket;
  /** The lake bucket's key. */
  readonly lakeKey: kms.IKey;
  /** The lake's Glue database: the curated tables and the views are declared there, next to `raw_events`. */
  readonly lakeDatabaseName: string;
  /** The single customer view table the profile export scans. */
  readonly profileTable: dynamodb.ITable;
  /** The bus of segment entered / exited events (source `c360.segments`). */
  readonly segmentBus: events.IEventBus;
  /**
   * The pipeline's alarm topic: the profile export's error alarm notifies it.
   * @default - no alarm
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * Analytics pillar.
 *
 * - The curated zone (curated bucket, analytics key): the profile export's
 *   Parquet tables under `exports/`, expired after
 *   `analytics.export.retentionDays`, and the segment history under
 *   `segment_events/` (EventBridge → Firehose), kept.
 * - Their Glue tables, in the lake's database.
 * - An Athena workgroup (enforced settings, results bucket) and the shipped
 *   views (`sql/views/`), created in it at deploy.
 * - The scheduled profile export (DynamoDB → Parquet → Glue partitions).
 * - Redshift Serverless (`analytics.redshift.enabled`): streaming ingestion of
 *   the event stream, Spectrum over the lake database, real-time views.
 * - QuickSight (when `analytics.quicksight.principalArn` is set): an Athena
 *   data source, datasets over the shipped views and the C360 dashboard.
 */
export class AnalyticsStack extends Stack {
  public readonly key: DataKey;
  /** Shared target of this stack's S3 server access logs. */
  public readonly accessLogsBucket: s3.IBucket;
  public readonly curatedBucket: s3.Bucket;
  /** The Glue database of the curated tables and views (the lake's). */
  public readonly databaseName: string;
  public readonly curatedTables: CuratedTables;
  public readonly segmentHistory: SegmentHistory;
  public readonly athena: AthenaWorkgroup;
  /** The Athena workgroup's (generated) name. */
  public readonly workgroupName: string;
  /** The Athena query results bucket. */
  public readonly resultsBucket: s3.IBucket;
  public readonly views: AthenaViews;
  public readonly profileExport: ProfileExport;
  /** Redshift Serverless, unless `analytics.redshift.enabled` is false. */
  public readonly warehouse?: RedshiftWarehouse;
  /** The QuickSight dashboard, when `analytics.quicksight.principalArn` is set. */
  public readonly dashboard?: C360Dashboard;
  public readonly stream: kinesis.IStream;
  public readonly streamKey: kms.IKey;
  public readonly lakeBucket: s3.IBucket;
  public readonly lakeKey: kms.IKey;

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = toRemovalPolicy(config.removalPolicy);
    const logRetention = toRetentionDays(config.logRetentionDays);
    const retentionDays = config.analytics.export.retentionDays;
    this.stream = props.stream;
    this.streamKey = props.streamKey;
    this.lakeBucket = props.lakeBucket;
    this.lakeKey = props.lakeKey;
    this.databaseName = props.lakeDatabaseName;

    this.key = new DataKey(this, 'DataKey', { description: 'c360 analytics: curated zone', removalPolicy });
    this.key.allowCloudWatchLogs();
    this.accessLogsBucket = new AccessLogsBucket(this, 'AccessLogsBucket', { removalPolicy });
    this.curatedBucket = new DataBucket(this, 'CuratedBucket', {
      encryptionKey: this.key,
      accessLogsBucket: this.accessLogsBucket,
      accessLogsPrefix: 'curated/',
      removalPolicy,
    });
    // Every export is a copy of the profiles: expiring them bounds how long an
    // erased customer survives in the curated zone (an erasure reaches every
    // copy within retentionDays, plus a day for the noncurrent version).
    this.curatedBucket.addLifecycleRule({
      id: 'expire-exports',
      prefix: EXPORTS_PREFIX,
      expiration: Duration.days(retentionDays),
      noncurrentVersionExpiration: Duration.days(1),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    });
    // Failed segment-history records are copies too: same window.
    this.curatedBucket.addLifecycleRule({
      id: 'expire-segment-history-errors',
      prefix: SEGMENT_EVENTS_ERRORS_FOLDER,
      expiration: Duration.days(retentionDays),
      noncurrentVersionExpiration: Duration.days(1),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    });
    // The segment history is kept (governance erases from it): only the
    // versions an erasure rewrites or deletes go, a day later.
    this.curatedBucket.addLifecycleRule({
      id: 'segment-history-noncurrent-versions',
      prefix: SEGMENT_EVENTS_PREFIX,
      noncurrentVersionExpiration: Duration.days(1),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    });

    this.curatedTables = new CuratedTables(this, 'CuratedTables', {
      databaseName: this.databaseName,
      curatedBucket: this.curatedBucket,
      profileColumns: profileTableColumns(config),
      removalPolicy,
    });

    this.segmentHistory = new SegmentHistory(this, 'SegmentHistory', {
      segmentBus: props.segmentBus,
      curatedBucket: this.curatedBucket,
      key: this.key,
      logRetention,
      removalPolicy,
    });

    this.athena = new AthenaWorkgroup(this, 'Athena', {
      key: this.key,
      accessLogsBucket: this.accessLogsBucket,
      bytesScannedCutoffPerQuery: config.analytics.athena.bytesScannedCutoffPerQuery,
      resultsRetentionDays: retentionDays,
      removalPolicy,
    });
    this.workgroupName = this.athena.workgroupName;
    this.resultsBucket = this.athena.resultsBucket;

    this.views = new AthenaViews(this, 'Views', {
      // The activation pillar's training views (sql/activation/) read these views: created after them, in the same database.
      views: [...readShippedViews(), ...readShippedViews(C360Function.projectPath(PROPENSITY_SQL_DIR))],
      workgroup: this.athena,
      databaseName: this.databaseName,
      lakeKey: props.lakeKey,
      dependsOn: [...this.curatedTables.exportTables.values(), this.curatedTables.segmentEventsTable],
      logEncryptionKey: this.key,
      logRetention,
      removalPolicy,
    });

    this.profileExport = new ProfileExport(this, 'ProfileExport', {
      config,
      table: props.profileTable,
      curatedBucket: this.curatedBucket,
      tables: this.curatedTables,
      logEncryptionKey: this.key,
      logRetention,
      removalPolicy,
      ...(props.alarmTopic === undefined ? {} : { alarmTopic: props.alarmTopic }),
    });

    if (config.governance.lakeFormation.enabled) {
      // exports/ and segment_events/ are read through Lake Formation; only its data-access role and the erasure read objects directly.
      denyUngovernedReads(this.curatedBucket, {
        appName: config.appName,
        prefixes: [EXPORTS_PREFIX, SEGMENT_EVENTS_PREFIX],
        writers: [this.profileExport.function.role as iam.IRole],
      });
    }

    if (config.analytics.redshift.enabled) {
      this.warehouse = new RedshiftWarehouse(this, 'Warehouse', {
        appName: config.appName,
        config: config.analytics.redshift,
        stream: props.stream,
        streamKey: props.streamKey,
        key: this.key,
        lakeDatabaseName: this.databaseName,
        curatedBucket: this.curatedBucket,
        curatedKey: this.key,
        // The classification and roles: Redshift roles read masked views of what Lake Formation would hide from them.
        governance: config,
        removalPolicy,
        logRetention,
      });
    }

    const dashboard = C360Dashboard.fromConfig(this, 'Dashboard', {
      appName: config.appName,
      config: config.analytics.quicksight,
      athenaWorkgroupName: this.workgroupName,
      databaseName: this.databaseName,
      dependsOn: [this.views.resource],
      removalPolicy,
    });
    if (dashboard !== undefined) this.dashboard = dashboard;

    new CfnOutput(this, 'CuratedBucketName', { value: this.curatedBucket.bucketName, description: 'Curated zone (exports/, segment_events/)' });
    new CfnOutput(this, 'AthenaWorkGroupName', { value: this.workgroupName, description: 'Athena workgroup of the shipped views (query the lake database in it)' });
    new CfnOutput(this, 'AthenaResultsBucketName', { value: this.resultsBucket.bucketName, description: 'Athena query results' });
  }
}
