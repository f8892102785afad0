/** The governance pillar's stack: the audit log, CloudTrail, Lake Formation, the erasure workflow and the privacy API. */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { AUDIENCES_PREFIX } from '../../lambda/activation/contracts/audiences';
import { EXPORT_TABLES, EXPORTS_PREFIX, SEGMENT_EVENTS_PREFIX } from '../../lambda/analytics/contracts/curated';
import { QUARANTINE_ZONE, RAW_ZONE } from '../../lambda/collection/contracts/lake-layout';
import { COLLECTION_ENV } from '../../lambda/collection/contracts/env';
import { LANDING_PREFIX, REPORTS_PREFIX } from '../../lambda/collection/contracts/landing';
import type { C360Config } from '../../lambda/config';
import { GOVERNANCE_ENV } from '../../lambda/governance/contracts/env';
import { SNAPSHOT_COLUMNS, SNAPSHOT_PREFIX } from '../../lambda/unification/contracts/snapshot';
import { PROFILE_TABLE } from '../../lambda/unification/contracts/table';
import { SEGMENT_EVENTS_ERRORS_FOLDER } from '../constructs/analytics/segment-history';
import { DataKey } from '../constructs/common/data-key';
import type { GovernedTable } from '../constructs/common/governed-lake';
import { toRemovalPolicy, toRetentionDays } from '../constructs/common/removal-policy';
import { AccessLogsBucket, DataBucket } from '../constructs/common/secure-bucket';
import { AuditLog } from '../constructs/governance/audit-log';
import { AuditTrail } from '../constructs/governance/cloudtrail';
import { DataQuality } from '../constructs/governance/data-quality';
import { ErasureWorkflow } from '../constructs/governance/erasure-workflow';
import { LakeFormation, type LakeGrant } from '../constructs/governance/lake-formation';
import { PrivacyApi } from '../constructs/governance/privacy-api';
import { MATCH_OUTPUT_PREFIX, SNAPSHOT_TABLE_NAME } from '../constructs/unification/entity-resolution';
import type { AnalyticsStack } from './analytics-stack';
import type { CollectionStack } from './collection-stack';
import type { UnificationStack } from './unification-stack';

/**
 * What the erasure needs of the activation stack (its public members, taken
 * structurally): the activation table, the models bucket (Personalize
 * deletion lists), the audience exports bucket, their key, and Personalize's
 * dataset group when it is deployed.
 */
export interface ActivationStores {
  readonly table: dynamodb.ITable;
  readonly modelsBucket: s3.IBucket;
  readonly audienceExportsBucket: s3.IBucket;
  readonly key: kms.IKey;
  /** Personalize's dataset group (the deletion job runs on the group: every dataset of it); absent when Personalize is not deployed. */
  readonly personalize?: { readonly datasetGroupArn: string; readonly interactionsDatasetArn?: string; readonly usersDatasetArn?: string };
  /** The propensity job, which queries the lake and curated tables through Athena (a Lake Formation reader); absent when propensity is off. */
  readonly propensity?: { readonly function: { readonly role?: iam.IRole } };
}

export interface GovernanceStackProps extends StackProps {
  readonly config: C360Config;
  /** The stream, the lake, the landing bucket, the lake database and the suppression list. */
  readonly collection: CollectionStack;
  /** The customer view, Entity Resolution, and the functions that audit (profile API, segment changes). */
  readonly unification: UnificationStack;
  /** The curated zone, its tables, Athena, the warehouse, the profile export. */
  readonly analytics: AnalyticsStack;
  /**
   * The activation stack's stores (the `activation`, `audience-exports` and
   * `personalize` erasure stores). Absent (governance built on its own):
   * those stores report not-deployed.
   */
  readonly activation?: ActivationStores;
}

/** Privacy API stage throttling: a handful of back-office callers. */
const PRIVACY_API_THROTTLE = { rateLimit: 10, burstLimit: 20 };

/**
 * Governance pillar, deployed after the other data stacks (it governs their
 * resources):
 *
 * - the governance key and bucket (`AuditBucket`: audit log, erasure work
 *   objects and receipts);
 * - the audit log (Firehose → `audit/`, Glue table `audit_log`), written by
 *   the profile API, segment changes, the profile export and the erasure;
 * - a CloudTrail trail of management events and data events on the profile
 *   table and the lake's objects;
 * - Lake Formation (`governance.lakeFormation.enabled`): admins, locations,
 *   LF-tags from the classification, grants by tag;
 * - the erasure workflow (every store of ERASURE_STORES: the activation
 *   stores too when `activation` is given) and the privacy API.
 *
 * The suppression list is the collection stack's (its ingest paths check it).
 */
export class GovernanceStack extends Stack {
  public readonly key: kms.IKey;
  /** Shared target of this stack's S3 server access logs. */
  public readonly accessLogsBucket: s3.IBucket;
  /** The governance bucket: audit log, erasure work objects and receipts. */
  public readonly auditBucket: s3.Bucket;
  public readonly audit: AuditLog;
  public readonly trail: AuditTrail;
  public readonly lakeFormation?: LakeFormation;
  public readonly erasure: ErasureWorkflow;
  public readonly privacyApi: PrivacyApi;
  public readonly dataQuality: DataQuality;

  constructor(scope: Construct, id: string, props: GovernanceStackProps) {
    super(scope, id, props);
    const { config, collection, unification, analytics, activation } = props;
    const removalPolicy = toRemovalPolicy(config.removalPolicy);
    const logRetention = toRetentionDays(config.logRetentionDays);

    const key = new DataKey(this, 'DataKey', { description: 'c360 governance: audit evidence, erasure work and receipts, trail', removalPolicy });
    key.allowCloudWatchLogs();
    this.key = key;
    this.accessLogsBucket = new AccessLogsBucket(this, 'AccessLogsBucket', { removalPolicy });
    this.auditBucket = new DataBucket(this, 'AuditBucket', {
      encryptionKey: this.key,
      accessLogsBucket: this.accessLogsBucket,
      accessLogsPrefix: 'audit/',
      removalPolicy,
    });

    // ---- audit log ---------------------------------------------------------
    this.audit = new AuditLog(this, 'Audit', {
      bucket: this.auditBucket,
      key,
      databaseName: collection.rawLake.databaseName,
      retentionDays: config.governance.audit.retentionDays,
      logRetention,
      removalPolicy,
    });
    this.audit.grantWrite(unification.profileApiHandler);
    this.audit.grantWrite(unification.segments.changes);
    this.audit.grantWrite(analytics.profileExport.function);

    // ---- CloudTrail --------------------------------------------------------
    this.trail = new AuditTrail(this, 'Trail', {
      key,
      accessLogsBucket: this.accessLogsBucket,
      profileTable: unification.table,
      dataBuckets: [collection.lakeBucket, analytics.curatedBucket],
      removalPolicy,
    });

    // ---- erasure -----------------------------------------------------------
    const lakeKey = collection.streamKey;
    const warehouse = analytics.warehouse;
    this.erasure = new ErasureWorkflow(this, 'Erasure', {
      appName: config.appName,
      bucket: this.auditBucket,
      key,
      suppression: collection.suppression,
      audit: this.audit,
      profileTable: unification.table,
      profileTableIndexes: PROFILE_TABLE.globalSecondaryIndexes.map((index) => index.indexName),
      locations: {
        'raw-lake': { bucket: collection.lakeBucket, key: lakeKey, prefixes: [`${RAW_ZONE}/`], envVar: GOVERNANCE_ENV.lakeBucket },
        quarantine: { bucket: collection.lakeBucket, key: lakeKey, prefixes: [`${QUARANTINE_ZONE}/`], envVar: GOVERNANCE_ENV.lakeBucket },
        landing: {
          bucket: collection.batchImport.landingBucket,
          key: collection.batchImport.landingKey,
          prefixes: [LANDING_PREFIX, REPORTS_PREFIX],
          envVar: COLLECTION_ENV.landingBucket,
        },
        matching: { bucket: collection.lakeBucket, key: lakeKey, prefixes: [SNAPSHOT_PREFIX, MATCH_OUTPUT_PREFIX], envVar: GOVERNANCE_ENV.lakeBucket },
        curated: { bucket: analytics.curatedBucket, key: analytics.key, prefixes: [EXPORTS_PREFIX], envVar: GOVERNANCE_ENV.curatedBucket },
        'segment-events': {
          bucket: analytics.curatedBucket,
          key: analytics.key,
          prefixes: [SEGMENT_EVENTS_PREFIX, SEGMENT_EVENTS_ERRORS_FOLDER],
          envVar: GOVERNANCE_ENV.curatedBucket,
        },
        'query-results': {
          bucket: analytics.resultsBucket,
          key: analytics.key,
          // The results bucket holds Athena's results only: the step deletes every object and version in it.
          prefixes: [''],
          envVar: GOVERNANCE_ENV.queryResultsBucket,
          deleteOnly: true,
        },
        ...(activation === undefined
          ? {}
          : {
              'audience-exports': {
                bucket: activation.audienceExportsBucket,
                key: activation.key,
                prefixes: [AUDIENCES_PREFIX],
                envVar: GOVERNANCE_ENV.exportsBucket,
              },
            }),
      },
      ...(activation === undefined
        ? {}
        : {
            activation: {
              table: activation.table,
              key: activation.key,
              modelsBucket: activation.modelsBucket,
              ...(activation.personalize === undefined ? {} : { personalize: { datasetGroupArn: activation.personalize.datasetGroupArn } }),
            },
          }),
      matchingWorkflow: { name: unification.entityResolution.workflowName, arn: unification.entityResolution.workflowArn },
      ...(warehouse === undefined
        ? {}
        : { redshift: { workgroupName: warehouse.workgroupName, workgroupArn: warehouse.workgroup.attrWorkgroupWorkgroupArn, database: warehouse.database } }),
      streamRetentionHours: config.collection.stream.retentionHours,
      streamName: collection.stream.streamName,
      logRetention,
      removalPolicy,
    });

    // ---- privacy API -------------------------------------------------------
    this.privacyApi = new PrivacyApi(this, 'Privacy', {
      stateMachine: this.erasure.stateMachine,
      bucket: this.auditBucket,
      key,
      suppression: collection.suppression,
      audit: this.audit,
      throttle: PRIVACY_API_THROTTLE,
      logRetention,
      removalPolicy,
    });

    // ---- data quality ------------------------------------------------------
    this.dataQuality = new DataQuality(this, 'DataQuality', {
      config,
      lakeDatabaseName: collection.rawLake.databaseName,
      tableNames: [collection.rawLake.rawTableName, collection.rawLake.quarantineTableName, ...analytics.curatedTables.tableNames],
      lakeBucket: collection.lakeBucket,
      lakeKey,
      curatedBucket: analytics.curatedBucket,
      curatedKey: analytics.key,
      resultsBucket: this.auditBucket,
      governanceKey: key,
      alarmTopic: unification.monitoring.topic,
    });

    // ---- Lake Formation ----------------------------------------------------
    if (config.governance.lakeFormation.enabled) {
      const snapshot: GovernedTable = {
        name: SNAPSHOT_TABLE_NAME,
        columns: SNAPSHOT_COLUMNS,
      };
      const tables: GovernedTable[] = [
        ...collection.rawLake.tables,
        snapshot,
        ...analytics.curatedTables.governedTables,
        this.audit.governedTable,
      ];
      const roleArn = (role: iam.IRole | undefined, what: string) => {
        if (role === undefined) throw new Error(`GovernanceStack: ${what} has no role`);
        return role.roleArn;
      };
      const grants: LakeGrant[] = [
        // The landing crawler creates and updates its landing_<folder> tables (their creator gets ALL on them).
        { id: 'Crawler', principalArn: collection.rawLake.crawlerRole.roleArn, database: ['DESCRIBE', 'CREATE_TABLE', 'ALTER'] },
        // The views custom resource creates views over every table.
        { id: 'Views', principalArn: roleArn(analytics.views.function.role, 'the views function'), database: ['DESCRIBE', 'CREATE_TABLE'], readAll: true },
        // The profile export registers and drops its partitions.
        {
          id: 'ProfileExport',
          principalArn: roleArn(analytics.profileExport.function.role, 'the profile export'),
          tables: { names: EXPORT_TABLES, permissions: ['DESCRIBE', 'ALTER', 'INSERT', 'DELETE'] },
        },
        // Entity Resolution reads the snapshot table's schema and location.
        { id: 'EntityResolution', principalArn: unification.entityResolution.role.roleArn, tables: { names: [snapshot.name], permissions: ['DESCRIBE', 'SELECT'] } },
        ...(warehouse === undefined ? [] : [{ id: 'Spectrum', principalArn: warehouse.role.roleArn, readAll: true }]),
        // The propensity job reads the events and the curated identities its training query joins.
        ...(props.activation?.propensity === undefined
          ? []
          : [{ id: 'Propensity', principalArn: roleArn(props.activation.propensity.function.role, 'the propensity job'), readAll: true }]),
        // Glue Data Quality reads every table it has rules for.
        { id: 'DataQuality', principalArn: this.dataQuality.role.roleArn, readAll: true },
        ...(config.analytics.quicksight.principalArn === undefined
          ? []
          : [{ id: 'QuickSight', principalArn: config.analytics.quicksight.principalArn, readAll: true }]),
      ];
      this.lakeFormation = new LakeFormation(this, 'LakeFormation', {
        config,
        databaseName: collection.rawLake.databaseName,
        tables,
        locations: [
          { bucket: collection.lakeBucket, key: lakeKey, prefixes: [`${RAW_ZONE}/`, `${QUARANTINE_ZONE}/`] },
          { bucket: analytics.curatedBucket, key: analytics.key, prefixes: [EXPORTS_PREFIX, SEGMENT_EVENTS_PREFIX] },
        ],
        grants,
        dependsOn: [this.audit.table],
        logEncryptionKey: key,
        logRetention,
        removalPolicy,
      });
    }

    new CfnOutput(this, 'AuditBucketName', { value: this.auditBucket.bucketName });
    new CfnOutput(this, 'PrivacyApiUrl', { value: this.privacyApi.api.url, description: 'Privacy API base URL (SigV4, service execute-api)' });
    new CfnOutput(this, 'ErasureStateMachineArn', { value: this.erasure.stateMachine.stateMachineArn, description: 'Right-to-erasure workflow' });
    new CfnOutput(this, 'AuditDeliveryStreamName', { value: this.audit.deliveryStreamName, description: 'Firehose stream of the audit log' });
    if (this.lakeFormation !== undefined) {
      new CfnOutput(this, 'ClassTagKey', { value: this.lakeFormation.classTagKey, description: 'Lake Formation tag of how personal a table or column is' });
      new CfnOutput(this, 'DomainTagKey', { value: this.lakeFormation.domainTagKey, description: 'Lake Formation tag of what kind of data a column holds' });
    }
  }
}
