/** The propensity job: trains the churn and repurchase models from the lake and the curated exports (Athena), scores every profile, puts the scores on the stream. */
import { Duration, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ACTIVATION_ENV } from '../../../lambda/activation/contracts/env';
import { EXPORTS_PREFIX } from '../../../lambda/analytics/contracts/curated';
import { RAW_ZONE } from '../../../lambda/collection/contracts/lake-layout';
import type { ActivationConfig } from '../../../lambda/config/activation';
import type { AthenaWorkgroup } from '../analytics/athena-workgroup';
import { C360Function } from '../common/c360-function';
import { acknowledgeWildcardResource } from '../common/nag';
import { grantFolder, PROPENSITY_MODELS_PREFIX } from './models-bucket';

/** What reading the lake database's catalog takes: the database, its tables and their partitions. */
export const CATALOG_READ_ACTIONS = ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'] as const;

export interface PropensityProps {
  readonly config: ActivationConfig['propensity'];
  /** The analytics Athena workgroup the training queries run in. */
  readonly workgroup: AthenaWorkgroup;
  /** The lake's Glue database (raw events and the curated exports). */
  readonly databaseName: string;
  /** The raw lake (`raw/`) and its key. */
  readonly lakeBucket: s3.IBucket;
  readonly lakeKey: kms.IKey;
  /** The curated zone (`exports/`) and its key. */
  readonly curatedBucket: s3.IBucket;
  readonly curatedKey: kms.IKey;
  /**
   * The lake is governed by Lake Formation: Athena reads the tables with the
   * credentials Lake Formation vends (the job needs `lakeformation:GetDataAccess`
   * and a SELECT grant, given by the governance stack), not with IAM on the
   * objects, which the buckets deny outside Lake Formation.
   */
  readonly lakeFormationGoverned: boolean;
  /** The models bucket (`models/propensity/`). */
  readonly modelsBucket: s3.IBucket;
  /** The event stream the score events go onto, and its key. */
  readonly stream: kinesis.IStream;
  readonly streamKey: kms.IKey;
  /** The activation key (the function's log group). */
  readonly logEncryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * lambda/activation/functions/propensity-job.ts on `propensity.schedule`:
 * queries features and labels with Athena in the analytics workgroup, trains
 * and evaluates the models, keeps them (and their evaluations) under
 * `models/propensity/`, and puts one `Propensity Scored` event per profile
 * and model on the event stream.
 *
 * Grants: running queries in that workgroup only (and reading their
 * results); reading the catalog of the lake database; the tables' data
 * through Lake Formation when it governs the lake, else `raw/` of the lake
 * and `exports/` of the curated zone (read only); `models/propensity/`;
 * PutRecords on the stream.
 */
export class Propensity extends Construct {
  public readonly function: C360Function;
  public readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: PropensityProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config, workgroup, databaseName } = props;

    this.function = new C360Function(this, 'Job', {
      entry: 'lambda/activation/functions/propensity-job.ts',
      serviceName: 'propensity-job',
      description: 'c360 activation: trains the churn and repurchase models, scores every profile, puts the scores on the event stream',
      // Features of every profile are held in memory while the models train.
      memorySize: 3008,
      timeout: Duration.minutes(15),
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      logEncryptionKey: props.logEncryptionKey,
      environment: {
        [ACTIVATION_ENV.athenaWorkgroup]: workgroup.workgroupName,
        [ACTIVATION_ENV.glueDatabase]: databaseName,
        [ACTIVATION_ENV.curatedBucket]: props.curatedBucket.bucketName,
      },
    });
    const role = this.function.role as iam.IRole;

    // --- Athena: this workgroup's queries and their results ---------------------------------------------
    workgroup.grantRunQueries(role);
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['athena:GetQueryResults', 'athena:StopQueryExecution'], resources: [workgroup.workgroupArn] }),
    );

    // --- the catalog of the lake database ---------------------------------------------------------------
    const glueArn = (resource: string, resourceName?: string) => stack.formatArn({ service: 'glue', resource, ...(resourceName === undefined ? {} : { resourceName }) });
    const anyTable = glueArn('table', `${databaseName}/*`);
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: [...CATALOG_READ_ACTIONS], resources: [glueArn('catalog'), glueArn('database', databaseName), anyTable] }),
    );
    acknowledgeWildcardResource(
      role,
      anyTable,
      `Read-only catalog metadata (GetTable, GetTables, GetPartition(s)) of the tables of the lake database "${databaseName}": the training queries read the raw events and the curated exports, whose tables are all in that database. No catalog write.`,
    );

    // --- the tables' data ---------------------------------------------------------------------------------
    if (props.lakeFormationGoverned) {
      this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['lakeformation:GetDataAccess'], resources: ['*'] }));
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Resource "*" for X-Ray tracing and for lakeformation:GetDataAccess, neither of which takes resource-level permissions: which tables and columns Athena may read for this role is decided by its Lake Formation grants.',
      });
    } else {
      this.readFolder(props.lakeBucket, props.lakeKey, `${RAW_ZONE}/`, 'the raw lake');
      this.readFolder(props.curatedBucket, props.curatedKey, EXPORTS_PREFIX, 'the curated zone');
    }

    // --- models and scores ----------------------------------------------------------------------------------
    grantFolder(this.function, props.modelsBucket, { envVar: ACTIVATION_ENV.modelsBucket, prefix: PROPENSITY_MODELS_PREFIX, access: 'read-write' });
    this.function.putRecords(props.stream, { envVar: ACTIVATION_ENV.eventStream, streamKey: props.streamKey });

    this.schedule = new events.Rule(this, 'Schedule', {
      description: `c360 activation: train the propensity models and score every profile (${config.schedule})`,
      schedule: events.Schedule.expression(config.schedule),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 1, maxEventAge: Duration.hours(1) })],
    });
    // A failed run deploys no model and puts no further score; the next scheduled run starts over.
    this.function.configureAsyncInvoke({ retryAttempts: 0 });
  }

  /** Athena reads the objects under `prefix` with the caller's credentials when Lake Formation does not govern them. */
  private readFolder(bucket: s3.IBucket, key: kms.IKey, prefix: string, what: string): void {
    const objects = bucket.arnForObjects(`${prefix}*`);
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
      }),
    );
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [bucket.bucketArn] }));
    acknowledgeWildcardResource(
      this.function.role as iam.IRole,
      objects,
      `Athena reads the training data under "${prefix}" of ${what} with the job's credentials: object-level s3:GetObject on that prefix only (a trailing wildcard is how S3 expresses a prefix). No write.`,
    );
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.${Stack.of(this).urlSuffix}` } },
      }),
    );
  }
}
