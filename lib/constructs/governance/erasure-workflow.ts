/** The right-to-erasure workflow: resolve the person, erase them from every store (one function and role per store), write the receipt, erase the streaming view again once the stream has let go of them. */
import { Duration, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { COLLECTION_ENV } from '../../../lambda/collection/contracts/env';
import { GOVERNANCE_ENV } from '../../../lambda/governance/contracts/env';
import {
  ERASURE_STORES,
  PERSONALIZE_DELETION_JOB_PREFIX,
  PERSONALIZE_DELETIONS_PREFIX,
  type ErasureStore,
} from '../../../lambda/governance/contracts/erasure';
import { C360Function, TABLE_READ_ACTIONS } from '../common/c360-function';
import { lakeReaderRolePath } from '../common/governed-lake';
import { acknowledgeWildcardResource } from '../common/nag';
import type { AuditLog } from './audit-log';
import type { SuppressionList } from './suppression-list';

/** Where the resolved subject waits for the steps (erasureWorkKey), and the receipts (erasureReceiptKey). */
export const ERASURE_WORK_PREFIX = 'erasure/work/';
export const ERASURE_RECEIPTS_PREFIX = 'erasure/receipts/';
/** What erasing objects under a prefix takes: find them (and their versions), rewrite or delete them. */
export const OBJECT_ERASE_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'] as const;
export const BUCKET_LIST_ACTIONS = ['s3:ListBucket', 's3:ListBucketVersions'] as const;
/** The profile store's item actions: find the person's items, delete them. */
/** Deletes the person's items; reads and conditionally rewrites the profiles an unmerge split from them (their journals held the person's events). */
export const PROFILE_ERASE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PutItem',
] as const;

/** The activation table's items of a person: find them by partition, delete them in batches, delete contact items one by one. */
export const ACTIVATION_ERASE_ACTIONS = ['dynamodb:Query', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem'] as const;

/**
 * How long the workflow waits after suppressing the person before erasing:
 * warm ingest functions trust a cached suppression answer for up to 30 s
 * (SUPPRESSION_CACHE_MS in lambda/governance/adapters/suppression-check.ts), and an event applied
 * after the profile's deletion would create it again.
 */
export const SUPPRESSION_SETTLE = Duration.seconds(35);

/** A bucket, its key and the prefixes a store occupies in it. */
export interface StoreLocation {
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  /** Literal folders ending in `/`; `''` for the whole bucket. */
  readonly prefixes: readonly string[];
  /** The store function's environment variable naming the bucket. */
  readonly envVar: string;
  /** Only what deleting takes (no rewrite): list and delete. @default false */
  readonly deleteOnly?: boolean;
}

export interface RedshiftTarget {
  readonly workgroupName: string;
  readonly workgroupArn: string;
  readonly database: string;
}

/** The activation pillar's stores the erasure reaches besides its exports bucket (a file store: `locations['audience-exports']`). */
export interface ActivationErasureTargets {
  /** The activation table (the `activation` store). */
  readonly table: dynamodb.ITable;
  /** The activation key: the table's and the models bucket's. */
  readonly key: kms.IKey;
  /** The models bucket: the `personalize` store writes its deletion lists there. */
  readonly modelsBucket: s3.IBucket;
  /** Amazon Personalize's dataset group; absent when activation.recommendations.personalize.enabled is false. */
  readonly personalize?: { readonly datasetGroupArn: string };
}

export interface ErasureWorkflowProps {
  readonly appName: string;
  /** The governance bucket and key: work objects, receipts. */
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  readonly suppression: SuppressionList;
  readonly audit: AuditLog;
  /** The customer view (the `profiles` store; the resolve step reads it). */
  readonly profileTable: dynamodb.ITable;
  readonly profileTableIndexes: readonly string[];
  /** Where each file store lives. */
  readonly locations: Readonly<Partial<Record<ErasureStore, StoreLocation>>>;
  /** Entity Resolution's workflow (the `matching` store deletes its unique ids). */
  readonly matchingWorkflow?: { readonly name: string; readonly arn: string };
  /** The warehouse (the `redshift` store); absent when analytics.redshift.enabled is false. */
  readonly redshift?: RedshiftTarget;
  /** The activation stack's table, key and models bucket; absent: `activation` and `personalize` report not-deployed. */
  readonly activation?: ActivationErasureTargets;
  /** Retention of the event stream: the streaming view is erased again after it. */
  readonly streamRetentionHours: number;
  /** The event stream the Redshift streaming view reads (its re-created definition names it). */
  readonly streamName: string;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

const pascal = (s: string) =>
  s
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/**
 * The erasure state machine (Standard):
 *
 *   Resolve → Parallel(one branch per ERASURE_STORES entry) → Receipt
 *           → Wait(stream retention) → redshift again → Receipt (final)
 *
 * The state carries the request id and the store reports only: the person
 * (identifiers, values, hashes) is in the encrypted work object under
 * `erasure/work/`, which every step reads and the final receipt deletes.
 * Each store step retries three times with backoff, then turns its error into
 * a `{ store, status: 'failed', message }` report, so a receipt is always
 * written. Execution data is kept out of the (encrypted) logs; X-Ray tracing.
 *
 * Every store has its own function (`erasure-step.ts` with ERASURE_STORE) and
 * role, granted that store alone. The store functions that rewrite lake
 * objects have roles under the lake-readers IAM path, which the lake and
 * curated buckets exempt from their deny of direct reads.
 */
export class ErasureWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly resolve: C360Function;
  public readonly receipt: C360Function;
  /** Store → its step function. */
  public readonly steps: ReadonlyMap<ErasureStore, C360Function>;
  /** The role Amazon Personalize assumes to read the deletion lists (when Personalize is deployed). */
  public readonly personalizeDeletionRole?: iam.Role;

  constructor(scope: Construct, id: string, props: ErasureWorkflowProps) {
    super(scope, id);
    const { bucket, key, removalPolicy, logRetention } = props;
    const common = { logRetention, removalPolicy, logEncryptionKey: key };
    const bucketEnv = { [GOVERNANCE_ENV.governanceBucket]: bucket.bucketName };

    // --- resolve -----------------------------------------------------------------------------------
    this.resolve = new C360Function(this, 'Resolve', {
      entry: 'lambda/governance/functions/erasure-resolve.ts',
      serviceName: 'erasure-resolve',
      description: 'c360 erasure: resolves the whole person (profiles, identifiers) into the work object',
      timeout: Duration.minutes(5),
      environment: { ...bucketEnv, [GOVERNANCE_ENV.streamRetentionHours]: String(props.streamRetentionHours) },
      ...common,
    });
    this.resolve.useTable(props.profileTable, { envVar: GOVERNANCE_ENV.table, access: 'read', indexes: props.profileTableIndexes });
    this.resolve.putObjects(bucket, { envVar: GOVERNANCE_ENV.governanceBucket, prefix: ERASURE_WORK_PREFIX });
    this.readWork(this.resolve, bucket, key);
    props.suppression.grantReadHashKey(this.resolve);
    // The person is suppressed as soon as they are resolved: their events arriving while the stores are erased are dropped.
    props.suppression.grantManage(this.resolve);
    props.audit.grantWrite(this.resolve);

    // --- one function per store --------------------------------------------------------------------
    const steps = new Map<ErasureStore, C360Function>();
    for (const store of ERASURE_STORES) {
      const location = props.locations[store];
      const fn = new C360Function(this, `Step${pascal(store)}`, {
        entry: 'lambda/governance/functions/erasure-step.ts',
        serviceName: `erasure-${store}`,
        description: `c360 erasure: erases the person from the ${store} store`,
        timeout: Duration.minutes(15),
        memorySize: store === 'profiles' || store === 'redshift' || store === 'activation' || store === 'personalize' ? 256 : 1024,
        environment: {
          ...bucketEnv,
          [GOVERNANCE_ENV.erasureStore]: store,
          [GOVERNANCE_ENV.streamRetentionHours]: String(props.streamRetentionHours),
        },
        // Rewriting objects means reading them: these roles are exempt from the lake's deny of direct reads.
        ...(location === undefined ? {} : { rolePath: lakeReaderRolePath(props.appName) }),
        ...common,
      });
      this.readWork(fn, bucket, key);
      if (store === 'profiles') this.grantProfiles(fn, props);
      if (location !== undefined) grantObjects(fn, store, location);
      if (store === 'matching' && props.matchingWorkflow !== undefined) {
        fn.addEnvironment(GOVERNANCE_ENV.matchingWorkflow, props.matchingWorkflow.name);
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['entityresolution:BatchDeleteUniqueId'], resources: [props.matchingWorkflow.arn] }));
      }
      if (store === 'redshift' && props.redshift !== undefined) {
        grantRedshift(fn, props.redshift);
        fn.addEnvironment(COLLECTION_ENV.stream, props.streamName);
      }
      if (store === 'activation' && props.activation !== undefined) grantActivationTable(fn, props.activation);
      if (store === 'personalize' && props.activation?.personalize !== undefined) {
        this.personalizeDeletionRole = this.grantPersonalize(fn, props.activation, props.activation.personalize.datasetGroupArn);
      }
      steps.set(store, fn);
    }
    this.steps = steps;

    // --- receipt -----------------------------------------------------------------------------------
    this.receipt = new C360Function(this, 'Receipt', {
      entry: 'lambda/governance/functions/erasure-receipt.ts',
      serviceName: 'erasure-receipt',
      description: 'c360 erasure: writes the receipt, adds the suppression entries, removes the work object',
      timeout: Duration.minutes(2),
      environment: { ...bucketEnv, [GOVERNANCE_ENV.streamRetentionHours]: String(props.streamRetentionHours) },
      ...common,
    });
    this.readWork(this.receipt, bucket, key);
    this.receipt.putObjects(bucket, { envVar: GOVERNANCE_ENV.governanceBucket, prefix: ERASURE_RECEIPTS_PREFIX });
    const work = bucket.arnForObjects(`${ERASURE_WORK_PREFIX}*`);
    const receipts = bucket.arnForObjects(`${ERASURE_RECEIPTS_PREFIX}*`);
    // The final receipt merges into the first one, and deletes the work object.
    this.receipt.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [receipts] }));
    this.receipt.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'], resources: [work] }));
    // Deleting the work object means every version of it: listed under its prefix only.
    this.receipt.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucketVersions', 's3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': ['erasure/*'] } },
      }),
    );
    acknowledgeWildcardResource(this.receipt.role as iam.IRole, receipts, `The receipt step reads and writes receipts under "${ERASURE_RECEIPTS_PREFIX}" of the governance bucket only: S3 expresses a key prefix as a trailing wildcard.`);
    props.suppression.grantManage(this.receipt);
    props.audit.grantWrite(this.receipt);

    // --- the state machine -------------------------------------------------------------------------
    const invoke = (stateId: string, fn: C360Function, payload: Record<string, unknown>, resultPath: string) =>
      new tasks.LambdaInvoke(this, stateId, {
        lambdaFunction: fn,
        payload: sfn.TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        resultPath,
      });
    const requestId = { requestId: sfn.JsonPath.stringAt('$.requestId') };
    const storeStep = (stateId: string, store: ErasureStore, fn: C360Function, resultPath: string) => {
      const task = invoke(stateId, fn, requestId, resultPath);
      task.addRetry({ errors: ['States.ALL'], maxAttempts: 3, interval: Duration.seconds(10), backoffRate: 2 });
      // The error's name only: a message could quote what the step was working on.
      const failed = new sfn.Pass(this, `${stateId}Failed`, {
        parameters: {
          store,
          method: 'none',
          status: 'failed',
          itemsAffected: 0,
          completedAt: sfn.JsonPath.stringAt('$$.State.EnteredTime'),
          message: sfn.JsonPath.format('the step failed after 3 attempts ({})', sfn.JsonPath.stringAt('$.error.Error')),
        },
        resultPath,
      });
      task.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });
      return { task, failed };
    };

    // The execution input is the request itself (the privacy API starts the execution with it).
    const resolve = new tasks.LambdaInvoke(this, 'ResolveSubject', {
      lambdaFunction: this.resolve,
      payload: sfn.TaskInput.fromJsonPathAt('$'),
      payloadResponseOnly: true,
      resultPath: '$.resolved',
    });
    resolve.addRetry({ errors: ['States.ALL'], maxAttempts: 3, interval: Duration.seconds(5), backoffRate: 2 });
    const settle = new sfn.Wait(this, 'WaitForSuppression', { time: sfn.WaitTime.duration(SUPPRESSION_SETTLE) });
    const erase = new sfn.Parallel(this, 'EraseEveryStore', { resultPath: '$.reports' });
    for (const store of ERASURE_STORES) {
      const { task } = storeStep(`Erase${pascal(store)}`, store, steps.get(store) as C360Function, '$');
      erase.branch(task);
    }
    const writeReceipt = invoke('WriteReceipt', this.receipt, { ...requestId, reports: sfn.JsonPath.listAt('$.reports'), final: false }, '$.receipt');
    writeReceipt.addRetry({ errors: ['States.ALL'], maxAttempts: 5, interval: Duration.seconds(5), backoffRate: 2 });
    const wait = new sfn.Wait(this, 'WaitForStreamRetention', { time: sfn.WaitTime.duration(Duration.hours(props.streamRetentionHours)) });
    const { task: redshiftAgain } = storeStep('EraseRedshiftAgain', 'redshift', steps.get('redshift') as C360Function, '$.redshiftAgain');
    const finalReceipt = invoke(
      'FinalReceipt',
      this.receipt,
      { ...requestId, 'reports.$': 'States.Array($.redshiftAgain)', final: true },
      '$.receipt',
    );
    finalReceipt.addRetry({ errors: ['States.ALL'], maxAttempts: 5, interval: Duration.seconds(5), backoffRate: 2 });

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', { retention: logRetention, removalPolicy, encryptionKey: key });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(resolve.next(settle).next(erase).next(writeReceipt).next(wait).next(redshiftAgain).next(finalReceipt)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      // Streams may keep a person for up to a year; the workflow outlives that wait.
      timeout: Duration.days(366),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Resource "*" for X-Ray tracing and CloudWatch Logs log delivery (CreateLogDelivery, GetLogDelivery, ...), which take no resource-level permissions; the logs go to this workflow\'s own log group.',
    });
    for (const fn of [this.resolve, this.receipt, ...steps.values()]) {
      acknowledgeWildcardResource(this.stateMachine.role, `${fn.functionArn}:*`, 'The workflow invokes its own step functions by ARN with any version or alias qualifier (`:*`), as the CDK grants it: those functions only.');
    }
  }

  /** GetObject on the work objects, and decryption with the governance key through S3. */
  private readWork(fn: C360Function, bucket: s3.IBucket, key: kms.IKey): void {
    const work = bucket.arnForObjects(`${ERASURE_WORK_PREFIX}*`);
    fn.addEnvironment(GOVERNANCE_ENV.governanceBucket, bucket.bucketName);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [work] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [key.keyArn] }));
    acknowledgeWildcardResource(fn.role as iam.IRole, work, `The erasure's work objects (the resolved person, by request id) under "${ERASURE_WORK_PREFIX}" of the governance bucket: S3 expresses a key prefix as a trailing wildcard.`);
  }

  /**
   * The Personalize step: writes the deletion list under
   * PERSONALIZE_DELETIONS_PREFIX of the models bucket and creates the data
   * deletion job, passing the role (made here) that Personalize assumes to
   * read that list and nothing else.
   */
  private grantPersonalize(fn: C360Function, activation: ActivationErasureTargets, datasetGroupArn: string): iam.Role {
    const stack = Stack.of(this);
    const { modelsBucket: bucket, key } = activation;
    const lists = bucket.arnForObjects(`${PERSONALIZE_DELETIONS_PREFIX}*`);
    const viaS3 = { StringEquals: { 'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}` } };
    const role = new iam.Role(this, 'PersonalizeDeletionRole', {
      assumedBy: new iam.ServicePrincipal('personalize.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'Amazon Personalize reads the erasure deletion lists (USER_ID CSVs) from the models bucket',
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [lists] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [PERSONALIZE_DELETIONS_PREFIX.replace(/\/$/, ''), `${PERSONALIZE_DELETIONS_PREFIX}*`] } },
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [key.keyArn], conditions: viaS3 }));
    acknowledgeWildcardResource(role, lists, `Personalize reads the erasure's deletion lists under "${PERSONALIZE_DELETIONS_PREFIX}" of the models bucket only: S3 expresses a key prefix as a trailing wildcard.`);

    fn.addEnvironment(GOVERNANCE_ENV.personalizeDatasetGroupArn, datasetGroupArn);
    fn.addEnvironment(GOVERNANCE_ENV.modelsBucket, bucket.bucketName);
    fn.addEnvironment(GOVERNANCE_ENV.personalizeDeletionRoleArn, role.roleArn);
    const jobs = stack.formatArn({ service: 'personalize', resource: 'data-deletion-job', resourceName: `${PERSONALIZE_DELETION_JOB_PREFIX}*` });
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['personalize:CreateDataDeletionJob'], resources: [datasetGroupArn, jobs] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [role.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'personalize.amazonaws.com' } } }),
    );
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [lists] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Encrypt', 'kms:GenerateDataKey'], resources: [key.keyArn], conditions: viaS3 }));
    acknowledgeWildcardResource(fn.role as iam.IRole, lists, `The personalize erasure step writes deletion lists under "${PERSONALIZE_DELETIONS_PREFIX}" of the models bucket only: S3 expresses a key prefix as a trailing wildcard.`);
    acknowledgeWildcardResource(fn.role as iam.IRole, jobs, `The personalize erasure step creates data deletion jobs named "${PERSONALIZE_DELETION_JOB_PREFIX}<request id>" only, on one dataset group.`);
    return role;
  }

  private grantProfiles(fn: C360Function, props: ErasureWorkflowProps): void {
    const table = props.profileTable;
    fn.addEnvironment(GOVERNANCE_ENV.table, table.tableName);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...PROFILE_ERASE_ACTIONS], resources: [table.tableArn] }));
    if (props.profileTableIndexes.length > 0) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: [TABLE_READ_ACTIONS[2]], resources: props.profileTableIndexes.map((index) => `${table.tableArn}/index/${index}`) }),
      );
    }
    table.encryptionKey?.grant(fn, 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey');
  }
}

/** List, read, rewrite and delete (with versions) under the store's prefixes, and the key to do it with. */
function grantObjects(fn: C360Function, store: ErasureStore, location: StoreLocation): void {
  const { bucket, key, prefixes } = location;
  fn.addEnvironment(location.envVar, bucket.bucketName);
  const whole = prefixes.includes('');
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: [...BUCKET_LIST_ACTIONS],
      resources: [bucket.bucketArn],
      ...(whole ? {} : { conditions: { StringLike: { 's3:prefix': prefixes.flatMap((p) => [p.replace(/\/$/, ''), `${p}*`]) } } }),
    }),
  );
  const objects = prefixes.map((p) => bucket.arnForObjects(`${p}*`));
  const actions = location.deleteOnly === true ? ['s3:DeleteObject', 's3:DeleteObjectVersion'] : [...OBJECT_ERASE_ACTIONS];
  fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: objects }));
  for (const [i, objectArn] of objects.entries()) {
    const where = prefixes[i] === '' ? 'the whole bucket (it holds nothing else)' : `"${prefixes[i]}" only`;
    acknowledgeWildcardResource(fn.role as iam.IRole, objectArn, `The ${store} erasure step reads, rewrites and deletes objects (and their versions) under ${where} of one bucket: S3 expresses a key prefix as a trailing wildcard.`);
  }
  const keyActions = location.deleteOnly === true ? ['kms:Decrypt'] : ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: keyActions,
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(fn).region}.${Stack.of(fn).urlSuffix}` } },
    }),
  );
}

/** Query, batch-delete and delete on the activation table only, and its key through DynamoDB. */
function grantActivationTable(fn: C360Function, activation: ActivationErasureTargets): void {
  const stack = Stack.of(fn);
  fn.addEnvironment(GOVERNANCE_ENV.activationTable, activation.table.tableName);
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...ACTIVATION_ERASE_ACTIONS], resources: [activation.table.tableArn] }));
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [activation.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.${stack.urlSuffix}` } },
    }),
  );
}

/** The Data API on the workgroup with temporary credentials, as the analytics stack's SQL function. */
function grantRedshift(fn: C360Function, target: RedshiftTarget): void {
  fn.addEnvironment(GOVERNANCE_ENV.redshiftWorkgroup, target.workgroupName);
  fn.addEnvironment(GOVERNANCE_ENV.redshiftDatabase, target.database);
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['redshift-data:ExecuteStatement', 'redshift-serverless:GetCredentials'], resources: [target.workgroupArn] }));
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['redshift-data:DescribeStatement'],
      resources: ['*'],
      conditions: { StringEquals: { 'redshift-data:statement-owner-iam-userid': '${aws:userid}' } },
    }),
  );
}
