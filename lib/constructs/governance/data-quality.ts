/** Glue Data Quality over the lake's tables: rulesets from the config, a scheduled evaluation run, results to S3 and CloudWatch, failures to the alarm topic. */
import { lakeReaderRolePath } from '../common/governed-lake';
import { ArnFormat, Duration, Names, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { exportTablePrefix, EXPORT_TABLES, SEGMENT_EVENTS_PREFIX, type ExportTable } from '../../../lambda/analytics/contracts/curated';
import { QUARANTINE_ZONE, RAW_ZONE } from '../../../lambda/collection/contracts/lake-layout';
import type { C360Config } from '../../../lambda/config';
import { effectiveQualityRules, QUALITY_SEVERITIES, QUALITY_TABLE_NAMES, TABLE_REFERENCE, type QualityTableName } from '../../../lambda/config/governance-quality';
import { dqdlRuleset, QUALITY_ENV, RESULTS_PREFIX, rulesetName, rulesetRules, type QualityRuleset } from '../../../lambda/governance/contracts/quality-dqdl';
import { C360Function } from '../common/c360-function';
import type { IDataKey } from '../common/data-key';
import { acknowledgeWildcardResource } from '../common/nag';
import { toRemovalPolicy, toRetentionDays } from '../common/removal-policy';

/** The results event of Glue Data Quality (EventBridge, source aws.glue-dataquality). */
export const RESULTS_EVENT_SOURCE = 'aws.glue-dataquality';
export const RESULTS_EVENT_DETAIL_TYPE = 'Data Quality Evaluation Results Available';
/** The CloudWatch namespace Glue Data Quality publishes its metrics in. */
export const QUALITY_METRICS_NAMESPACE = 'Glue Data Quality';
/** What the Data Quality role reads in the catalog. */
export const QUALITY_CATALOG_ACTIONS = ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'] as const;

export interface DataQualityProps {
  readonly config: C360Config;
  /** The lake's Glue database (raw, quarantine and curated tables). */
  readonly lakeDatabaseName: string;
  /** The Glue tables that exist in it: rules of other tables are not deployed. */
  readonly tableNames: readonly string[];
  /** The lake bucket (`raw/`, `quarantine/`) and its key. */
  readonly lakeBucket: s3.IBucket;
  readonly lakeKey: kms.IKey;
  /** The curated bucket (`exports/`, `segment_events/`) and its key. */
  readonly curatedBucket: s3.IBucket;
  readonly curatedKey: kms.IKey;
  /** The governance bucket: evaluation results under `quality/`. */
  readonly resultsBucket: s3.IBucket;
  /** The governance key: the results bucket's, and the run function's log group (it must let CloudWatch Logs use it). */
  readonly governanceKey: kms.IKey;
  /** Where a failed `error` ruleset is reported. Its key policy must let EventBridge (events.amazonaws.com) use the key. */
  readonly alarmTopic: sns.ITopic;
}

const pascal = (name: string) =>
  name
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/** Where a table's objects are: its bucket (lake or curated) and key prefix. */
function tableLocation(table: QualityTableName): { zone: 'lake' | 'curated'; prefix: string } {
  if (table === 'raw_events') return { zone: 'lake', prefix: `${RAW_ZONE}/` };
  if (table === 'quarantine') return { zone: 'lake', prefix: `${QUARANTINE_ZONE}/` };
  if (table === 'segment_events') return { zone: 'curated', prefix: SEGMENT_EVENTS_PREFIX };
  if ((EXPORT_TABLES as readonly string[]).includes(table)) return { zone: 'curated', prefix: exportTablePrefix(table as ExportTable) };
  throw new Error(`DataQuality: no location known for table ${table}`);
}

/**
 * Glue Data Quality over the lake's tables, from `governance.quality`.
 *
 * - One `AWS::Glue::DataQualityRuleset` per table and severity (DQDL from
 *   lambda/governance/contracts/quality-dqdl.ts), targeting the Glue table.
 *   Tables not in `tableNames` get none.
 * - A function (lambda/governance/functions/quality-run.ts) on an
 *   EventBridge schedule every `everyHours` starts one evaluation run per
 *   ruleset over the table's latest partition (pushDownPredicate: the day
 *   tables' last two days, the export tables' latest export), with results
 *   to `quality/` of the governance bucket and CloudWatch metrics on.
 * - An EventBridge rule on Glue's results event: an `error` ruleset whose
 *   evaluation FAILED is sent to the alarm topic (ruleset, table, score).
 *   `warn` rulesets are recorded only.
 *
 * `role` is the role Glue Data Quality runs as: read access to the tables'
 * catalog entries and objects (and their keys), writes under `quality/`,
 * its metrics and logs. Lake Formation permissions on the tables are granted
 * to it elsewhere, where the lake's permissions are.
 */
export class DataQuality extends Construct {
  /** The role Glue Data Quality runs as. */
  public readonly role: iam.IRole;
  /** The deployed rulesets, in table order (error before warn). */
  public readonly rulesets: readonly QualityRuleset[];
  public readonly rulesetResources: ReadonlyMap<string, glue.CfnDataQualityRuleset>;
  /** Tables with rules in the config but no Glue table (`tableNames`): nothing is deployed for them. */
  public readonly skippedTables: readonly QualityTableName[];
  public readonly runFunction: C360Function;
  public readonly schedule: events.Rule;
  /** Glue's results event of a failed error ruleset → the alarm topic. */
  public readonly failureRule: events.Rule;

  constructor(scope: Construct, id: string, props: DataQualityProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config, lakeDatabaseName: database } = props;
    const quality = config.governance.quality;
    const existing = new Set(props.tableNames);
    const allRules = effectiveQualityRules(quality);
    const rules = allRules.filter((r) => existing.has(r.table));
    this.skippedTables = [...new Set(allRules.filter((r) => !existing.has(r.table)).map((r) => r.table))];

    // --- rulesets -----------------------------------------------------------------------------------
    const prefix = Names.uniqueResourceName(this, { maxLength: 180, separator: '-' });
    const rulesets: QualityRuleset[] = [];
    const resources = new Map<string, glue.CfnDataQualityRuleset>();
    for (const table of QUALITY_TABLE_NAMES) {
      for (const severity of QUALITY_SEVERITIES) {
        const these = rulesetRules(rules, table, severity);
        if (these.length === 0) continue;
        const name = rulesetName(prefix, table, severity);
        const resource = new glue.CfnDataQualityRuleset(this, `${pascal(table)}${pascal(severity)}Ruleset`, {
          name,
          description: `c360 ${severity} rules of ${table}: ${these.map((r) => r.name).join(', ')}`.slice(0, 2048),
          ruleset: dqdlRuleset(these, database),
          targetTable: { databaseName: database, tableName: table },
        });
        rulesets.push({ table, severity, name });
        resources.set(name, resource);
      }
    }
    this.rulesets = rulesets;
    this.rulesetResources = resources;
    const rulesetArn = (name: string) => stack.formatArn({ service: 'glue', resource: 'dataQualityRuleset', resourceName: name });
    const rulesetArns = rulesets.map((r) => rulesetArn(r.name));

    // The tables the runs read: the rulesets' own and those their customSql rules name.
    const read = new Set<QualityTableName>(rules.map((r) => r.table));
    for (const { rule } of rules) {
      if (rule.kind === 'customSql') for (const m of rule.sql.matchAll(TABLE_REFERENCE)) if (existing.has(m[1] as string)) read.add(m[1] as QualityTableName);
    }
    const tablesRead = QUALITY_TABLE_NAMES.filter((t) => read.has(t));
    const catalogArns = [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: database }),
    ];
    const tableArn = (table: string) => stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${database}/${table}` });

    // --- the Data Quality role ----------------------------------------------------------------------
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: 'c360 governance: Glue Data Quality evaluation runs over the lake tables',
      // Evaluation runs read the objects themselves: a lake reader, exempt from the buckets' deny of direct reads.
      path: lakeReaderRolePath(config.appName),
    });
    this.role = role;
    role.addToPolicy(new iam.PolicyStatement({ actions: [...QUALITY_CATALOG_ACTIONS], resources: [...catalogArns, ...tablesRead.map(tableArn)] }));
    if (rulesetArns.length > 0) {
      role.addToPolicy(new iam.PolicyStatement({ actions: ['glue:GetDataQualityRuleset', 'glue:PublishDataQuality'], resources: rulesetArns }));
    }
    for (const zone of ['lake', 'curated'] as const) {
      const prefixes = tablesRead.map(tableLocation).filter((l) => l.zone === zone).map((l) => l.prefix);
      if (prefixes.length === 0) continue;
      const bucket = zone === 'lake' ? props.lakeBucket : props.curatedBucket;
      const key = zone === 'lake' ? props.lakeKey : props.curatedKey;
      const objects = prefixes.map((p) => bucket.arnForObjects(`${p}*`));
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objects }));
      role.addToPolicy(
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } } }),
      );
      role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [key.keyArn] }));
      for (const o of objects) {
        acknowledgeWildcardResource(role, o, `Object reads under one table's prefix of the ${zone} bucket, the rows a Data Quality run checks: S3 expresses a key prefix only as a trailing wildcard. No write or delete.`);
      }
    }
    const results = props.resultsBucket.arnForObjects(`${RESULTS_PREFIX}*`);
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [results] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Encrypt'], resources: [props.governanceKey.keyArn] }));
    acknowledgeWildcardResource(role, results, `Writes of the evaluation results under the "${RESULTS_PREFIX}" prefix of the governance bucket only: S3 expresses a key prefix only as a trailing wildcard. No read or delete.`);
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['cloudwatch:PutMetricData'], resources: ['*'], conditions: { StringEquals: { 'cloudwatch:namespace': QUALITY_METRICS_NAMESPACE } } }),
    );
    const logGroups = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws-glue/data-quality/*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroups] }));
    acknowledgeWildcardResource(role, '*', `cloudwatch:PutMetricData supports no resource-level permission; the statement is limited to the "${QUALITY_METRICS_NAMESPACE}" namespace by the cloudwatch:namespace condition.`);
    acknowledgeWildcardResource(role, logGroups, 'Glue Data Quality writes its run logs to log groups it names under /aws-glue/data-quality/ (error, output): the wildcard covers those only.');

    // --- the scheduled run ---------------------------------------------------------------------------
    if ('allowCloudWatchLogs' in props.governanceKey) (props.governanceKey as IDataKey).allowCloudWatchLogs();
    this.runFunction = new C360Function(this, 'RunFunction', {
      entry: 'lambda/governance/functions/quality-run.ts',
      serviceName: 'quality-run',
      description: 'Starts the Glue Data Quality evaluation runs of the c360 rulesets over the latest partitions',
      timeout: Duration.minutes(2),
      logRetention: toRetentionDays(config.logRetentionDays),
      removalPolicy: toRemovalPolicy(config.removalPolicy),
      logEncryptionKey: props.governanceKey,
      environment: {
        [QUALITY_ENV.database]: database,
        [QUALITY_ENV.roleArn]: role.roleArn,
        [QUALITY_ENV.resultsBucket]: props.resultsBucket.bucketName,
        [QUALITY_ENV.rulesets]: JSON.stringify(rulesets),
      },
    });
    if (rulesetArns.length > 0) {
      this.runFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['glue:StartDataQualityRulesetEvaluationRun'], resources: rulesetArns }));
    }
    // The run finds an export table's latest export in its partitions; a day table's is the day of the run.
    const runTables = [...new Set(rulesets.map((r) => r.table))];
    const exportTablesRun = runTables.filter((t) => (EXPORT_TABLES as readonly string[]).includes(t));
    if (runTables.length > 0) {
      this.runFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['glue:GetTable'], resources: [...catalogArns, ...runTables.map(tableArn)] }));
    }
    if (exportTablesRun.length > 0) {
      this.runFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['glue:GetPartitions'], resources: [...catalogArns, ...exportTablesRun.map(tableArn)] }));
    }
    this.runFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [role.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'glue.amazonaws.com' } } }),
    );

    this.schedule = new events.Rule(this, 'Schedule', {
      description: `c360 governance: evaluate the data-quality rulesets every ${quality.everyHours} hours`,
      schedule: events.Schedule.rate(Duration.hours(quality.everyHours)),
      targets: [new targets.LambdaFunction(this.runFunction, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });

    // --- failures to the alarm topic -----------------------------------------------------------------
    const errorRulesets = rulesets.filter((r) => r.severity === 'error').map((r) => r.name);
    this.failureRule = new events.Rule(this, 'FailureRule', {
      description: 'c360 governance: a data-quality ruleset of severity error failed',
      enabled: errorRulesets.length > 0,
      eventPattern: {
        source: [RESULTS_EVENT_SOURCE],
        detailType: [RESULTS_EVENT_DETAIL_TYPE],
        detail: { state: ['FAILED'], rulesetNames: errorRulesets.length > 0 ? errorRulesets : [`${prefix}-none`] },
      },
      targets: [
        new targets.SnsTopic(props.alarmTopic, {
          message: events.RuleTargetInput.fromObject({
            alarm: 'c360 data quality: a ruleset of severity error failed',
            rulesets: events.EventField.fromPath('$.detail.rulesetNames'),
            database: events.EventField.fromPath('$.detail.context.databaseName'),
            table: events.EventField.fromPath('$.detail.context.tableName'),
            score: events.EventField.fromPath('$.detail.score'),
            runId: events.EventField.fromPath('$.detail.context.runId'),
            results: `s3://${props.resultsBucket.bucketName}/${RESULTS_PREFIX}`,
          }),
        }),
      ],
    });
  }
}
