/** Batch matching with AWS Entity Resolution: the profile snapshot, its Glue table, the schema mapping and matching workflow from the rules, and the schedule. */
import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as entityresolution from 'aws-cdk-lib/aws-entityresolution';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PERSON_FIELDS, type PersonField } from '../../../lambda/config/unification/person-fields';
import { toEntityResolutionCondition, type MatchingRules } from '../../../lambda/config/unification/matching';
import {
  MAX_SNAPSHOT_SEGMENTS,
  PROFILE_ID_COLUMN,
  SNAPSHOT_COLUMNS,
  SNAPSHOT_PREFIX,
  personColumn,
} from '../../../lambda/unification/contracts/snapshot';
import { UNIFICATION_ENV } from '../../../lambda/unification/contracts/env';
import { C360Function } from '../common/c360-function';
import { acknowledgeWildcardResource } from '../common/nag';
import { NAME_RULES, uniquePhysicalName } from '../common/physical-names';

/** Where Entity Resolution writes its results: `<prefix><workflow>/<jobId>/success/…` and `…/error/…`. */
export const MATCH_OUTPUT_PREFIX = 'entity-resolution/output/';
/** The Glue table over the snapshot: a table name is unique within its database, which is the deployment's own. */
export const SNAPSHOT_TABLE_NAME = 'profile_snapshot';
/** Daily at 04:00 UTC, after the landing crawler (03:00). */
export const DEFAULT_MATCHING_SCHEDULE = 'cron(0 4 * * ? *)';
/** Entity Resolution takes 1 to 25 rules per workflow and at most 2,048 characters per rule condition. */
const MAX_RULES = 25;
const MAX_CONDITION_CHARS = 2048;

/**
 * Entity Resolution's attribute type of each person field. Names and address
 * parts are not grouped (a group is matched as one concatenated value, and the
 * rules compare the parts one by one), so Entity Resolution does not normalise
 * them: the snapshot holds values the built-in matcher already normalised.
 */
export const ER_ATTRIBUTE_TYPES: Readonly<Record<PersonField, string>> = {
  firstName: 'NAME_FIRST',
  middleName: 'NAME_MIDDLE',
  lastName: 'NAME_LAST',
  dateOfBirth: 'DATE',
  birthYear: 'STRING',
  birthMonth: 'STRING',
  birthDay: 'STRING',
  streetNumber: 'STRING',
  address1: 'ADDRESS_STREET1',
  address2: 'ADDRESS_STREET2',
  city: 'ADDRESS_CITY',
  postcode: 'ADDRESS_POSTALCODE',
  state: 'ADDRESS_STATE',
  country: 'ADDRESS_COUNTRY',
  nationalId: 'STRING',
  email: 'EMAIL_ADDRESS',
  phone: 'PHONE_NUMBER',
  // STRING, not NAME: the parsed parts above are already the name, and ML matching would count it twice.
  fullName: 'STRING',
  gender: 'STRING',
  birthplace: 'STRING',
};

export type MatchingMode = 'rule' | 'ml';

export interface EntityResolutionProps {
  /**
   * The deployment's name (`appName`): the workflow is `<app>-profiles-<suffix>`, the schema
   * mapping `<app>-profile-snapshot-<suffix>`, the suffix unique to the deployment (physical-names.ts).
   */
  readonly appName: string;
  /** Applied to the snapshot table, the schema mapping, the workflow and the export function's log group. */
  readonly removalPolicy: RemovalPolicy;
  /** Retention of the export function's log group. */
  readonly logRetention: logs.RetentionDays;
  /** The matching rules: their conditions become the workflow's rules, their fields the schema mapping. */
  readonly rules: MatchingRules;
  /** The lake bucket: the snapshot is written under `profiles/snapshot/`, results under `entity-resolution/output/`. */
  readonly lakeBucket: s3.IBucket;
  /**
   * The lake bucket's key: reads of the snapshot, writes of the results, and
   * Entity Resolution's own encryption of its output.
   */
  readonly lakeKey: kms.IKey;
  /** The profile table the snapshot is exported from. */
  readonly table: dynamodb.ITable;
  /** The lake's Glue database (RawLake's `databaseName`), where the `profile_snapshot` table is declared. */
  readonly glueDatabaseName: string;
  /** `rule`: rule-based matching with the rules' conditions. `ml`: Entity Resolution's machine-learning matching. */
  readonly mode: MatchingMode;
  /**
   * When the snapshot is exported and the matching job started (an EventBridge
   * `cron(...)` or `rate(...)` expression, UTC).
   * @default daily at 04:00 UTC
   */
  readonly schedule?: string;
  /**
   * Applies the matches: invoked (asynchronously, through EventBridge) for
   * every results file Entity Resolution writes. It is granted s3:GetObject on
   * the results prefix, s3:ListBucket limited to it (to read all the files of
   * the job, see readJobMatchOutput) and decryption with the lake key. Its
   * event is S3's `Object Created` EventBridge event (`detail.bucket.name`,
   * `detail.object.key`).
   */
  readonly applyMatches: lambda.IFunction;
  /**
   * Scan segments of the snapshot export (parts written in parallel by one invocation).
   * @default 4
   */
  readonly snapshotSegments?: number;
  /** @default 1024 */
  readonly snapshotMemorySize?: number;
  /**
   * Customer-managed key of the export function's log group (see C360Function).
   * @default - CloudWatch Logs' service-owned encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}

/** The person fields the workflow matches on: those of the rules, plus in ML mode those the built-in scorer compares. */
export function matchingFields(rules: MatchingRules, mode: MatchingMode): PersonField[] {
  const fields = new Set<PersonField>(rules.rules.flatMap((r) => r.conditions.map((c) => c.field)));
  if (mode === 'ml') for (const f of rules.probabilistic.fields) fields.add(f);
  // In snapshot column order, so that the mapping does not change with the order rules are written in.
  return PERSON_FIELDS.filter((field) => fields.has(field));
}

/**
 * The schema mapping's input fields: `profile_id` as the unique id, then each
 * matched person field by its snapshot column, with its attribute type and
 * its own match key named after the field. Advanced rules need one match key
 * per ungrouped field, and their conditions (`Exact(firstName)`) name match
 * keys, so `toEntityResolutionCondition` applies as it is.
 */
export function schemaInputFields(fields: readonly PersonField[]): entityresolution.CfnSchemaMapping.SchemaInputAttributeProperty[] {
  return [
    { fieldName: PROFILE_ID_COLUMN, type: 'UNIQUE_ID' },
    ...fields.map((field) => ({ fieldName: personColumn(field), type: ER_ATTRIBUTE_TYPES[field], matchKey: field })),
  ];
}

/**
 * Batch person matching with AWS Entity Resolution, configured from the c360
 * matching rules.
 *
 * - A Glue table `profile_snapshot` (CSV with a header line) over
 *   `profiles/snapshot/` of the lake bucket.
 * - A schema mapping generated from the person fields the rules use, and a
 *   matching workflow: rule-based with Advanced rules (one per c360 rule,
 *   `toEntityResolutionCondition`; they take exact and fuzzy functions alike,
 *   so all-exact rule sets need no Simple rules) or ML-based. It reads the
 *   table without Entity Resolution's normalisation (the snapshot is already
 *   normalised) and writes only `profile_id` with the match metadata
 *   (MatchID, MatchRule or ConfidenceLevel) to `entity-resolution/output/`,
 *   encrypted with the lake key.
 * - The role Entity Resolution assumes: read of that Glue table and of the
 *   snapshot prefix, write of the output prefix, use of the lake key.
 * - The export function (C360Function, `lambda/unification/functions/profile-snapshot.ts`),
 *   run on `schedule` by EventBridge: it writes the snapshot and then starts
 *   the matching job itself, so the job never reads a half-written snapshot.
 * - `applyMatches` invoked for every results file: an EventBridge rule on S3's
 *   `Object Created` events for keys under `entity-resolution/output/` with a
 *   `success` folder (`…/<workflow>/<jobId>/success/<file>`; error files are ignored).
 *   The lake bucket must send its events to EventBridge
 *   (`eventBridgeEnabled: true` on the bucket, in the stack that owns it).
 */
export class EntityResolution extends Construct {
  public readonly workflowName: string;
  public readonly workflowArn: string;
  public readonly schemaName: string;
  public readonly workflow: entityresolution.CfnMatchingWorkflow;
  public readonly schemaMapping: entityresolution.CfnSchemaMapping;
  public readonly snapshotTable: glue.CfnTable;
  /** The role Entity Resolution assumes to run the workflow. */
  public readonly role: iam.Role;
  /** Exports the snapshot and starts the matching job. */
  public readonly snapshotFunction: C360Function;
  public readonly scheduleRule: events.Rule;
  public readonly outputRule: events.Rule;

  constructor(scope: Construct, id: string, props: EntityResolutionProps) {
    super(scope, id);
    const { appName, rules, lakeBucket, lakeKey, mode, removalPolicy } = props;
    const stack = Stack.of(this);
    const schedule = props.schedule ?? DEFAULT_MATCHING_SCHEDULE;
    if (!/^(cron|rate)\(.+\)$/.test(schedule)) throw new Error(`EntityResolution: schedule must be a cron(...) or rate(...) expression, got "${schedule}"`);
    const segments = props.snapshotSegments ?? 4;
    if (!Number.isInteger(segments) || segments < 1 || segments > MAX_SNAPSHOT_SEGMENTS) {
      throw new Error(`EntityResolution: snapshotSegments must be an integer from 1 to ${MAX_SNAPSHOT_SEGMENTS}, got ${segments}`);
    }
    if (mode === 'rule') {
      if (rules.rules.length === 0) throw new Error('EntityResolution: rule-based matching needs at least one matching rule');
      if (rules.rules.length > MAX_RULES) throw new Error(`EntityResolution: Entity Resolution takes at most ${MAX_RULES} rules, got ${rules.rules.length}`);
      for (const rule of rules.rules) {
        const condition = toEntityResolutionCondition(rule);
        if (condition.length > MAX_CONDITION_CHARS) {
          throw new Error(`EntityResolution: rule "${rule.name}" is ${condition.length} characters as a condition; Entity Resolution takes ${MAX_CONDITION_CHARS}`);
        }
      }
    }
    const fields = matchingFields(rules, mode);
    if (fields.length === 0) throw new Error('EntityResolution: no person field to match on');

    this.workflowName = uniquePhysicalName(this, `${appName}-profiles`, NAME_RULES.entityResolution);
    this.schemaName = uniquePhysicalName(this, `${appName}-profile-snapshot`, NAME_RULES.entityResolution);
    this.workflowArn = stack.formatArn({ service: 'entityresolution', resource: 'matchingworkflow', resourceName: this.workflowName });
    const snapshotLocation = `s3://${lakeBucket.bucketName}/${SNAPSHOT_PREFIX}`;
    const outputPath = `s3://${lakeBucket.bucketName}/${MATCH_OUTPUT_PREFIX}`;

    // --- the snapshot table --------------------------------------------------------------------

    this.snapshotTable = new glue.CfnTable(this, 'SnapshotTable', {
      catalogId: stack.account,
      databaseName: props.glueDatabaseName,
      tableInput: {
        name: SNAPSHOT_TABLE_NAME,
        description: 'Live unified profiles with their person fields, normalised: the input of Entity Resolution (rewritten by every export)',
        tableType: 'EXTERNAL_TABLE',
        parameters: { EXTERNAL: 'TRUE', classification: 'csv', 'skip.header.line.count': '1', has_encrypted_data: 'true' },
        storageDescriptor: {
          location: snapshotLocation,
          columns: SNAPSHOT_COLUMNS.map((name) => ({ name, type: 'string' })),
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
            parameters: { separatorChar: ',', quoteChar: '"', escapeChar: '\\' },
          },
        },
      },
    });
    this.snapshotTable.applyRemovalPolicy(removalPolicy);
    const tableArn = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${props.glueDatabaseName}/${SNAPSHOT_TABLE_NAME}` });

    // --- the role Entity Resolution assumes ----------------------------------------------------

    this.role = new iam.Role(this, 'WorkflowRole', {
      assumedBy: new iam.ServicePrincipal('entityresolution.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `c360 (${appName}): Entity Resolution reads the profile snapshot and writes match results`,
    });
    const snapshotObjects = lakeBucket.arnForObjects(`${SNAPSHOT_PREFIX}*`);
    const outputObjects = lakeBucket.arnForObjects(`${MATCH_OUTPUT_PREFIX}*`);
    const prefixes = (prefix: string) => [prefix, `${prefix}*`];
    const rolePolicy = new iam.Policy(this, 'WorkflowPolicy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
          resources: [
            stack.formatArn({ service: 'glue', resource: 'catalog' }),
            stack.formatArn({ service: 'glue', resource: 'database', resourceName: props.glueDatabaseName }),
            tableArn,
          ],
        }),
        new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [lakeBucket.bucketArn] }),
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [lakeBucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [...prefixes(SNAPSHOT_PREFIX), ...prefixes(MATCH_OUTPUT_PREFIX)] } },
        }),
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [snapshotObjects] }),
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [outputObjects] }),
        // Decrypt the snapshot; encrypt the results (SSE-KMS, and Entity Resolution's own encryption with KMSArn).
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:Encrypt', 'kms:DescribeKey'],
          resources: [lakeKey.keyArn],
        }),
      ],
    });
    acknowledgeWildcardResource(
      rolePolicy,
      snapshotObjects,
      `Entity Resolution reads (s3:GetObject) only the profile snapshot, the objects under "${SNAPSHOT_PREFIX}" of the lake bucket: S3 expresses a key prefix as a trailing wildcard.`,
    );
    acknowledgeWildcardResource(
      rolePolicy,
      outputObjects,
      `Entity Resolution writes (s3:PutObject) its results under "${MATCH_OUTPUT_PREFIX}" of the lake bucket only, in folders named after each job id it generates: S3 expresses a key prefix as a trailing wildcard. No read or delete there.`,
    );

    // --- schema mapping and workflow -----------------------------------------------------------

    this.schemaMapping = new entityresolution.CfnSchemaMapping(this, 'SchemaMapping', {
      schemaName: this.schemaName,
      description: `c360 (${appName}) profile snapshot: profile_id and the person fields the matching rules use`,
      mappedInputFields: schemaInputFields(fields),
    });
    this.schemaMapping.applyRemovalPolicy(removalPolicy);

    this.workflow = new entityresolution.CfnMatchingWorkflow(this, 'Workflow', {
      workflowName: this.workflowName,
      description:
        mode === 'rule'
          ? `c360 (${appName}): rule-based matching of the profile snapshot with the c360 matching rules`
          : `c360 (${appName}): machine-learning matching of the profile snapshot`,
      roleArn: this.role.roleArn,
      inputSourceConfig: [{ inputSourceArn: tableArn, schemaArn: this.schemaMapping.attrSchemaArn, applyNormalization: false }],
      outputSourceConfig: [{ outputS3Path: outputPath, kmsArn: lakeKey.keyArn, applyNormalization: false, output: [{ name: PROFILE_ID_COLUMN }] }],
      resolutionTechniques:
        mode === 'rule'
          ? {
              resolutionType: 'RULE_MATCHING',
              ruleConditionProperties: { rules: rules.rules.map((rule) => ({ ruleName: rule.name, condition: toEntityResolutionCondition(rule) })) },
            }
          : { resolutionType: 'ML_MATCHING' },
    });
    this.workflow.applyRemovalPolicy(removalPolicy);
    // The workflow's input must exist, and its role be able to read it, when it is created.
    this.workflow.node.addDependency(this.snapshotTable, rolePolicy);

    // --- the export and its schedule -----------------------------------------------------------

    this.snapshotFunction = new C360Function(this, 'SnapshotExport', {
      entry: 'lambda/unification/functions/profile-snapshot.ts',
      serviceName: 'profile-snapshot',
      description: 'Exports the live profiles as the Entity Resolution snapshot, then starts the matching job',
      memorySize: props.snapshotMemorySize ?? 1024,
      timeout: Duration.minutes(15),
      logRetention: props.logRetention,
      removalPolicy,
      ...(props.logEncryptionKey === undefined ? {} : { logEncryptionKey: props.logEncryptionKey }),
      environment: {
        [UNIFICATION_ENV.snapshotSegments]: String(segments),
        [UNIFICATION_ENV.dateOrder]: rules.normalization.dateOrder,
      },
    });
    this.snapshotFunction
      .useTable(props.table, { envVar: UNIFICATION_ENV.table, access: 'read' })
      .putObjects(lakeBucket, { envVar: UNIFICATION_ENV.lakeBucket, prefix: SNAPSHOT_PREFIX });
    // useTable grants no Scan: the export is the one reader of the whole table.
    this.snapshotFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [props.table.tableArn] }));
    if (lakeBucket.encryptionKey === undefined) lakeKey.grant(this.snapshotFunction, 'kms:GenerateDataKey', 'kms:Encrypt');
    this.startMatchingJobs(this.snapshotFunction, UNIFICATION_ENV.matchingWorkflow);

    this.scheduleRule = new events.Rule(this, 'Schedule', {
      description: `c360 (${appName}): export the profile snapshot and run Entity Resolution`,
      schedule: events.Schedule.expression(schedule),
      targets: [new targets.LambdaFunction(this.snapshotFunction, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });
    // A failed export is not retried by Lambda: the next scheduled run rewrites the whole snapshot.
    this.snapshotFunction.configureAsyncInvoke({ retryAttempts: 0 });

    // --- results → applyMatches ----------------------------------------------------------------

    props.applyMatches.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [outputObjects] }));
    // Listing a job's success/ folder: a MatchID's records may be spread over its files (readJobMatchOutput).
    props.applyMatches.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [lakeBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${MATCH_OUTPUT_PREFIX}*`] } },
      }),
    );
    props.applyMatches.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [lakeKey.keyArn] }));
    if (props.applyMatches.role !== undefined) {
      acknowledgeWildcardResource(
        props.applyMatches.role,
        outputObjects,
        `The function that applies Entity Resolution's matches reads (s3:GetObject) only its results, under "${MATCH_OUTPUT_PREFIX}" of the lake bucket in folders named after each job id: S3 expresses a key prefix as a trailing wildcard.`,
      );
    }
    this.outputRule = new events.Rule(this, 'MatchOutput', {
      description: `c360 (${appName}): apply the matches of each Entity Resolution results file`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [lakeBucket.bucketName] },
          object: { key: events.Match.wildcard(`${MATCH_OUTPUT_PREFIX}*/success/*`) },
        },
      },
      targets: [new targets.LambdaFunction(props.applyMatches, { retryAttempts: 8, maxEventAge: Duration.hours(6) })],
    });
  }

  /** The workflow's name in `envVar`, and starting and listing the jobs of that workflow only. */
  private startMatchingJobs(fn: lambda.Function, envVar: string): void {
    fn.addEnvironment(envVar, this.workflowName);
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['entityresolution:StartMatchingJob', 'entityresolution:ListMatchingJobs'], resources: [this.workflowArn] }),
    );
  }
}
