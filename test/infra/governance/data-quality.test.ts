/** DataQuality on its own: rulesets from the config's rules, the scheduled run, the failure rule, least-privilege roles, cdk-nag. */
import { readFileSync } from 'node:fs';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { EXPORT_TABLES } from '../../../lambda/analytics/contracts/curated';
import { parseConfig, type C360ConfigInput } from '../../../lambda/config';
import { QUALITY_ENV, type QualityRuleset } from '../../../lambda/governance/contracts/quality-dqdl';
import { DataKey } from '../../../lib/constructs/common/data-key';
import { AccessLogsBucket, DataBucket } from '../../../lib/constructs/common/secure-bucket';
import { toRemovalPolicy } from '../../../lib/constructs/common/removal-policy';
import { DataQuality } from '../../../lib/constructs/governance/data-quality';
import { actionsOf, logicalId, roleStatements, SYNTH_TIMEOUT_MS, type PolicyStatement } from '../../support/infra-fixture';

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
const ALL_TABLES = ['raw_events', 'quarantine', ...EXPORT_TABLES, 'segment_events'];

function build(input: C360ConfigInput = {}, tableNames: readonly string[] = ALL_TABLES) {
  const config = parseConfig(input);
  const removalPolicy = toRemovalPolicy(config.removalPolicy);
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'DataQualityTest', { env: { account: '123456789012', region: 'eu-west-1' } });
  const lakeKey = new DataKey(stack, 'LakeKey', { description: 'lake', removalPolicy });
  const curatedKey = new DataKey(stack, 'CuratedKey', { description: 'curated', removalPolicy });
  const governanceKey = new DataKey(stack, 'GovernanceKey', { description: 'governance', removalPolicy });
  const accessLogsBucket = new AccessLogsBucket(stack, 'AccessLogs', { removalPolicy });
  const bucket = (id: string, encryptionKey: DataKey) => new DataBucket(stack, id, { encryptionKey, accessLogsBucket, accessLogsPrefix: `${id.toLowerCase()}/`, removalPolicy });
  const lakeBucket = bucket('Lake', lakeKey);
  const curatedBucket = bucket('Curated', curatedKey);
  const resultsBucket = bucket('Governance', governanceKey);
  const alarmTopic = new sns.Topic(stack, 'Alarms', { masterKey: governanceKey, enforceSSL: true });
  const quality = new DataQuality(stack, 'DataQuality', {
    config,
    lakeDatabaseName: 'c360_lake',
    tableNames,
    lakeBucket,
    lakeKey,
    curatedBucket,
    curatedKey,
    resultsBucket,
    governanceKey,
    alarmTopic,
  });
  app.synth();
  return { app, stack, quality, lakeBucket, curatedBucket, resultsBucket, template: Template.fromStack(stack) };
}

const rulesetsOf = (t: Template) => Object.values(t.findResources('AWS::Glue::DataQualityRuleset')).map((r) => r.Properties as { Name: string; Ruleset: string; TargetTable: { DatabaseName: string; TableName: string } });
const flat = (statements: PolicyStatement[]) => JSON.stringify(statements);

describe('DataQuality', () => {
  const b = build();

  it('declares one ruleset per table and severity with rules, targeting the Glue table', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const rulesets = rulesetsOf(b.template);
    expect(rulesets.map((r) => `${r.TargetTable.TableName}:${r.Name.split('-').pop()}`).sort()).toEqual(
      ['identities:error', 'profiles:error', 'profiles:warn', 'quarantine:error', 'quarantine:warn', 'raw_events:error', 'raw_events:warn', 'segment_membership:error'].sort(),
    );
    for (const r of rulesets) expect(r.TargetTable.DatabaseName).toBe('c360_lake');
    const rawError = rulesets.find((r) => r.TargetTable.TableName === 'raw_events' && r.Name.endsWith('-error'));
    expect(rawError?.Ruleset).toMatch(/^Rules = \[\n  IsComplete "messageid",\n  ColumnValues "type" in \["track", "identify", "page", "screen", "group", "alias"\],\n  ColumnValues "timestamp" matches "\^.*" with threshold >= 0\.99\n\]$/);
    const rawWarn = rulesets.find((r) => r.TargetTable.TableName === 'raw_events' && r.Name.endsWith('-warn'));
    expect(rawWarn?.Ruleset).toContain('Uniqueness "messageid" >= 0.99');
    const quarantineWarn = rulesets.find((r) => r.TargetTable.TableName === 'quarantine' && r.Name.endsWith('-warn'));
    // The other table a customSql rule reads is qualified with the database.
    expect(quarantineWarn?.Ruleset).toContain('from c360_lake.raw_events where dt >=');
    expect(quarantineWarn?.Ruleset).toContain('FROM primary');
  });

  it('deploys no ruleset for a table that does not exist and tells which', () => {
    const only = build({}, ['raw_events', 'quarantine']);
    expect(rulesetsOf(only.template).map((r) => r.TargetTable.TableName).sort()).toEqual(['quarantine', 'quarantine', 'raw_events', 'raw_events']);
    expect(only.quality.skippedTables).toEqual(['profiles', 'identities', 'segment_membership']);
  });

  it('runs the rulesets from a function on the configured schedule, with what it needs in its environment', () => {
    const fn = b.template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { [QUALITY_ENV.database]: 'c360_lake' } } } });
    const vars = (Object.values(fn)[0]?.Properties.Environment.Variables ?? {}) as Record<string, unknown>;
    const rulesets = JSON.parse(vars[QUALITY_ENV.rulesets] as string) as QualityRuleset[];
    expect(rulesets).toEqual(b.quality.rulesets);
    expect(rulesets).toHaveLength(8);
    expect(vars[QUALITY_ENV.roleArn]).toEqual({ 'Fn::GetAtt': [logicalId(b.quality.role as never), 'Arn'] });
    expect(vars[QUALITY_ENV.resultsBucket]).toEqual({ Ref: logicalId(b.resultsBucket) });
    b.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)', Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(b.quality.runFunction), 'Arn'] } })] });
    build({ governance: { quality: { everyHours: 6 } } }).template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(6 hours)' });
  });

  it('sends a FAILED result of an error ruleset to the alarm topic with ruleset, table and score; warn rulesets never', () => {
    const errors = b.quality.rulesets.filter((r) => r.severity === 'error').map((r) => r.name);
    const rules = b.template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.glue-dataquality'] } } });
    const rule = Object.values(rules)[0]?.Properties as { EventPattern: Record<string, unknown>; Targets: Array<{ InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }> };
    expect(rule.EventPattern).toEqual({ source: ['aws.glue-dataquality'], 'detail-type': ['Data Quality Evaluation Results Available'], detail: { state: ['FAILED'], rulesetNames: errors } });
    expect(Object.values(rule.Targets[0]?.InputTransformer.InputPathsMap ?? {})).toEqual(
      expect.arrayContaining(['$.detail.rulesetNames', '$.detail.context.tableName', '$.detail.score']),
    );
    expect(JSON.stringify(rule.Targets[0]?.InputTransformer.InputTemplate)).toMatch(/table\W+<detail-context-tableName>.*score\W+<detail-score>/);
  });

  it('lets the Data Quality role read only the checked tables\' objects and catalog, write results under quality/ only', () => {
    const statements = roleStatements(b.template, logicalId(b.quality.role as never));
    const text = flat(statements);
    expect([...new Set(actionsOf(statements))].sort()).toEqual(
      ['cloudwatch:PutMetricData', 'glue:GetDataQualityRuleset', 'glue:GetDatabase', 'glue:GetPartition', 'glue:GetPartitions', 'glue:GetTable', 'glue:PublishDataQuality', 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:ListBucket', 's3:PutObject'].sort(),
    );
    for (const prefix of ['/raw/*', '/quarantine/*', '/exports/profiles/*', '/exports/identities/*', '/exports/segment_membership/*', '/quality/*']) expect(text).toContain(prefix);
    expect(text).not.toContain('/exports/identity_merges/*');
    expect(text).not.toContain('segment_events');
    const metrics = statements.find((s) => s.Action === 'cloudwatch:PutMetricData') as PolicyStatement & { Condition?: unknown };
    expect(metrics.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'Glue Data Quality' } });
    b.template.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'glue.amazonaws.com' } })] } });
  });

  it('lets the run function start runs of its rulesets only, pass the Data Quality role to Glue only, and list the export tables\' partitions', () => {
    const role = b.quality.runFunction.role;
    const statements = roleStatements(b.template, logicalId(role as never));
    const start = statements.find((s) => s.Action === 'glue:StartDataQualityRulesetEvaluationRun');
    expect(JSON.stringify(start?.Resource)).toContain('dataQualityRuleset/');
    expect((start?.Resource as unknown[]).length).toBe(8);
    const pass = statements.find((s) => s.Action === 'iam:PassRole') as PolicyStatement & { Condition?: unknown };
    expect(pass.Resource).toEqual({ 'Fn::GetAtt': [logicalId(b.quality.role as never), 'Arn'] });
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'glue.amazonaws.com' } });
    const partitions = JSON.stringify(statements.find((s) => s.Action === 'glue:GetPartitions')?.Resource);
    expect(partitions).toContain('c360_lake/profiles');
    expect(partitions).not.toContain('c360_lake/raw_events');
    expect(actionsOf(statements)).not.toContain('glue:*');
  });

  it('passes cdk-nag AwsSolutions with each finding acknowledged on its resource, and adds no warning', () => {
    const report = new AwsSolutionsChecks().validateScope(b.stack);
    const findings = report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
    const acks = b.quality.node.findAll().flatMap((scope) =>
      scope.node.metadata.filter((e) => e.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).flatMap((e) => Object.entries(e.data as Record<string, string>)),
    );
    expect(acks.map(([id]) => id)).not.toContain('AwsSolutions-IAM5');
    for (const [, reason] of acks) expect(reason.length).toBeGreaterThan(60);
    expect(Annotations.fromStack(b.stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});
