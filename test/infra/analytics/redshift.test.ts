import { readFileSync } from 'node:fs';
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type C360ConfigInput } from '../../../lambda/config';
import { estimateMonthlyRefreshComputeUsd, RedshiftWarehouse, REFRESH_EVENTS_STREAM_SQL } from '../../../lib/constructs/analytics/redshift-serverless';
import { DataKey } from '../../../lib/constructs/common/data-key';
import { AccessLogsBucket, DataBucket } from '../../../lib/constructs/common/secure-bucket';
import { actionsOf, roleStatements, SYNTH_TIMEOUT_MS, type PolicyStatement } from '../../support/infra-fixture';

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

type RedshiftInput = NonNullable<NonNullable<C360ConfigInput['analytics']>['redshift']>;

/** A plain stack: an encrypted stream and its key, the analytics key, the curated bucket, and the warehouse. */
function build(redshift: RedshiftInput = {}, governance?: C360ConfigInput['governance']) {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'RedshiftTest', { env: { account: '123456789012', region: 'us-east-1' } });
  const config = parseConfig({ appName: 'acme', analytics: { redshift } });
  const destroy = RemovalPolicy.DESTROY;
  const streamKey = new DataKey(stack, 'StreamKey', { description: 'stream', removalPolicy: destroy });
  const stream = new kinesis.Stream(stack, 'Events', { encryption: kinesis.StreamEncryption.KMS, encryptionKey: streamKey });
  Validations.of(stream).acknowledge({
    id: 'AwsSolutions-KDS3',
    reason: 'Test fixture standing in for the collection stack’s event stream; it is encrypted with a customer-managed key on purpose (the warehouse needs kms:Decrypt on it).',
  });
  const key = new DataKey(stack, 'AnalyticsKey', { description: 'analytics', removalPolicy: destroy });
  const logsBucket = new AccessLogsBucket(stack, 'AccessLogs', { removalPolicy: destroy });
  const curated = new DataBucket(stack, 'Curated', { encryptionKey: key, accessLogsBucket: logsBucket, accessLogsPrefix: 'curated/', removalPolicy: destroy });
  const warehouse = new RedshiftWarehouse(stack, 'Warehouse', {
    appName: config.appName,
    config: config.analytics.redshift,
    stream,
    streamKey,
    key,
    lakeDatabaseName: 'acme_lake',
    curatedBucket: curated,
    curatedKey: key,
    removalPolicy: destroy,
    logRetention: logs.RetentionDays.ONE_MONTH,
    ...(governance === undefined ? {} : { governance: parseConfig({ appName: 'acme', analytics: { redshift }, governance }) }),
  });
  const template = Template.fromStack(stack);
  const id = (c: IConstruct) => stack.getLogicalId(c.node.defaultChild as never);
  return { app, stack, warehouse, template, ids: { stream: id(stream), streamKey: id(streamKey), key: id(key), curated: id(curated) } };
}

type Built = ReturnType<typeof build>;

/** The SQL custom resource's statements, each SQL rendered as JSON (tokens appear as Ref / Fn::GetAtt objects). */
function statements(t: Built): Array<{ Name: string; Sql: string }> {
  const resources = Object.values(t.template.findResources('Custom::C360RedshiftSql'));
  expect(resources).toHaveLength(1);
  return (resources[0]!.Properties.Statements as Array<{ Name: string; Sql: unknown }>).map((s) => ({ Name: s.Name, Sql: JSON.stringify(s.Sql) }));
}

function sqlOf(t: Built, name: string): string {
  const found = statements(t).find((s) => s.Name === name);
  if (found === undefined) throw new Error(`no statement ${name}`);
  return found.Sql;
}

/** The resources of the statements that grant `action` (statements may be merged: resources are flattened). */
function resourcesFor(statements: PolicyStatement[], action: string): unknown[] {
  return statements.filter((s) => actionsOf([s]).includes(action)).flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
}

function redshiftRoleStatements(t: Built): PolicyStatement[] {
  return roleStatements(t.template, t.stack.getLogicalId(t.warehouse.role.node.defaultChild as never));
}

describe('RedshiftWarehouse (defaults: own VPC, hourly refresh)', () => {
  let t: Built;
  beforeAll(() => {
    t = build();
  }, SYNTH_TIMEOUT_MS);

  it('encrypts the namespace with the analytics key, lets Redshift manage the admin password, exports its logs and sets the role as default', () => {
    t.template.resourceCountIs('AWS::RedshiftServerless::Namespace', 1);
    t.template.hasResourceProperties('AWS::RedshiftServerless::Namespace', {
      NamespaceName: Match.stringLikeRegexp('^acme-warehouse-[0-9a-f]{8}$'),
      DbName: 'c360',
      KmsKeyId: { 'Fn::GetAtt': [t.ids.key, 'Arn'] },
      ManageAdminPassword: true,
      AdminUserPassword: Match.absent(),
      DefaultIamRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WarehouseRole'), 'Arn'] },
      IamRoles: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^WarehouseRole'), 'Arn'] }],
      LogExports: Match.arrayWith(['userlog', 'connectionlog', 'useractivitylog']),
    });
  });

  it('makes a private workgroup with enhanced VPC routing, base capacity from config, in three subnets of three AZs', () => {
    t.template.hasResourceProperties('AWS::RedshiftServerless::Workgroup', {
      WorkgroupName: t.warehouse.workgroupName,
      NamespaceName: t.warehouse.namespaceName,
      BaseCapacity: 8,
      PubliclyAccessible: false,
      EnhancedVpcRouting: true,
      ConfigParameters: Match.arrayWith([{ ParameterKey: 'enable_case_sensitive_identifier', ParameterValue: 'true' }]),
    });
    const workgroup = Object.values(t.template.findResources('AWS::RedshiftServerless::Workgroup'))[0]!;
    const subnetRefs = (workgroup.Properties.SubnetIds as Array<{ Ref: string }>).map((s) => s.Ref);
    expect(subnetRefs).toHaveLength(3);
    const subnets = t.template.findResources('AWS::EC2::Subnet');
    const azs = subnetRefs.map((ref) => subnets[ref]!.Properties.AvailabilityZone as string);
    expect(new Set(azs).size).toBe(3);
    for (const ref of subnetRefs) expect(subnets[ref]!.Properties.MapPublicIpOnLaunch).toBe(false);
  });

  it('builds a VPC without internet access: no NAT, no internet gateway, flow logs on, endpoints for S3, Glue and Kinesis only', () => {
    t.template.resourceCountIs('AWS::EC2::VPC', 1);
    t.template.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    t.template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    const endpoints = Object.values(t.template.findResources('AWS::EC2::VPCEndpoint')).map((e) => JSON.stringify(e.Properties.ServiceName));
    expect(endpoints).toHaveLength(3);
    expect(endpoints.some((n) => n.includes('.s3'))).toBe(true);
    expect(endpoints.some((n) => n.includes('.glue'))).toBe(true);
    expect(endpoints.some((n) => n.includes('.kinesis-streams'))).toBe(true);
    // Interface endpoints take HTTPS from the workgroup's security group only.
    const sgId = t.stack.getLogicalId(t.warehouse.securityGroup.node.defaultChild as never);
    const ingress = Object.values(t.template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    expect(ingress).toHaveLength(2);
    for (const rule of ingress) expect(rule).toMatchObject({ FromPort: 443, ToPort: 443, SourceSecurityGroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] } });
  });

  it('lets Redshift read the stream (no write, no enhanced fan-out) and decrypt with the stream key', () => {
    const statements = redshiftRoleStatements(t);
    const kinesisStatement = statements.find((s) => actionsOf([s]).some((a) => a.startsWith('kinesis:')))!;
    expect(actionsOf([kinesisStatement]).sort()).toEqual(
      ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'].sort(),
    );
    expect(kinesisStatement.Resource).toEqual({ 'Fn::GetAtt': [t.ids.stream, 'Arn'] });
    const decrypts = resourcesFor(statements, 'kms:Decrypt');
    expect(decrypts).toContainEqual({ 'Fn::GetAtt': [t.ids.streamKey, 'Arn'] });
    expect(decrypts).toContainEqual({ 'Fn::GetAtt': [t.ids.key, 'Arn'] });
    expect(actionsOf(statements).filter((a) => /^(kinesis:Put|s3:Put|s3:Delete|glue:(Create|Update|Delete))/.test(a))).toEqual([]);
  });

  it('lets Spectrum read the lake database’s tables and only the curated exports’ prefix (the raw lake uses projection, which Spectrum ignores)', () => {
    const statements = redshiftRoleStatements(t);
    const glue = statements.find((s) => actionsOf([s]).includes('glue:GetTable'))!;
    expect(JSON.stringify(glue.Resource)).toContain(':database/acme_lake');
    expect(JSON.stringify(glue.Resource)).toContain(':table/acme_lake/*');
    const gets = resourcesFor(statements, 's3:GetObject').map((r) => JSON.stringify(r));
    expect(gets).toHaveLength(1);
    expect(gets.find((r) => r.includes(t.ids.curated))).toContain('/exports/*');
    const lists = statements.filter((s) => actionsOf([s]).includes('s3:ListBucket'));
    expect(lists).toHaveLength(1);
    for (const list of lists) expect(JSON.stringify(list)).toMatch(/"s3:prefix":\["exports\/\*"\]/);
  });

  it('runs the SQL after the workgroup: the Kinesis schema with the role, the streaming view with AUTO REFRESH NO over the stream, Spectrum and the real-time views', () => {
    const names = statements(t).map((s) => s.Name).filter((n) => !n.startsWith('governance-'));
    expect(names).toEqual([
      '010-kinesis_events',
      '020-events_stream#1',
      '020-events_stream#2',
      '030-lake',
      '040-events_last_hour',
      '045-events_today',
      '050-revenue_today',
      '060-refresh_events_stream#1',
      '060-refresh_events_stream#2',
      '070-governance_roles',
      'recreate-events-stream-procedure',
      'recreate-events-stream-execute',
    ]);
    // The erasure's procedure replays, as the view's owner, the deploy's own statements over the streaming view.
    const procedure = sqlOf(t, 'recreate-events-stream-procedure');
    expect(procedure).toContain('CREATE OR REPLACE PROCEDURE recreate_events_stream(rows_before OUT BIGINT)');
    expect(procedure).toContain("EXECUTE 'DROP MATERIALIZED VIEW IF EXISTS events_stream CASCADE'");
    expect(procedure).toContain("EXECUTE 'CREATE MATERIALIZED VIEW events_stream AUTO REFRESH NO AS");
    expect(procedure).toContain("JSON_PARSE(FROM_VARBYTE(kinesis_data, ''utf-8''))");
    expect(procedure).toMatch(/EXECUTE 'CREATE OR REPLACE VIEW events_last_hour/);
    expect(procedure).toContain('SECURITY DEFINER');
    expect(procedure).not.toContain('refresh_events_stream()');
    expect(sqlOf(t, '010-kinesis_events')).toMatch(/CREATE EXTERNAL SCHEMA IF NOT EXISTS kinesis_events\\nFROM KINESIS\\nIAM_ROLE '",\{"Fn::GetAtt":\["WarehouseRole[0-9A-F]+","Arn"\]\},"'/);
    const mv = sqlOf(t, '020-events_stream#2');
    expect(mv).toContain('CREATE MATERIALIZED VIEW events_stream AUTO REFRESH NO AS');
    expect(mv).toContain(`FROM kinesis_events.\\"",{"Ref":"${t.ids.stream}"},"\\"`);
    expect(mv).toContain("JSON_PARSE(FROM_VARBYTE(kinesis_data, 'utf-8')) AS payload");
    expect(sqlOf(t, '030-lake')).toContain("DATABASE 'acme_lake'");
    expect(sqlOf(t, '040-events_last_hour')).toContain('CREATE OR REPLACE VIEW events_last_hour AS');
    expect(sqlOf(t, '045-events_today')).toContain('CREATE OR REPLACE VIEW events_today AS');
    const resource = Object.values(t.template.findResources('Custom::C360RedshiftSql'))[0]!;
    expect(resource.Properties).toMatchObject({ WorkgroupName: t.warehouse.workgroupName, Database: 'c360' });
    expect(resource.DependsOn).toEqual(expect.arrayContaining([t.stack.getLogicalId(t.warehouse.workgroup)]));
  });

  it('refreshes the streaming view hourly with an EventBridge rule running the refresh procedure through the Data API on the workgroup', () => {
    t.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [t.stack.getLogicalId(t.warehouse.workgroup), 'Workgroup.WorkgroupArn'] },
          RedshiftDataParameters: { Database: 'c360', Sql: REFRESH_EVENTS_STREAM_SQL, StatementName: 'c360-refresh-events_stream' },
        }),
      ],
    });
    const refreshRole = t.stack.getLogicalId(t.warehouse.node.findChild('RefreshRole').node.defaultChild as never);
    const actions = actionsOf(roleStatements(t.template, refreshRole)).sort();
    expect(actions).toEqual(['redshift-data:ExecuteStatement', 'redshift-serverless:GetCredentials']);
  });

  it('gives the SQL function only ExecuteStatement and GetCredentials on the workgroup, and DescribeStatement on its own statements', () => {
    const fnRole = t.stack.getLogicalId(t.warehouse.sql.function.role!.node.defaultChild as never);
    const statements = roleStatements(t.template, fnRole);
    const onWorkgroup = statements.find((s) => actionsOf([s]).includes('redshift-data:ExecuteStatement'))!;
    expect(onWorkgroup.Resource).toEqual({ 'Fn::GetAtt': [t.stack.getLogicalId(t.warehouse.workgroup), 'Workgroup.WorkgroupArn'] });
    expect(actionsOf([onWorkgroup]).sort()).toEqual(['redshift-data:ExecuteStatement', 'redshift-serverless:GetCredentials']);
    const describe = statements.find((s) => actionsOf([s]).includes('redshift-data:DescribeStatement')) as PolicyStatement & { Condition?: unknown };
    expect(describe.Condition).toEqual({ StringEquals: { 'redshift-data:statement-owner-iam-userid': '${aws:userid}' } });
    expect(actionsOf(statements).some((a) => a.startsWith('secretsmanager:'))).toBe(false);
  });

  it('outputs the workgroup, namespace, database and the admin secret read with GetNamespace', () => {
    const outputs = t.template.findOutputs('*');
    const byPrefix = (p: string) => Object.entries(outputs).find(([k]) => k.startsWith(p))?.[1];
    expect(byPrefix('WarehouseWorkgroupName')?.Value).toEqual({ 'Fn::GetAtt': [t.stack.getLogicalId(t.warehouse.workgroup), 'Workgroup.WorkgroupName'] });
    expect(byPrefix('WarehouseNamespaceName')).toBeDefined();
    expect(byPrefix('WarehouseDatabase')?.Value).toBe('c360');
    expect(JSON.stringify(byPrefix('WarehouseAdminSecretArn')?.Value)).toContain('namespace.adminPasswordSecretArn');
    t.template.hasResourceProperties('Custom::AWS', {
      Update: Match.serializedJson(Match.objectLike({ service: 'RedshiftServerless', action: 'getNamespace', parameters: { namespaceName: t.warehouse.namespaceName } })),
    });
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks().validateScope(t.stack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('raises no CDK warning or error annotation', () => {
    expect(Annotations.fromStack(t.stack).findWarning('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(t.stack).findError('*', Match.anyValue())).toEqual([]);
  });

  it('acknowledges findings on specific resources only, each with a reason', () => {
    // The warehouse's own acknowledgements and the one on the CDK's shared SDK-call function it brings.
    const acks = [...t.warehouse.node.findAll(), t.stack.node.findChild('AWS679f53fac002430cb0da5b7982bd2287')]
      .flatMap((scope: IConstruct) =>
        scope.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ scope, id, reason }))),
      );
    expect(acks.length).toBeGreaterThan(5);
    for (const ack of acks) {
      expect(Stack.isStack(ack.scope), ack.id).toBe(false);
      expect(ack.reason.length, `${ack.id} at ${ack.scope.node.path}`).toBeGreaterThan(60);
      expect(ack.id, ack.scope.node.path).not.toBe('AwsSolutions-IAM5');
    }
  });
});

describe('RedshiftWarehouse (auto refresh, larger base capacity, a given VPC)', () => {
  let t: Built;
  beforeAll(() => {
    t = build({
      streamingRefresh: 'auto',
      baseCapacityRpu: 32,
      vpc: { vpcId: 'vpc-0abc1234def567890', subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0b2c3d4e5f6071829', 'subnet-0c3d4e5f607182930'] },
    });
  }, SYNTH_TIMEOUT_MS);

  it('creates the streaming view with AUTO REFRESH YES and schedules no refresh', () => {
    expect(sqlOf(t, '020-events_stream#2')).toContain('CREATE MATERIALIZED VIEW events_stream AUTO REFRESH YES AS');
    t.template.resourceCountIs('AWS::Events::Rule', 0);
    expect(t.warehouse.refreshRule).toBeUndefined();
  });

  it('puts the workgroup in the given subnets with the configured base capacity, and builds no VPC of its own', () => {
    t.template.hasResourceProperties('AWS::RedshiftServerless::Workgroup', {
      BaseCapacity: 32,
      SubnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0b2c3d4e5f6071829', 'subnet-0c3d4e5f607182930'],
      PubliclyAccessible: false,
      EnhancedVpcRouting: true,
    });
    t.template.resourceCountIs('AWS::EC2::VPC', 0);
    t.template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    t.template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0abc1234def567890' });
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks().validateScope(t.stack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});

describe('the cost note’s compute estimate (30 days, base capacity, $0.375 per RPU-hour)', () => {
  it('bills an always-refreshing view around the clock, and a scheduled refresh one 60-second minimum per run', () => {
    expect(estimateMonthlyRefreshComputeUsd({ baseCapacityRpu: 8, streamingRefresh: 'auto' })).toBeCloseTo(8 * 24 * 30 * 0.375, 6);
    expect(estimateMonthlyRefreshComputeUsd({ baseCapacityRpu: 8, streamingRefresh: { everyMinutes: 60 } })).toBeCloseTo(36, 6);
    expect(estimateMonthlyRefreshComputeUsd({ baseCapacityRpu: 16, streamingRefresh: { everyMinutes: 15 } })).toBeCloseTo(16 * 96 * 30 * (1 / 60) * 0.375, 6);
  });
});

describe('RedshiftWarehouse configuration errors', () => {
  it('refuses to build when analytics.redshift.enabled is false', () => {
    expect(() => build({ enabled: false })).toThrow(/analytics\.redshift\.enabled is false/);
  });
});

describe('RedshiftWarehouse governance: the column policy as Redshift roles', () => {
  let t: Built;
  beforeAll(() => {
    t = build({}, { roles: { marketing: { sees: ['none'], otherwise: 'omit' } }, classification: { fields: { 'traits.city': { class: 'direct', category: 'location' } } } });
  }, SYNTH_TIMEOUT_MS);

  /** A governance statement's SQL as text (they hold no token). */
  const text = (name: string) => JSON.parse(sqlOf(t, name)) as string;

  it('creates a Redshift role for analyst, steward and each config role, after the SQL files and the role procedure', () => {
    const names = statements(t).map((s) => s.Name);
    const ensure = names.indexOf('070-governance_roles');
    for (const role of ['analyst', 'steward', 'marketing']) {
      expect(names.indexOf(`governance-${role}-role`), role).toBeGreaterThan(ensure);
      expect(text(`governance-${role}-role`)).toBe(`CALL c360_ensure_role('${role}')`);
    }
    expect(ensure).toBeGreaterThan(names.indexOf('050-revenue_today'));
  });

  it('grants the steward the streaming view and the Spectrum schema, and every role the real-time views', () => {
    expect(text('governance-steward-stream')).toBe('GRANT SELECT ON events_stream TO ROLE "steward"');
    expect(text('governance-steward-lake')).toBe('GRANT USAGE ON SCHEMA lake TO ROLE "steward"');
    for (const role of ['analyst', 'steward', 'marketing']) expect(text(`governance-${role}-realtime`)).toBe(`GRANT SELECT ON events_last_hour, events_today, revenue_today TO ROLE "${role}"`);
  });

  it('gives the analyst masked views instead of the streaming view and the Spectrum schema, driven by the classification', () => {
    const names = statements(t).map((s) => s.Name);
    expect(names).not.toContain('governance-analyst-lake');
    expect(text('governance-analyst-lake-revoke')).toBe('REVOKE USAGE ON SCHEMA lake FROM ROLE "analyst"');
    const profiles = text('governance-analyst-view-profiles');
    expect(profiles).toMatch(/^CREATE OR REPLACE VIEW "c360_analyst"\.profiles AS SELECT "profile_id", /);
    expect(profiles).toContain(`CASE WHEN "email" IS NULL THEN NULL ELSE '***' END AS "email"`);
    // The config made traits.city direct: masked too.
    expect(profiles).toContain(`CASE WHEN "city" IS NULL THEN NULL ELSE '***' END AS "city"`);
    expect(profiles).toMatch(/FROM lake\.profiles WITH NO SCHEMA BINDING$/);
    expect(text('governance-analyst-view-events_stream')).toMatch(/FROM public\.events_stream$/);
    expect(text('governance-analyst-select')).toBe('GRANT SELECT ON ALL TABLES IN SCHEMA "c360_analyst" TO ROLE "analyst"');
  });

  it('leaves out of an omit role\'s views the columns it may not read', () => {
    const profiles = text('governance-marketing-view-profiles');
    expect(profiles).not.toContain('"email"');
    expect(profiles).not.toContain('"city"');
    expect(profiles).toContain('"country"');
  });
});
