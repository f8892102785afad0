/**
 * The erasure workflow's steps for the activation stores, synthesized: with
 * the activation stores given, each step's role reaches its own store only
 * (the table's items, the exports' `audiences/` objects, Personalize's data
 * deletion job and the deletion lists), and Personalize's deletion role reads
 * the deletion lists only; without them, the steps exist with no grant and
 * report not-deployed.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERASURE_STORES } from '../../../lambda/governance/contracts/erasure';
import { GovernanceStack, type GovernanceStackProps } from '../../../lib/stacks/governance-stack';
import { actionsOf, roleStatements, SYNTH_TIMEOUT_MS, testApp, type PolicyStatement } from '../../support/infra-fixture';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

const DATASET_GROUP = 'arn:aws:personalize:eu-west-1:123456789012:dataset-group/c360';

describe('erasure steps of the activation stores', () => {
  let withActivation: Template;
  let without: Template;
  let withActivationStack: Template;
  let governanceStack: GovernanceStack;
  beforeAll(() => {
    const env = { account: '123456789012', region: 'eu-west-1' };
    const t = testApp({ env }, { synth: false });
    const activationStack = new Stack(t.app, 'test-activation', { env });
    const key = new kms.Key(activationStack, 'Key', { removalPolicy: RemovalPolicy.DESTROY });
    const table = new dynamodb.Table(activationStack, 'ActivationTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
    });
    const bucket = (id: string) => new s3.Bucket(activationStack, id, { encryptionKey: key, versioned: true });
    const governance = (id: string, activation?: GovernanceStackProps['activation']) =>
      new GovernanceStack(t.app, id, {
        env,
        config: t.config,
        collection: t.stacks.collection,
        unification: t.stacks.unification,
        analytics: t.stacks.analytics,
        ...(activation === undefined ? {} : { activation }),
      });
    governanceStack = governance('test-governance', {
      table,
      key,
      modelsBucket: bucket('ModelsBucket'),
      audienceExportsBucket: bucket('ExportsBucket'),
      personalize: { datasetGroupArn: DATASET_GROUP, interactionsDatasetArn: `${DATASET_GROUP}-i`, usersDatasetArn: `${DATASET_GROUP}-u` },
    });
    const alone = governance('test-governance-alone');
    // The app's own activation stack fits the prop as it is.
    const real = governance('test-governance-real', t.stacks.activation);
    t.app.synth();
    withActivation = Template.fromStack(governanceStack);
    without = Template.fromStack(alone);
    withActivationStack = Template.fromStack(real);
  }, SYNTH_TIMEOUT_MS * 3);

  const step = (template: Template, store: string) => {
    const entry = Object.entries(template.findResources('AWS::Lambda::Function') as Resources).find(
      ([id, f]) => id.startsWith('ErasureStep') && f.Properties.Environment.Variables.ERASURE_STORE === store,
    );
    if (entry === undefined) throw new Error(`no step for ${store}`);
    const role = (entry[1].Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    return { env: entry[1].Properties.Environment.Variables as Record<string, unknown>, statements: roleStatements(template, role) };
  };
  const resourcesOf = (statements: PolicyStatement[], action: string) =>
    JSON.stringify(statements.filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(action)).map((s) => s.Resource));

  it('has one step per store of ERASURE_STORES, the new ones included', () => {
    const stores = Object.entries(withActivation.findResources('AWS::Lambda::Function') as Resources)
      .filter(([id]) => id.startsWith('ErasureStep'))
      .map(([, f]) => f.Properties.Environment.Variables.ERASURE_STORE as string);
    expect(stores.sort()).toEqual([...ERASURE_STORES].sort());
    expect(stores).toEqual(expect.arrayContaining(['activation', 'audience-exports', 'personalize']));
  });

  it('lets the activation step query and delete items of the activation table only, with its key through DynamoDB', () => {
    const { env, statements } = step(withActivation, 'activation');
    expect(env.ACTIVATION_TABLE).toBeDefined();
    const dynamo = actionsOf(statements).filter((a) => a.startsWith('dynamodb:')).sort();
    expect(dynamo).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:Query']);
    expect(resourcesOf(statements, 'dynamodb:Query')).toContain('ActivationTable');
    expect(resourcesOf(statements, 'dynamodb:Query')).not.toContain('ProfileTable');
    // The work object is its only S3 access.
    expect(actionsOf(statements).filter((a) => a.startsWith('s3:'))).toEqual(['s3:GetObject']);
    const kmsStatement = statements.find((s) => JSON.stringify(s.Resource).includes('Key') && actionsOf([s]).includes('kms:GenerateDataKey'));
    expect(JSON.stringify(kmsStatement)).toContain('dynamodb.eu-west-1');
    expect(actionsOf(statements)).not.toContain('personalize:CreateDataDeletionJob');
  });

  it('lets the audience-exports step list, read, rewrite and delete versions under audiences/ of the exports bucket only', () => {
    const { env, statements } = step(withActivation, 'audience-exports');
    expect(env.EXPORTS_BUCKET).toBeDefined();
    expect(actionsOf(statements)).toEqual(expect.arrayContaining(['s3:ListBucketVersions', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObjectVersion']));
    expect(resourcesOf(statements, 's3:PutObject')).toContain('/audiences/*');
    expect(resourcesOf(statements, 's3:PutObject')).toContain('ExportsBucket');
    expect(resourcesOf(statements, 's3:PutObject')).not.toContain('ModelsBucket');
    expect(JSON.stringify(statements.find((s) => actionsOf([s]).includes('s3:ListBucketVersions')))).toContain('audiences/*');
    expect(actionsOf(statements).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
  });

  it('lets the personalize step write deletion lists, create the deletion job on the dataset group and pass the deletion role to Personalize alone', () => {
    const { env, statements } = step(withActivation, 'personalize');
    expect(env.PERSONALIZE_DATASET_GROUP_ARN).toBe(DATASET_GROUP);
    expect(env.MODELS_BUCKET).toBeDefined();
    expect(env.PERSONALIZE_DELETION_ROLE_ARN).toBeDefined();
    const create = statements.find((s) => actionsOf([s]).includes('personalize:CreateDataDeletionJob'));
    expect(JSON.stringify(create?.Resource)).toContain(DATASET_GROUP);
    expect(JSON.stringify(create?.Resource)).toContain('data-deletion-job/c360-erasure-*');
    const pass = statements.find((s) => actionsOf([s]).includes('iam:PassRole')) as PolicyStatement & { Condition?: unknown };
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'personalize.amazonaws.com' } });
    expect(JSON.stringify(pass.Resource)).toContain('PersonalizeDeletionRole');
    expect(resourcesOf(statements, 's3:PutObject')).toContain('/personalize/deletions/*');
    expect(actionsOf(statements).filter((a) => a.startsWith('s3:')).sort()).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(actionsOf(statements).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
  });

  it("gives Personalize's deletion role read of the deletion lists only", () => {
    const roles = Object.entries(withActivation.findResources('AWS::IAM::Role') as Resources).filter(([id]) => id.includes('PersonalizeDeletionRole'));
    expect(roles).toHaveLength(1);
    const [id, role] = roles[0]!;
    expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain('personalize.amazonaws.com');
    const statements = roleStatements(withActivation, id);
    expect(actionsOf(statements).sort()).toEqual(['kms:Decrypt', 's3:GetObject', 's3:ListBucket']);
    expect(resourcesOf(statements, 's3:GetObject')).toContain('/personalize/deletions/*');
  });

  it("takes the app's activation stack: its table, exports bucket and Personalize dataset group", () => {
    expect(JSON.stringify(step(withActivationStack, 'activation').env.ACTIVATION_TABLE)).toMatch(/ActivationTable/);
    expect(JSON.stringify(step(withActivationStack, 'audience-exports').env.EXPORTS_BUCKET)).toMatch(/AudienceExportsBucket/);
    expect(step(withActivationStack, 'personalize').env.PERSONALIZE_DATASET_GROUP_ARN).toBeDefined();
  });

  it('passes cdk-nag with every new grant acknowledged on its own resource', () => {
    const report = new AwsSolutionsChecks().validateScope(governanceStack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('builds the same steps with no grant on any activation store when the governance stack is built without them', () => {
    for (const store of ['activation', 'audience-exports', 'personalize']) {
      const { env, statements } = step(without, store);
      expect(env.ACTIVATION_TABLE ?? env.EXPORTS_BUCKET ?? env.PERSONALIZE_DATASET_GROUP_ARN, store).toBeUndefined();
      // Tracing and its own log group aside: the work object and its key only.
      expect(actionsOf(statements).filter((a) => !a.startsWith('xray:') && !a.startsWith('logs:')).sort(), store).toEqual(['kms:Decrypt', 's3:GetObject']);
    }
  });
});
