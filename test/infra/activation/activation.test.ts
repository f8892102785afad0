import { Duration } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATION_ENV } from '../../../lambda/activation/contracts/env';
import { ACTIVATION_PK, ACTIVATION_SK, ACTIVATION_TTL } from '../../../lambda/activation/contracts/table';
import { actionsOf, logicalId, PILLARS, roleStatements, SYNTH_TIMEOUT_MS, testApp, type PolicyStatement, type TestApp } from '../../support/infra-fixture';

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; DependsOn?: string[] }>;

const resourcesOf = (template: Template, type: string) => template.findResources(type) as Resources;

/** The one resource of `type` whose logical ID starts with `prefix`. */
function only(template: Template, type: string, prefix: string): { id: string; Properties: Record<string, any>; DependsOn?: string[] } {
  const found = Object.entries(resourcesOf(template, type)).filter(([id]) => id.startsWith(prefix));
  expect(found.map(([id]) => id), `${type} ${prefix}*`).toHaveLength(1);
  const [id, resource] = found[0]!;
  return { id, Properties: resource.Properties, ...(resource.DependsOn === undefined ? {} : { DependsOn: resource.DependsOn }) };
}

/** A function's role logical ID and every statement of its policies. */
function functionRole(template: Template, functionPrefix: string): { roleId: string; statements: PolicyStatement[]; env: Record<string, unknown> } {
  const fn = only(template, 'AWS::Lambda::Function', functionPrefix);
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return { roleId, statements: roleStatements(template, roleId), env: fn.Properties.Environment.Variables as Record<string, unknown> };
}

const refersTo = (value: unknown, logicalIdPrefix: string) => JSON.stringify(value).includes(`"${logicalIdPrefix}`);
/** Statements naming a resource of the given stack output / logical ID (cross-stack references render as GetStackOutput). */
const statementsOn = (statements: PolicyStatement[], fragment: string) => statements.filter((s) => JSON.stringify(s.Resource).includes(fragment));

/** Two full syntheses run in this file (the default config and a variant): allow each more than one worker's first synthesis. */
const APP_TIMEOUT_MS = 3 * SYNTH_TIMEOUT_MS;

const PROFILE_TABLE_OUTPUT = 'ProfileTable0598D89DArn';
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

interface AvroField {
  name: string;
  type: string | string[];
  categorical?: boolean;
}

describe('activation stack (default config)', () => {
  let t: TestApp;
  let template: Template;
  beforeAll(() => {
    // The shipped config's Personalize user attribute, so the users dataset is there too.
    t = testApp({ activation: { recommendations: { userAttributes: ['preferredChannel'] } } });
    template = t.template('activation');
  }, APP_TIMEOUT_MS);

  describe('activation table', () => {
    it('has string pk/sk keys, TTL on expiresAt, on-demand billing, point-in-time recovery and the activation key', () => {
      const table = only(template, 'AWS::DynamoDB::Table', 'ActivationTable');
      expect(table.id).toBe(logicalId(t.stacks.activation.table));
      expect(table.Properties.KeySchema).toEqual([
        { AttributeName: ACTIVATION_PK, KeyType: 'HASH' },
        { AttributeName: ACTIVATION_SK, KeyType: 'RANGE' },
      ]);
      expect(table.Properties.AttributeDefinitions).toEqual([
        { AttributeName: ACTIVATION_PK, AttributeType: 'S' },
        { AttributeName: ACTIVATION_SK, AttributeType: 'S' },
      ]);
      expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: ACTIVATION_TTL, Enabled: true });
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [logicalId(t.stacks.activation.key), 'Arn'] } });
      expect(table.Properties.StreamSpecification).toBeUndefined();
      expect(table.Properties.GlobalSecondaryIndexes).toBeUndefined();
    });

    it('is retained with the default removal policy, and refuses deletion', () => {
      template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: Match.objectLike({ DeletionProtectionEnabled: true }) });
    });
  });

  describe('models bucket', () => {
    it('is encrypted with the activation key and lets Personalize (this account only) read personalize/ alone', () => {
      const bucketId = logicalId(t.stacks.activation.modelsBucket);
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [logicalId(t.stacks.activation.key), 'Arn'] } } })] },
        VersioningConfiguration: { Status: 'Enabled' },
      });
      const policy = only(template, 'AWS::S3::BucketPolicy', 'ModelsBucketPolicy');
      const personalize = (policy.Properties.PolicyDocument.Statement as any[]).filter((s) => JSON.stringify(s.Principal).includes('personalize.amazonaws.com'));
      expect(personalize).toHaveLength(1);
      expect(personalize[0].Action.sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
      expect(JSON.stringify(personalize[0].Resource)).toContain('/personalize/*');
      expect(personalize[0].Resource).toContainEqual({ 'Fn::GetAtt': [bucketId, 'Arn'] });
      expect(personalize[0].Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
    });
  });

  describe('Personalize', () => {
    const schema = (prefix: string): AvroField[] => {
      const resource = only(template, 'AWS::Personalize::Schema', prefix);
      return (JSON.parse(resource.Properties.Schema as string) as { fields: AvroField[] }).fields;
    };

    it('has an interactions schema of USER_ID, ITEM_ID, TIMESTAMP (long), EVENT_TYPE and a nullable float EVENT_VALUE', () => {
      expect(schema('PersonalizeInteractionsSchema')).toEqual([
        { name: 'USER_ID', type: 'string' },
        { name: 'ITEM_ID', type: 'string' },
        { name: 'TIMESTAMP', type: 'long' },
        { name: 'EVENT_TYPE', type: 'string' },
        { name: 'EVENT_VALUE', type: ['null', 'float'] },
      ]);
    });

    it('has an items schema of ITEM_ID and the configured attributes (categorical strings, numeric floats)', () => {
      expect(schema('PersonalizeItemsSchema')).toEqual([
        { name: 'ITEM_ID', type: 'string' },
        { name: 'CATEGORY', type: ['null', 'string'], categorical: true },
        { name: 'BRAND', type: ['null', 'string'], categorical: true },
        { name: 'PRICE', type: ['null', 'float'] },
      ]);
    });

    it('has a users schema of USER_ID and the configured user attributes as categorical strings', () => {
      expect(schema('PersonalizeUsersSchema')).toEqual([
        { name: 'USER_ID', type: 'string' },
        { name: 'PREFERRED_CHANNEL', type: ['null', 'string'], categorical: true },
      ]);
    });

    it('sends no contact field to Personalize: no schema has an email, phone, name or address field', () => {
      for (const resource of Object.values(resourcesOf(template, 'AWS::Personalize::Schema'))) {
        const fields = (JSON.parse(resource.Properties.Schema as string) as { fields: AvroField[] }).fields.map((f) => f.name);
        expect(fields.filter((name) => /MAIL|PHONE|NAME|ADDRESS/.test(name))).toEqual([]);
      }
    });

    it('encrypts the dataset group with the activation key through a role only Personalize of this account can assume', () => {
      const group = only(template, 'AWS::Personalize::DatasetGroup', 'PersonalizeDatasetGroup');
      const roleId = logicalId(t.stacks.activation.personalizeResources!.role);
      expect(group.Properties.KmsKeyArn).toEqual({ 'Fn::GetAtt': [logicalId(t.stacks.activation.key), 'Arn'] });
      expect(group.Properties.RoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
      expect(group.Properties.Domain).toBeUndefined();
      // The role's key permissions exist before Personalize checks them.
      expect(group.DependsOn).toEqual(expect.arrayContaining([roleId, expect.stringMatching(/^PersonalizeServiceRoleDefaultPolicy/)]));
      const role = template.findResources('AWS::IAM::Role')[roleId]!;
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        expect.objectContaining({
          Principal: { Service: 'personalize.amazonaws.com' },
          Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
        }),
      ]);
      expect(actionsOf(roleStatements(template, roleId)).sort()).toEqual(
        ['kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey', 'kms:ListGrants', 's3:GetObject', 's3:ListBucket'].sort(),
      );
    });

    it('lets the Personalize service use the activation key in its key policy', () => {
      const key = template.findResources('AWS::KMS::Key')[logicalId(t.stacks.activation.key)]!;
      const statement = (key.Properties.KeyPolicy.Statement as any[]).find((s) => s.Sid === 'AllowPersonalizeOfThisAccount');
      expect(statement.Principal.Service).toBe('personalize.amazonaws.com');
      expect([...statement.Action].sort()).toEqual(['kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey', 'kms:ListGrants']);
    });

    it('has the three datasets, an event tracker, the two solutions with the configured recipes and the exclude-purchased filter', () => {
      const types = Object.values(resourcesOf(template, 'AWS::Personalize::Dataset')).map((d) => d.Properties.DatasetType).sort();
      expect(types).toEqual(['Interactions', 'Items', 'Users']);
      expect(Object.keys(resourcesOf(template, 'AWS::Personalize::EventTracker'))).toHaveLength(1);
      const recipes = Object.values(resourcesOf(template, 'AWS::Personalize::Solution')).map((s) => s.Properties.RecipeArn).sort();
      expect(recipes).toEqual([t.config.activation.recommendations.personalize.recipe, t.config.activation.recommendations.personalize.similarItemsRecipe].sort());
      template.hasResourceProperties('AWS::Personalize::Filter', { FilterExpression: 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase")' });
      for (const type of ['AWS::Personalize::DatasetGroup', 'AWS::Personalize::Dataset', 'AWS::Personalize::Schema', 'AWS::Personalize::Solution', 'AWS::Personalize::Filter', 'AWS::Personalize::EventTracker']) {
        for (const [id, resource] of Object.entries(resourcesOf(template, type))) {
          expect(resource.DeletionPolicy, id).toBe('Retain');
          expect(typeof resource.Properties.Name, id).toBe('string');
          expect(resource.Properties.Name, id).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/);
        }
      }
    });

    it('exposes what the erasure needs: the dataset group, its datasets and the role that reads deletion lists', () => {
      const stores = t.stacks.activation.personalize!;
      const resolve = (v: string) => t.stacks.activation.resolve(v);
      expect(resolve(stores.datasetGroupArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PersonalizeDatasetGroup/), 'DatasetGroupArn'] });
      expect(resolve(stores.interactionsDatasetArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PersonalizeInteractionsDataset/), 'DatasetArn'] });
      expect(resolve(stores.usersDatasetArn!)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PersonalizeUsersDataset/), 'DatasetArn'] });
      expect(resolve(stores.roleArn)).toEqual({ 'Fn::GetAtt': [logicalId(t.stacks.activation.personalizeResources!.role), 'Arn'] });
    });
  });

  describe('training workflow', () => {
    const definition = () => {
      const machine = only(template, 'AWS::StepFunctions::StateMachine', 'TrainingStateMachine');
      const parts = machine.Properties.DefinitionString['Fn::Join'][1] as unknown[];
      // CloudFormation references in the definition are replaced by a marker string so it parses as JSON; the assertions read its structure.
      return { machine, json: JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')) as any };
    };

    it('checks the training data first and, below the minimum, succeeds without training and says why', () => {
      const { json } = definition();
      expect(json.StartAt).toBe('CheckTrainingData');
      const check = json.States.CheckTrainingData;
      expect(check.Type).toBe('Task');
      expect(check.ResultPath).toBe('$.check');
      // `reason` is only there when not ready: nothing on the ready path may read it.
      expect(check.ResultSelector).toBeUndefined();
      expect(JSON.stringify(json.States.TrainAndDeploy)).not.toContain('$.check.reason');
      expect(json.States.EnoughData.Choices).toEqual([{ Variable: '$.check.ready', BooleanEquals: true, Next: 'TrainAndDeploy' }]);
      expect(json.States.EnoughData.Default).toBe('ReportNotEnoughData');
      expect(json.States.ReportNotEnoughData.Parameters).toMatchObject({ trained: false, 'reason.$': '$.check.reason' });
      expect(json.States.NotEnoughData.Type).toBe('Succeed');
    });

    it('invokes the training-check function, which scans the activation table and does nothing else with it', () => {
      const { machine } = definition();
      const checkFn = only(template, 'AWS::Lambda::Function', 'TrainingCheck');
      expect(JSON.stringify(machine.Properties.DefinitionString)).toContain(`"Fn::GetAtt":["${checkFn.id}","Arn"]`);
      const { statements } = functionRole(template, 'TrainingCheck');
      const dynamo = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
      expect(actionsOf(dynamo)).toEqual(['dynamodb:Scan']);
      expect(dynamo.every((s) => refersTo(s.Resource, 'ActivationTable'))).toBe(true);
    });

    it('trains both solutions with CreateSolutionVersion, waits for ACTIVE (failing with Personalize\'s reason), then updates or creates the campaign', () => {
      const { json } = definition();
      const branches = json.States.TrainAndDeploy.Branches as any[];
      expect(branches.map((b) => b.StartAt).sort()).toEqual(['SimilarItemsCreateSolutionVersion', 'UserCreateSolutionVersion']);
      for (const branch of branches) {
        const label = (branch.StartAt as string).replace('CreateSolutionVersion', '');
        const s = branch.States;
        expect(s[`${label}CreateSolutionVersion`].Resource).toBe('arn:TOKEN:states:::aws-sdk:personalize:createSolutionVersion');
        expect(s[`${label}DescribeSolutionVersion`].Resource).toBe('arn:TOKEN:states:::aws-sdk:personalize:describeSolutionVersion');
        const status = s[`${label}TrainingStatus`];
        expect(status.Choices[0]).toEqual({ Variable: '$.version.SolutionVersion.Status', StringEquals: 'ACTIVE', Next: `${label}DescribeCampaign` });
        expect(status.Default).toBe(`${label}WaitForTraining`);
        expect(s[`${label}TrainingFailed`]).toEqual({ Type: 'Fail', Error: 'TrainingFailed', CausePath: '$.version.SolutionVersion.FailureReason' });
        expect(JSON.stringify(status.Choices)).toContain('CREATE FAILED');
        const describeCampaign = s[`${label}DescribeCampaign`];
        expect(describeCampaign.Next).toBe(`${label}UpdateCampaign`);
        expect(describeCampaign.Catch).toEqual([{ ErrorEquals: ['Personalize.ResourceNotFoundException'], ResultPath: '$.campaign', Next: `${label}CreateCampaign` }]);
        expect(s[`${label}CreateCampaign`].Parameters).toMatchObject({ MinProvisionedTPS: 1, 'SolutionVersionArn.$': '$.created.SolutionVersionArn' });
        expect(s[`${label}UpdateCampaign`].Resource).toBe('arn:TOKEN:states:::aws-sdk:personalize:updateCampaign');
      }
    });

    it('creates each campaign under the name whose ARN the recommendations API is given', () => {
      const { json } = definition();
      const { env } = functionRole(template, 'RecommendationsApi');
      const arnSuffix = (value: unknown) => {
        const parts = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
        return String(parts[parts.length - 1]);
      };
      const branches = json.States.TrainAndDeploy.Branches as any[];
      const name = (label: string) => branches.flatMap((b) => Object.entries(b.States)).find(([id]) => id === `${label}CreateCampaign`)![1] as any;
      expect(arnSuffix(env[ACTIVATION_ENV.personalizeCampaignArn])).toBe(`:campaign/${name('User').Parameters.Name}`);
      expect(arnSuffix(env[ACTIVATION_ENV.personalizeSimilarCampaignArn])).toBe(`:campaign/${name('SimilarItems').Parameters.Name}`);
      expect(name('User').Parameters.Name).not.toBe(name('SimilarItems').Parameters.Name);
    });

    it('logs (without execution data) and traces, and runs on the configured schedule', () => {
      const { machine } = definition();
      expect(machine.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
      expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: t.config.activation.recommendations.personalize.trainSchedule,
        Targets: [Match.objectLike({ Arn: { Ref: machine.id } })],
      });
    });

    it('gives the state machine Personalize actions on its own solutions, their versions and its two campaigns only', () => {
      const machine = only(template, 'AWS::StepFunctions::StateMachine', 'TrainingStateMachine');
      const roleId = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const personalize = roleStatements(template, roleId).filter((s) => actionsOf([s]).some((a) => a.startsWith('personalize:')));
      expect(actionsOf(personalize).sort()).toEqual(
        ['personalize:CreateCampaign', 'personalize:CreateSolutionVersion', 'personalize:DescribeCampaign', 'personalize:DescribeSolutionVersion', 'personalize:UpdateCampaign'].sort(),
      );
      for (const statement of personalize) {
        for (const resource of [statement.Resource].flat()) {
          const text = JSON.stringify(resource);
          expect(text.includes('Solution') || /:campaign\/[A-Za-z0-9-]+-campaign"/.test(text), text).toBe(true);
        }
      }
    });
  });

  describe('function grants', () => {
    it('interactions: reads the stream, reads the profile table (no write), writes the activation table, puts events to the tracker only', () => {
      const { statements, env } = functionRole(template, 'RecommendationsInteractions');
      const onProfile = statementsOn(statements, PROFILE_TABLE_OUTPUT);
      expect(actionsOf(onProfile).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
      expect(actionsOf(statements.filter((s) => refersTo(s.Resource, 'ActivationTable')))).toEqual(expect.arrayContaining(WRITE_ACTIONS));
      const personalize = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('personalize:')));
      expect(personalize).toEqual([expect.objectContaining({ Action: 'personalize:PutEvents', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PersonalizeEventTracker/), 'EventTrackerArn'] } })]);
      expect(env[ACTIVATION_ENV.personalizeTrackingId]).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PersonalizeEventTracker/), 'TrackingId'] });
      expect(actionsOf(statements)).not.toContain('kinesis:PutRecords');
    });

    it('interactions: a bounded, bisecting stream mapping with partial batch responses and an on-failure queue', () => {
      const mapping = only(template, 'AWS::Lambda::EventSourceMapping', 'RecommendationsInteractions');
      expect(mapping.Properties).toMatchObject({
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumRetryAttempts: 5,
        MaximumRecordAgeInSeconds: 6 * 3600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^RecommendationsInteractionsOnFailureQueue/), 'Arn'] } } },
      });
    });

    it('item import: triggered by objects created under landing/items/ of the landing bucket; reads there, reports under reports/items/, puts items to the items dataset', () => {
      const rule = only(template, 'AWS::Events::Rule', 'RecommendationsItemFileCreated');
      expect(rule.Properties.EventPattern).toMatchObject({
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { object: { key: [{ prefix: 'landing/items/' }] } },
      });
      expect(JSON.stringify(rule.Properties.EventPattern.detail.bucket.name)).toContain('BatchImportLandingBucket');
      const { statements } = functionRole(template, 'RecommendationsItemImport');
      const s3 = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
      expect(s3.map((s) => [actionsOf([s]).sort(), JSON.stringify(s.Resource).match(/"(\/[^"]+)"/)?.[1]])).toEqual([
        [['s3:GetObject', 's3:GetObjectVersion'], '/landing/items/*'],
        [['s3:PutObject'], '/reports/items/*'],
      ]);
      const personalize = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('personalize:')));
      expect(personalize).toEqual([expect.objectContaining({ Action: 'personalize:PutItems', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PersonalizeItemsDataset/), 'DatasetArn'] } })]);
    });

    it('the landing bucket sends its object events to EventBridge', () => {
      t.template('collection').hasResourceProperties('Custom::S3BucketNotifications', {
        BucketName: { Ref: logicalId(t.stacks.collection.batchImport.landingBucket) },
        NotificationConfiguration: Match.objectLike({ EventBridgeConfiguration: {} }),
      });
    });

    it('recommendations API: reads only (activation table, profile table, models/recommender/), asks the two campaigns', () => {
      const { statements, env } = functionRole(template, 'RecommendationsApi');
      const actions = actionsOf(statements);
      for (const write of [...WRITE_ACTIONS, 'dynamodb:Scan', 's3:PutObject', 's3:DeleteObject', 'kinesis:PutRecords']) expect(actions).not.toContain(write);
      expect(actionsOf(statementsOn(statements, PROFILE_TABLE_OUTPUT)).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
      const objects = statements.filter((s) => actionsOf([s]).includes('s3:GetObject'));
      expect(objects.map((s) => JSON.stringify(s.Resource))).toEqual([expect.stringContaining('/models/recommender/*')]);
      const personalize = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('personalize:')));
      expect(actionsOf(personalize).sort()).toEqual(['personalize:DescribeCampaign', 'personalize:GetRecommendations']);
      expect(env[ACTIVATION_ENV.personalizeExcludePurchasedFilterArn]).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PersonalizeExcludePurchasedFilter/), 'FilterArn'] });
    });

    it('recommender rebuild: scans the activation table (no item read or write) and writes models/recommender/ only, on its schedule', () => {
      const { statements } = functionRole(template, 'RecommendationsRebuild');
      const actions = actionsOf(statements);
      expect(actions.filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:Scan']);
      expect(statements.filter((s) => actionsOf([s]).includes('dynamodb:Scan')).map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [logicalId(t.stacks.activation.table), 'Arn'] }]);
      expect(statements.filter((s) => actionsOf([s]).includes('s3:PutObject')).map((s) => JSON.stringify(s.Resource))).toEqual([expect.stringContaining('/models/recommender/*')]);
      expect(statementsOn(statements, PROFILE_TABLE_OUTPUT)).toEqual([]);
      const rebuildEvery = events.Schedule.rate(Duration.minutes(t.config.activation.recommendations.builtIn.rebuildEveryMinutes));
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: rebuildEvery.expressionString,
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [only(template, 'AWS::Lambda::Function', 'RecommendationsRebuild').id, 'Arn'] } })],
      });
    });

    it('propensity job: queries in the analytics workgroup, reads the lake catalog, writes models/propensity/ and puts records on the stream (no read of it)', () => {
      const { statements, env } = functionRole(template, 'PropensityJob');
      const actions = actionsOf(statements);
      expect(actions).toEqual(expect.arrayContaining(['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'glue:GetTable', 'glue:GetPartitions', 'kinesis:PutRecords']));
      expect(actions.filter((a) => a.startsWith('glue:') && !a.startsWith('glue:Get'))).toEqual([]);
      expect(actions).not.toContain('kinesis:GetRecords');
      expect(actions.filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
      const writes = statements.filter((s) => actionsOf([s]).includes('s3:PutObject')).map((s) => JSON.stringify(s.Resource));
      expect(writes).toHaveLength(2);
      expect(writes).toEqual(expect.arrayContaining([expect.stringContaining('/models/propensity/*'), expect.stringContaining('/results/*')]));
      // Lake Formation governs the lake by default: Athena reads through it, not with IAM on the objects.
      expect(actions).toContain('lakeformation:GetDataAccess');
      expect(statements.filter((s) => JSON.stringify(s.Resource).includes('/raw/*') || JSON.stringify(s.Resource).includes('/exports/*'))).toEqual([]);
      expect(env).toMatchObject({ [ACTIVATION_ENV.glueDatabase]: t.stacks.collection.rawLake.databaseName, [ACTIVATION_ENV.athenaWorkgroup]: expect.anything() });
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: t.config.activation.propensity.schedule,
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [only(template, 'AWS::Lambda::Function', 'PropensityJob').id, 'Arn'] } })],
      });
    });
  });

  describe('activation API', () => {
    it('serves GET /profiles/{id}/recommendations and GET /items/{id}/similar with IAM authorization and the parameter validator', () => {
      const methods = Object.values(resourcesOf(template, 'AWS::ApiGateway::Method')).filter((m) => m.Properties.AuthorizationType === 'AWS_IAM');
      expect(methods.length).toBeGreaterThanOrEqual(2);
      const apiFn = only(template, 'AWS::Lambda::Function', 'RecommendationsApi');
      const integrated = methods.filter((m) => JSON.stringify(m.Properties.Integration).includes(apiFn.id));
      expect(integrated).toHaveLength(2);
      for (const method of integrated) {
        expect(method.Properties.HttpMethod).toBe('GET');
        expect(method.Properties.RequestParameters).toEqual({ 'method.request.path.id': true, 'method.request.querystring.n': false });
        expect(method.Properties.RequestValidatorId).toBeDefined();
      }
      const paths = Object.values(resourcesOf(template, 'AWS::ApiGateway::Resource')).map((r) => r.Properties.PathPart);
      expect(paths).toEqual(expect.arrayContaining(['profiles', '{id}', 'recommendations', 'items', 'similar']));
    });

    it('logs every request to its own encrypted log group, with metrics, tracing and throttling on the v1 stage', () => {
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: 'v1',
        TracingEnabled: true,
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
        MethodSettings: Match.arrayWith([Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', MetricsEnabled: true, ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 })]),
      });
      const stage = only(template, 'AWS::ApiGateway::Stage', 'ActivationApiDeploymentStage');
      expect(JSON.stringify(stage.Properties.AccessLogSetting.DestinationArn)).toContain(`{"Ref":"${logicalId(t.stacks.activation.activationApi.accessLogs)}"}`);
      template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [logicalId(t.stacks.activation.key), 'Arn'] } });
    });
  });

  it('creates no Amazon Pinpoint resource in any stack', () => {
    for (const pillar of PILLARS) {
      const types = Object.values(t.template(pillar).toJSON().Resources as Resources).map((r) => r.Type);
      expect(types.filter((type) => type.startsWith('AWS::Pinpoint::')), pillar).toEqual([]);
    }
  });
});

describe('activation stack, Personalize off, the lake not governed by Lake Formation', () => {
  let t: TestApp;
  let template: Template;
  beforeAll(() => {
    t = testApp({
      activation: { recommendations: { personalize: { enabled: false } } },
      governance: { lakeFormation: { enabled: false } },
    });
    template = t.template('activation');
  }, APP_TIMEOUT_MS);

  it('deploys no Personalize resource and no training workflow', () => {
    const types = Object.values(template.toJSON().Resources as Resources).map((r) => r.Type);
    expect(types.filter((type) => type.startsWith('AWS::Personalize::'))).toEqual([]);
    expect(types).not.toContain('AWS::StepFunctions::StateMachine');
    expect(t.stacks.activation.personalize).toBeUndefined();
  });

  it('leaves the recommendation functions on the built-in recommender: no Personalize environment or action', () => {
    for (const prefix of ['RecommendationsInteractions', 'RecommendationsItemImport', 'RecommendationsApi']) {
      const { statements, env } = functionRole(template, prefix);
      expect(actionsOf(statements).filter((a) => a.startsWith('personalize:')), prefix).toEqual([]);
      expect(Object.keys(env).filter((name) => name.startsWith('PERSONALIZE_')), prefix).toEqual([]);
    }
  });

  it('lets the propensity job read raw/ of the lake and exports/ of the curated zone directly (read only), without Lake Formation', () => {
    const { statements } = functionRole(template, 'PropensityJob');
    expect(actionsOf(statements)).not.toContain('lakeformation:GetDataAccess');
    const reads = statements.filter((s) => actionsOf([s]).includes('s3:GetObject')).map((s) => JSON.stringify(s.Resource));
    expect(reads).toEqual(expect.arrayContaining([expect.stringContaining('/raw/*'), expect.stringContaining('/exports/*')]));
    for (const statement of statements.filter((s) => /\/(raw|exports)\/\*/.test(JSON.stringify(s.Resource)))) {
      expect(actionsOf([statement])).toEqual(['s3:GetObject']);
    }
  });
});

describe('activation stack, propensity off', () => {
  it('has no propensity job or schedule', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const t = testApp({ activation: { propensity: { enabled: false } } }, { synth: false });
    expect(t.stacks.activation.propensity).toBeUndefined();
    const template = t.template('activation');
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => id.startsWith('PropensityJob'))).toEqual([]);
  });
});
