/**
 * Two deployments in one account and Region share no physical name: the
 * names a resource type requires end in a suffix of the deployment, and each
 * fits its service's characters and length.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEPLOYMENT_SUFFIX_LENGTH,
  deploymentSuffix,
  NAME_RULES,
  namePattern,
  uniquePhysicalName,
  type NameRules,
} from '../../lib/constructs/common/physical-names';
import { PILLARS, SYNTH_TIMEOUT_MS, testApp, type TestApp } from '../support/infra-fixture';

const QUICKSIGHT_PRINCIPAL = 'arn:aws:quicksight:us-east-1:123456789012:user/default/analyst';

type Resource = { Type: string; Properties?: Record<string, unknown> };

/** The physical names c360 sets, by resource type: where each is read, and the rules its service applies. */
/** `someGenerated`: other resources of the type take CloudFormation's generated name. */
const NAMED: ReadonlyArray<{ type: string; read: (p: Record<string, any>) => unknown; rules?: NameRules; someGenerated?: boolean }> = [
  { type: 'AWS::Glue::Database', read: (p) => p.DatabaseInput?.Name, rules: NAME_RULES.glueDatabase },
  { type: 'AWS::EntityResolution::MatchingWorkflow', read: (p) => p.WorkflowName, rules: NAME_RULES.entityResolution },
  { type: 'AWS::EntityResolution::SchemaMapping', read: (p) => p.SchemaName, rules: NAME_RULES.entityResolution },
  { type: 'AWS::RedshiftServerless::Namespace', read: (p) => p.NamespaceName, rules: NAME_RULES.redshiftServerless },
  { type: 'AWS::RedshiftServerless::Workgroup', read: (p) => p.WorkgroupName, rules: NAME_RULES.redshiftServerless },
  { type: 'AWS::QuickSight::DataSource', read: (p) => p.DataSourceId, rules: NAME_RULES.quickSightId },
  { type: 'AWS::QuickSight::DataSet', read: (p) => p.DataSetId, rules: NAME_RULES.quickSightId },
  { type: 'AWS::QuickSight::Dashboard', read: (p) => p.DashboardId, rules: NAME_RULES.quickSightId },
  { type: 'AWS::LakeFormation::Tag', read: (p) => p.TagKey, rules: NAME_RULES.lakeFormationTag },
  // Named from the construct path (Names.uniqueResourceName), whose first part is the stack's name.
  { type: 'AWS::Athena::WorkGroup', read: (p) => p.Name },
  { type: 'AWS::Glue::DataQualityRuleset', read: (p) => p.Name },
  { type: 'AWS::Glue::SecurityConfiguration', read: (p) => p.Name },
  { type: 'AWS::Personalize::DatasetGroup', read: (p) => p.Name },
  { type: 'AWS::Personalize::Schema', read: (p) => p.Name },
  { type: 'AWS::Personalize::Dataset', read: (p) => p.Name },
  { type: 'AWS::Personalize::Solution', read: (p) => p.Name },
  // Named after the stack.
  { type: 'AWS::CloudTrail::Trail', read: (p) => p.TrailName },
  { type: 'AWS::KinesisFirehose::DeliveryStream', read: (p) => p.DeliveryStreamName, someGenerated: true },
];

/**
 * Top-level name properties that are not an account-and-Region-wide name:
 * scoped to their parent (a table in its database, a stage in its API, a
 * database in its namespace) or a display name the service lets repeat.
 */
const SCOPED_OR_DISPLAY = new Set([
  'AWS::ApiGateway::RestApi Name',
  'AWS::ApiGateway::Stage StageName',
  'AWS::ApiGatewayV2::Api Name',
  'AWS::ApiGatewayV2::Stage StageName',
  'AWS::SNS::Topic DisplayName',
  'AWS::QuickSight::DataSet Name',
  'AWS::QuickSight::DataSource Name',
  'AWS::QuickSight::Dashboard Name',
  'AWS::RedshiftServerless::Namespace DbName',
  'AWS::CloudWatch::Alarm MetricName',
  'AWS::Lambda::EventSourceMapping FunctionName',
  'AWS::IAM::Policy PolicyName',
  'AWS::Logs::MetricFilter MetricName',
]);

function resources(t: TestApp): Array<Resource & { pillar: string }> {
  return PILLARS.flatMap((pillar) =>
    Object.values(t.template(pillar).toJSON().Resources as Record<string, Resource>).map((r) => ({ ...r, pillar })),
  );
}

/** Every plain-string top-level `…Name`, `…Id` or `TagKey` property, and the Glue database name, as `type property` → values. */
function plainNames(t: TestApp): Map<string, string[]> {
  const names = new Map<string, string[]>();
  const add = (key: string, value: unknown) => {
    if (typeof value === 'string') names.set(key, [...(names.get(key) ?? []), value]);
  };
  for (const r of resources(t)) {
    for (const [property, value] of Object.entries(r.Properties ?? {})) {
      if (/(Name|Id|TagKey)$/.test(property)) add(`${r.Type} ${property}`, value);
    }
    if (r.Type === 'AWS::Glue::Database') add(`${r.Type} DatabaseInput.Name`, (r.Properties?.DatabaseInput as { Name?: unknown })?.Name);
  }
  return names;
}

function named(t: TestApp, type: string, read: (p: Record<string, any>) => unknown, someGenerated = false): unknown[] {
  return resources(t)
    .filter((r) => r.Type === type)
    .map((r) => read(r.Properties ?? {}))
    .filter((name) => !someGenerated || name !== undefined);
}

describe('physical names of two deployments whose app names normalise alike', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(() => {
    const input = (appName: string) => ({ appName, analytics: { quicksight: { principalArn: QUICKSIGHT_PRINCIPAL } } });
    a = testApp(input('My-App'));
    b = testApp(input('my-app'));
  }, SYNTH_TIMEOUT_MS * 3);

  it.each(NAMED.map((n) => [n.type, n] as const))('%s: every deployment names it, and no two deployments alike', (_type, n) => {
    const first = named(a, n.type, n.read, n.someGenerated);
    const second = named(b, n.type, n.read, n.someGenerated);
    expect(first.length, n.type).toBeGreaterThan(0);
    expect(second).toHaveLength(first.length);
    for (const name of [...first, ...second]) expect(typeof name, `${n.type}: ${JSON.stringify(name)}`).toBe('string');
    for (const name of first) expect(second, `${n.type} ${String(name)}`).not.toContain(name);
  });

  it.each(NAMED.filter((n) => n.rules !== undefined).map((n) => [n.type, n] as const))('%s: the name fits its service and ends in the deployment suffix', (_type, n) => {
    const rules = n.rules as NameRules;
    for (const name of [...named(a, n.type, n.read), ...named(b, n.type, n.read)] as string[]) {
      expect(name).toMatch(namePattern(rules));
      expect(name).toMatch(new RegExp(`${rules.separator}[0-9a-f]{${DEPLOYMENT_SUFFIX_LENGTH}}$`));
    }
  });

  it('gives the database, the workflow and the warehouse readable names after the app', () => {
    expect(a.stacks.collection.rawLake.databaseName).toMatch(/^my_app_lake_[0-9a-f]{8}$/);
    expect(b.stacks.collection.rawLake.databaseName).toMatch(/^my_app_lake_[0-9a-f]{8}$/);
    expect(a.stacks.unification.entityResolution.workflowName).toMatch(/^My-App-profiles-[0-9a-f]{8}$/);
    expect(a.stacks.analytics.warehouse?.namespaceName).toMatch(/^my-app-warehouse-[0-9a-f]{8}$/);
  });

  it('shares no other top-level name between the deployments, except names scoped to a parent or shown only', () => {
    const second = plainNames(b);
    const shared: string[] = [];
    for (const [key, values] of plainNames(a)) {
      if (SCOPED_OR_DISPLAY.has(key)) continue;
      for (const value of values) if (second.get(key)?.includes(value)) shared.push(`${key} = ${value}`);
    }
    expect(shared).toEqual([]);
  });

  it('hands the lake database name to every stack that names it', () => {
    const name = a.stacks.collection.rawLake.databaseName;
    expect(a.stacks.analytics.databaseName).toBe(name);
    const snapshot = named(a, 'AWS::Glue::Table', (p) => p)
      .map((p) => p as { DatabaseName?: unknown; TableInput?: { Name?: string } })
      .find((p) => p.TableInput?.Name === 'profile_snapshot');
    expect(snapshot?.DatabaseName).toBe(name);
  });
});

describe('uniquePhysicalName', () => {
  const stackIn = (name: string, env?: { account: string; region: string }) => new Stack(new App(), name, env === undefined ? {} : { env });
  const ENV = { account: '123456789012', region: 'eu-west-1' };

  it('is the same for the same stack, account, Region and construct path, from one synthesis to the next', () => {
    const one = new Construct(stackIn('c360-collection', ENV), 'RawLake');
    const two = new Construct(stackIn('c360-collection', ENV), 'RawLake');
    expect(uniquePhysicalName(one, 'c360_lake', NAME_RULES.glueDatabase)).toBe(uniquePhysicalName(two, 'c360_lake', NAME_RULES.glueDatabase));
  });

  it('differs with the stack name, the account, the Region and the construct path', () => {
    const base = deploymentSuffix(new Construct(stackIn('c360-collection', ENV), 'RawLake'));
    expect(deploymentSuffix(new Construct(stackIn('C360-collection', ENV), 'RawLake'))).not.toBe(base);
    expect(deploymentSuffix(new Construct(stackIn('c360-collection', { ...ENV, account: '210987654321' }), 'RawLake'))).not.toBe(base);
    expect(deploymentSuffix(new Construct(stackIn('c360-collection', { ...ENV, region: 'us-east-1' }), 'RawLake'))).not.toBe(base);
    expect(deploymentSuffix(new Construct(stackIn('c360-collection', ENV), 'OtherLake'))).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{8}$/);
  });

  it('is a plain string in an environment-agnostic stack too', () => {
    const scope = new Construct(stackIn('c360-analytics'), 'Warehouse');
    expect(uniquePhysicalName(scope, 'c360-warehouse', NAME_RULES.redshiftServerless)).toMatch(/^c360-warehouse-[0-9a-f]{8}$/);
  });

  it('folds case, replaces characters the service rejects and shortens the base to fit the limit', () => {
    const scope = new Construct(stackIn('c360-analytics', ENV), 'Warehouse');
    const long = uniquePhysicalName(scope, `Very--Long.App_${'x'.repeat(80)}-warehouse`, NAME_RULES.redshiftServerless);
    expect(long).toMatch(namePattern(NAME_RULES.redshiftServerless));
    expect(long).toHaveLength(64);
    expect(long.startsWith('very--long-app-xxx')).toBe(true);
    expect(uniquePhysicalName(scope, 'My-App_lake', NAME_RULES.glueDatabase)).toMatch(/^my_app_lake_[0-9a-f]{8}$/);
    expect(uniquePhysicalName(scope, 'c360:class:My-App', NAME_RULES.lakeFormationTag)).toMatch(/^c360:class:my-app-[0-9a-f]{8}$/);
    expect(uniquePhysicalName(scope, 'My-App-profiles', NAME_RULES.entityResolution)).toMatch(/^My-App-profiles-[0-9a-f]{8}$/);
  });

  it('refuses a base that is only known at deploy time', () => {
    const stack = stackIn('c360-analytics');
    expect(() => uniquePhysicalName(new Construct(stack, 'Warehouse'), stack.stackId, NAME_RULES.redshiftServerless)).toThrow(/known at synthesis/);
  });
});
