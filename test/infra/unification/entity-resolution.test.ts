import { readFileSync } from 'node:fs';
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseMatchingRules, toEntityResolutionCondition, type MatchingRulesInput } from '../../../lambda/config/unification/matching';
import { SNAPSHOT_COLUMNS } from '../../../lambda/unification/contracts/snapshot';
import { parseConfig, type C360ConfigInput } from '../../../lambda/config';
import { DataKey } from '../../../lib/constructs/common/data-key';
import { toRemovalPolicy, toRetentionDays } from '../../../lib/constructs/common/removal-policy';
import {
  DEFAULT_MATCHING_SCHEDULE,
  EntityResolution,
  matchingFields,
  schemaInputFields,
  type EntityResolutionProps,
} from '../../../lib/constructs/unification/entity-resolution';
import { AccessLogsBucket, DataBucket } from '../../../lib/constructs/common/secure-bucket';
import { actionsOf, logicalId, roleStatements, SYNTH_TIMEOUT_MS, type PolicyStatement } from '../../support/infra-fixture';

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

interface BuildOptions {
  readonly rules?: MatchingRulesInput;
  readonly config?: C360ConfigInput;
  readonly props?: Partial<EntityResolutionProps>;
}

/** A throwaway stack: lake key and bucket, a profile table, a stub applyMatches function, and the construct. */
function build(options: BuildOptions = {}) {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'EntityResolutionTest', { env: { account: '123456789012', region: 'eu-west-1' } });
  const config = parseConfig({ appName: 'acme', ...options.config });
  const lakeKey = new DataKey(stack, 'LakeKey', { description: 'test lake', removalPolicy: RemovalPolicy.DESTROY });
  const lakeBucket = new DataBucket(stack, 'Lake', {
    encryptionKey: lakeKey,
    accessLogsBucket: new AccessLogsBucket(stack, 'AccessLogs', { removalPolicy: RemovalPolicy.DESTROY }),
    accessLogsPrefix: 'lake/',
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const tableKey = new DataKey(stack, 'TableKey', { description: 'test table', removalPolicy: RemovalPolicy.DESTROY });
  const table = new dynamodb.Table(stack, 'Profiles', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: tableKey,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const applyMatches = new lambda.Function(stack, 'ApplyMatches', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
  Validations.of(applyMatches).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'Test stub standing in for the stack owner’s applyMatches function (a C360Function in the app); its runtime is not under test here.',
  });
  Validations.of(applyMatches.role!).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'Test stub standing in for the stack owner’s applyMatches function (a C360Function in the app, which has no managed policy).',
  });
  const rules = parseMatchingRules(options.rules ?? {});
  const er = new EntityResolution(stack, 'EntityResolution', {
    // As the unification stack maps the config.
    appName: config.appName,
    removalPolicy: toRemovalPolicy(config.removalPolicy),
    logRetention: toRetentionDays(config.logRetentionDays),
    rules,
    lakeBucket,
    lakeKey,
    table,
    glueDatabaseName: 'acme_lake',
    mode: 'rule',
    applyMatches,
    ...options.props,
  });
  app.synth();
  return { app, stack, er, rules, lakeKey, lakeBucket, table, applyMatches, template: Template.fromStack(stack) };
}

type Built = ReturnType<typeof build>;
const only = <T,>(record: Record<string, T>): T => {
  const values = Object.values(record);
  expect(values).toHaveLength(1);
  return values[0] as T;
};
const props = (t: Built, type: string) => only(t.template.findResources(type)).Properties as Record<string, any>;
const statementsOf = (t: Built, roleId: string) => roleStatements(t.template, roleId);
const resources = (s: PolicyStatement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
const objectArn = (t: Built, prefix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(t.lakeBucket), 'Arn'] }, `/${prefix}`]] });

describe('EntityResolution (rule-based, default rules)', () => {
  let t: Built;
  beforeAll(() => {
    t = build();
  }, SYNTH_TIMEOUT_MS);

  it('generates the schema mapping from the person fields the rules use: types, one match key per field', () => {
    const mapping = props(t, 'AWS::EntityResolution::SchemaMapping');
    expect(mapping.SchemaName).toMatch(/^acme-profile-snapshot-[0-9a-f]{8}$/);
    expect(mapping.SchemaName).toBe(t.er.schemaName);
    expect(mapping.MappedInputFields).toEqual([
      { FieldName: 'profile_id', Type: 'UNIQUE_ID' },
      { FieldName: 'first_name', Type: 'NAME_FIRST', MatchKey: 'firstName' },
      { FieldName: 'last_name', Type: 'NAME_LAST', MatchKey: 'lastName' },
      { FieldName: 'date_of_birth', Type: 'DATE', MatchKey: 'dateOfBirth' },
      { FieldName: 'national_id', Type: 'STRING', MatchKey: 'nationalId' },
      { FieldName: 'email', Type: 'EMAIL_ADDRESS', MatchKey: 'email' },
    ]);
    // No groups: each field is matched alone, as the rules compare them.
    for (const field of mapping.MappedInputFields as Array<Record<string, unknown>>) expect(field.GroupName).toBeUndefined();
  });

  it('makes one Advanced rule per matching rule, its condition toEntityResolutionCondition of the rule', () => {
    const workflow = props(t, 'AWS::EntityResolution::MatchingWorkflow');
    expect(workflow.WorkflowName).toMatch(/^acme-profiles-[0-9a-f]{8}$/);
    expect(workflow.WorkflowName).toBe(t.er.workflowName);
    expect(workflow.ResolutionTechniques).toEqual({
      ResolutionType: 'RULE_MATCHING',
      RuleConditionProperties: { Rules: t.rules.rules.map((r) => ({ RuleName: r.name, Condition: toEntityResolutionCondition(r) })) },
    });
    expect(workflow.ResolutionTechniques.RuleConditionProperties.Rules[0]).toEqual({
      RuleName: 'nationalId-dateOfBirth',
      Condition: 'Exact(nationalId) AND Exact(dateOfBirth)',
    });
  });

  it('reads the snapshot table and writes profile_id with the match metadata under entity-resolution/output/, encrypted with the lake key', () => {
    const workflow = props(t, 'AWS::EntityResolution::MatchingWorkflow');
    const table = only(t.template.findResources('AWS::Glue::Table'));
    expect(workflow.InputSourceConfig).toEqual([
      {
        InputSourceARN: 'arn:aws:glue:eu-west-1:123456789012:table/acme_lake/profile_snapshot',
        SchemaArn: { 'Fn::GetAtt': [Object.keys(t.template.findResources('AWS::EntityResolution::SchemaMapping'))[0], 'SchemaArn'] },
        ApplyNormalization: false,
      },
    ]);
    expect(table).toBeDefined();
    expect(workflow.OutputSourceConfig).toEqual([
      {
        OutputS3Path: { 'Fn::Join': ['', ['s3://', { Ref: logicalId(t.lakeBucket) }, '/entity-resolution/output/']] },
        KMSArn: { 'Fn::GetAtt': [logicalId(t.lakeKey), 'Arn'] },
        ApplyNormalization: false,
        Output: [{ Name: 'profile_id' }],
      },
    ]);
    expect(workflow.RoleArn).toEqual({ 'Fn::GetAtt': [logicalId(t.er.role), 'Arn'] });
  });

  it('declares the profile_snapshot Glue table over profiles/snapshot/ as CSV with a header line', () => {
    const table = props(t, 'AWS::Glue::Table');
    expect(table.DatabaseName).toBe('acme_lake');
    const input = table.TableInput;
    expect(input.Name).toBe('profile_snapshot');
    expect(input.Parameters).toMatchObject({ classification: 'csv', 'skip.header.line.count': '1' });
    expect(input.StorageDescriptor.Location).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: logicalId(t.lakeBucket) }, '/profiles/snapshot/']] });
    expect(input.StorageDescriptor.Columns).toEqual(SNAPSHOT_COLUMNS.map((Name) => ({ Name, Type: 'string' })));
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.serde2.OpenCSVSerde');
  });

  it('lets Entity Resolution read only the snapshot (table and prefix) and write only the output prefix', () => {
    const role = only(t.template.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'entityresolution.amazonaws.com' } }] } } }));
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({ StringEquals: { 'aws:SourceAccount': '123456789012' } });
    const statements = statementsOf(t, logicalId(t.er.role));
    const byAction = (action: string) => statements.filter((s) => actionsOf([s]).includes(action));
    expect(byAction('s3:GetObject').flatMap(resources)).toEqual([objectArn(t, 'profiles/snapshot/*')]);
    expect(byAction('s3:PutObject').flatMap(resources)).toEqual([objectArn(t, 'entity-resolution/output/*')]);
    expect(byAction('s3:ListBucket')[0]).toMatchObject({
      Condition: { StringLike: { 's3:prefix': ['profiles/snapshot/', 'profiles/snapshot/*', 'entity-resolution/output/', 'entity-resolution/output/*'] } },
    });
    expect(byAction('glue:GetTable').flatMap(resources)).toContainEqual('arn:aws:glue:eu-west-1:123456789012:table/acme_lake/profile_snapshot');
    expect(byAction('kms:Decrypt').flatMap(resources)).toEqual([{ 'Fn::GetAtt': [logicalId(t.lakeKey), 'Arn'] }]);
    const all = actionsOf(statements);
    expect(all.filter((a) => /\*|Delete|glue:(Create|Update)/.test(a))).toEqual([]);
    for (const s of statements) for (const r of resources(s)) expect(r).not.toBe('*');
  });

  it('runs the export on the default schedule; the export scans the table, writes only the snapshot prefix and starts the workflow', () => {
    const fnId = logicalId(t.er.snapshotFunction);
    t.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: DEFAULT_MATCHING_SCHEDULE,
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } })],
    });
    const fn = t.template.findResources('AWS::Lambda::Function')[fnId]!.Properties;
    expect(fn.Environment.Variables).toMatchObject({
      TABLE_NAME: { Ref: logicalId(t.table) },
      LAKE_BUCKET: { Ref: logicalId(t.lakeBucket) },
      SNAPSHOT_SEGMENTS: '4',
      MATCHING_WORKFLOW_NAME: t.er.workflowName,
      DATE_ORDER: 'MDY',
    });
    const statements = statementsOf(t, (fn.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]);
    const scan = statements.filter((s) => actionsOf([s]).includes('dynamodb:Scan'));
    expect(scan.flatMap(resources)).toEqual([{ 'Fn::GetAtt': [logicalId(t.table), 'Arn'] }]);
    expect(statements.filter((s) => actionsOf([s]).includes('s3:PutObject')).flatMap(resources)).toEqual([objectArn(t, 'profiles/snapshot/*')]);
    const start = statements.filter((s) => actionsOf([s]).includes('entityresolution:StartMatchingJob'));
    expect(start.flatMap(resources)).toEqual([
      `arn:aws:entityresolution:eu-west-1:123456789012:matchingworkflow/${t.er.workflowName}`,
    ]);
    expect(actionsOf(statements).filter((a) => a.startsWith('s3:') && a !== 's3:PutObject')).toEqual([]);
  });

  it('invokes applyMatches for results files under a success folder, and lets it read only the output prefix', () => {
    t.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [{ Ref: logicalId(t.lakeBucket) }] },
          object: { key: [{ wildcard: 'entity-resolution/output/*/success/*' }] },
        },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(t.applyMatches), 'Arn'] } })],
    });
    const roleId = logicalId(t.applyMatches.role as never);
    const statements = statementsOf(t, roleId);
    expect(statements.filter((s) => actionsOf([s]).includes('s3:GetObject')).flatMap(resources)).toEqual([objectArn(t, 'entity-resolution/output/*')]);
    expect(statements.filter((s) => actionsOf([s]).includes('s3:ListBucket'))).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [logicalId(t.lakeBucket), 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['entity-resolution/output/*'] } },
      },
    ]);
    expect(statements.filter((s) => actionsOf([s]).includes('kms:Decrypt')).flatMap(resources)).toEqual([{ 'Fn::GetAtt': [logicalId(t.lakeKey), 'Arn'] }]);
    expect(actionsOf(statements).filter((a) => /^s3:(Put|Delete)/.test(a))).toEqual([]);
  });

  it('sets the removal policy of every stateful resource from the config (retain by default)', () => {
    for (const type of ['AWS::Glue::Table', 'AWS::EntityResolution::SchemaMapping', 'AWS::EntityResolution::MatchingWorkflow', 'AWS::Logs::LogGroup']) {
      for (const resource of Object.values(t.template.findResources(type))) {
        if (type === 'AWS::Logs::LogGroup' && !JSON.stringify(resource).includes('SnapshotExport')) continue;
        expect(resource.DeletionPolicy, type).toBe('Retain');
      }
    }
  });

  it('has no unacknowledged cdk-nag finding and no CDK error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(t.stack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    const annotations = Annotations.fromStack(t.stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('EntityResolution options', () => {
  it('follows the rules config: fields, fuzzy conditions and the date order', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const t = build({
      rules: {
        rules: [
          { name: 'phone-lastName', conditions: [{ field: 'phone' }, { field: 'lastName', comparator: 'levenshtein', threshold: 2 }] },
          { name: 'email-city', conditions: [{ field: 'email' }, { field: 'city', comparator: 'cosine', threshold: 80 }, { field: 'firstName', comparator: 'soundex' }] },
        ],
        normalization: { dateOrder: 'DMY' },
      },
      config: { removalPolicy: 'destroy' },
      props: { schedule: 'rate(6 hours)', snapshotSegments: 8 },
    });
    expect(props(t, 'AWS::EntityResolution::SchemaMapping').MappedInputFields).toEqual(schemaInputFields(matchingFields(t.rules, 'rule')).map((f) => ({
      FieldName: f.fieldName,
      Type: f.type,
      ...(f.matchKey === undefined ? {} : { MatchKey: f.matchKey }),
    })));
    expect(matchingFields(t.rules, 'rule')).toEqual(['firstName', 'lastName', 'city', 'email', 'phone']);
    expect(props(t, 'AWS::EntityResolution::SchemaMapping').MappedInputFields).toContainEqual({ FieldName: 'phone', Type: 'PHONE_NUMBER', MatchKey: 'phone' });
    expect(props(t, 'AWS::EntityResolution::SchemaMapping').MappedInputFields).toContainEqual({ FieldName: 'city', Type: 'ADDRESS_CITY', MatchKey: 'city' });
    expect(props(t, 'AWS::EntityResolution::MatchingWorkflow').ResolutionTechniques.RuleConditionProperties.Rules).toEqual([
      { RuleName: 'phone-lastName', Condition: 'Exact(phone) AND Levenshtein(lastName, 2)' },
      { RuleName: 'email-city', Condition: 'Exact(email) AND Cosine(city, 80) AND Soundex(firstName)' },
    ]);
    t.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(6 hours)' });
    const fn = t.template.findResources('AWS::Lambda::Function')[logicalId(t.er.snapshotFunction)]!.Properties;
    expect(fn.Environment.Variables).toMatchObject({ SNAPSHOT_SEGMENTS: '8', DATE_ORDER: 'DMY' });
    for (const type of ['AWS::Glue::Table', 'AWS::EntityResolution::SchemaMapping', 'AWS::EntityResolution::MatchingWorkflow']) {
      expect(only(t.template.findResources(type)).DeletionPolicy, type).toBe('Delete');
    }
  });

  it('switches to ML matching: no rules, the scorer fields in the mapping', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const t = build({ rules: { probabilistic: { fields: ['firstName', 'lastName', 'postcode', 'phone'] } }, props: { mode: 'ml' } });
    expect(props(t, 'AWS::EntityResolution::MatchingWorkflow').ResolutionTechniques).toEqual({ ResolutionType: 'ML_MATCHING' });
    const names = (props(t, 'AWS::EntityResolution::SchemaMapping').MappedInputFields as Array<{ FieldName: string }>).map((f) => f.FieldName);
    expect(names).toEqual(['profile_id', 'first_name', 'last_name', 'date_of_birth', 'postcode', 'national_id', 'email', 'phone']);
    const report = new AwsSolutionsChecks().validateScope(t.stack);
    expect(report.violations).toEqual([]);
  });

  it('rejects what Entity Resolution or the export would refuse', () => {
    const tooMany = { rules: Array.from({ length: 26 }, (_, i) => ({ name: `r${i}`, conditions: [{ field: 'email' as const }] })) };
    expect(() => build({ rules: tooMany })).toThrow(/at most 25 rules/);
    expect(() => build({ rules: { rules: [] } })).toThrow(/at least one matching rule/);
    expect(() => build({ props: { schedule: '0 4 * * *' } })).toThrow(/cron\(\.\.\.\) or rate/);
    expect(() => build({ props: { snapshotSegments: 17 } })).toThrow(/snapshotSegments/);
  });
});
