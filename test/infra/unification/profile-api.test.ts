/** The ProfileApi construct on its own: its defaults, the logical IDs its `Default` id keeps, and the event stream it records consent on. */
import { App, type CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { UNIFICATION_ENV } from '../../../lambda/unification/contracts/env';
import { ProfileApi } from '../../../lib/constructs/unification/profile-api';
import { actionsOf, logicalId, roleStatements, SYNTH_TIMEOUT_MS } from '../../support/infra-fixture';

describe('ProfileApi', () => {
  let api: ProfileApi;
  let template: Template;
  beforeAll(() => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'ProfileApiTest');
    const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    api = new ProfileApi(stack, 'Default', {
      table,
      identifierTypes: ['email'],
      removalPolicy: RemovalPolicy.DESTROY,
      logRetention: RetentionDays.ONE_WEEK,
    });
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT_MS);

  it('throttles at 500 requests/s with bursts of 1000 by default', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 })]),
    });
  });

  it('leaves its log groups to CloudWatch Logs encryption when given no key', () => {
    for (const [id, logGroup] of Object.entries(template.findResources('AWS::Logs::LogGroup'))) {
      expect(logGroup.Properties.KmsKeyId, id).toBeUndefined();
      expect(logGroup.DeletionPolicy, id).toBe('Delete');
    }
  });

  it('under the id Default, keeps the logical IDs its resources had when the unification stack created them', () => {
    // Logical IDs hash the construct path without `Default` segments: these are the unification stack's.
    expect(logicalId(api.api)).toBe('ProfileApiABF5D3F3');
    expect(logicalId(api.handler)).toBe('ProfileApiHandler9B65A298');
    expect(logicalId(api.accessLogs)).toBe('ProfileApiAccessLogs8345A87F');
    // The API's name is its construct id, shown in the console and the alarms' ApiName dimension.
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'ProfileApi' });
  });
});

describe('ProfileApi: who may write the table', () => {
  let api: ProfileApi;
  let template: Template;
  let stack: Stack;
  let tableId: string;
  beforeAll(() => {
    stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'ProfileApiRolesTest');
    const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    const stream = new kinesis.Stream(stack, 'Events');
    api = new ProfileApi(stack, 'Default', { table, identifierTypes: ['email'], stream, removalPolicy: RemovalPolicy.DESTROY, logRetention: RetentionDays.ONE_WEEK });
    template = Template.fromStack(stack);
    tableId = stack.getLogicalId(table.node.defaultChild as CfnElement);
  }, SYNTH_TIMEOUT_MS);

  const roleOf = (fn: lambda.IFunction) => stack.getLogicalId(fn.role?.node.defaultChild as CfnElement);
  const tableActions = (fn: lambda.IFunction) =>
    actionsOf(roleStatements(template, roleOf(fn)).filter((s) => JSON.stringify(s.Resource).includes(tableId))).filter((a) => a.startsWith('dynamodb:'));
  const WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem'];

  it('gives the function of the reading routes and consent read-only access to the table', () => {
    const actions = tableActions(api.handler);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
    expect(actions.filter((a) => WRITES.includes(a) || a.includes('Write') || a.includes('Delete') || a.includes('Update') || a.includes('Put'))).toEqual([]);
  });

  it('gives unmerge its own function, with read-write on the table', () => {
    expect(api.unmergeHandler.node.path).not.toBe(api.handler.node.path);
    expect(tableActions(api.unmergeHandler)).toEqual(expect.arrayContaining([...WRITES, 'dynamodb:GetItem']));
    expect(actionsOf(roleStatements(template, roleOf(api.unmergeHandler))).filter((a) => a.startsWith('kinesis:'))).toEqual([]);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'profile-unmerge' }) } });
  });

  function methodOn(pathPart: string, httpMethod: string) {
    const [resourceId] = Object.keys(template.findResources('AWS::ApiGateway::Resource', { Properties: { PathPart: pathPart } }));
    expect(resourceId, pathPart).toBeDefined();
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: httpMethod, ResourceId: { Ref: resourceId } } }));
    expect(methods).toHaveLength(1);
    return methods[0]!.Properties as { AuthorizationType: string; Integration: { Uri: unknown } };
  }
  const integrates = (method: { Integration: { Uri: unknown } }, fn: lambda.IFunction) =>
    JSON.stringify(method.Integration.Uri).includes(`"${stack.getLogicalId(fn.node.defaultChild as CfnElement)}"`);

  it('routes POST /profiles/{id}/unmerge to the unmerge function, and the other methods to the reading one', () => {
    const unmerge = methodOn('unmerge', 'POST');
    expect(integrates(unmerge, api.unmergeHandler)).toBe(true);
    expect(integrates(unmerge, api.handler)).toBe(false);
    for (const [part, verb] of [['{id}', 'GET'], ['merges', 'GET'], ['consent', 'PUT']] as const) {
      const method = methodOn(part, verb);
      expect(integrates(method, api.handler), `${verb} ${part}`).toBe(true);
      expect(integrates(method, api.unmergeHandler), `${verb} ${part}`).toBe(false);
    }
  });

  it('serves GET /openapi.json from the reading function, IAM-authorized like every method', () => {
    const openApi = methodOn('openapi.json', 'GET');
    expect(openApi.AuthorizationType).toBe('AWS_IAM');
    expect(integrates(openApi, api.handler)).toBe(true);
  });
});

describe('ProfileApi with the event stream', () => {
  let api: ProfileApi;
  let template: Template;
  let stack: Stack;
  let stream: kinesis.Stream;
  let key: kms.Key;
  beforeAll(() => {
    stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'ProfileApiStreamTest');
    const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    key = new kms.Key(stack, 'StreamKey');
    stream = new kinesis.Stream(stack, 'Events', { encryption: kinesis.StreamEncryption.KMS, encryptionKey: key });
    // A second function in the stack, to show the grant goes to the API's function only.
    new lambda.Function(stack, 'Other', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
    api = new ProfileApi(stack, 'Default', {
      table,
      identifierTypes: ['email'],
      stream,
      removalPolicy: RemovalPolicy.DESTROY,
      logRetention: RetentionDays.ONE_WEEK,
    });
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT_MS);

  const roleId = () => stack.getLogicalId(api.handler.role?.node.defaultChild as CfnElement);

  it('lets the API function put records on the stream and encrypt them with its key, and names the stream in its environment', () => {
    const statements = roleStatements(template, roleId());
    const onStream = statements.filter((s) => JSON.stringify(s.Resource).includes(stack.getLogicalId(stream.node.defaultChild as CfnElement)));
    expect(actionsOf(onStream)).toContain('kinesis:PutRecord');
    expect(actionsOf(onStream).filter((a) => !a.startsWith('kinesis:Put') && a !== 'kinesis:ListShards' && a !== 'kinesis:DescribeStream')).toEqual([]);
    const onKey = statements.filter((s) => JSON.stringify(s.Resource).includes(stack.getLogicalId(key.node.defaultChild as CfnElement)));
    expect(actionsOf(onKey)).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:GenerateDataKey']));
    expect(actionsOf(onKey)).not.toContain('kms:Decrypt');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [UNIFICATION_ENV.eventStream]: { Ref: stack.getLogicalId(stream.node.defaultChild as CfnElement) } }) },
    });
  });

  it('grants the stream to no other role', () => {
    const streamId = stack.getLogicalId(stream.node.defaultChild as CfnElement);
    for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
      if (!JSON.stringify(policy.Properties.PolicyDocument).includes(streamId)) continue;
      expect(policy.Properties.Roles, id).toEqual([{ Ref: roleId() }]);
    }
  });

  it('serves GET and PUT /profiles/{id}/consent, the PUT body checked by a model', () => {
    const resources = template.findResources('AWS::ApiGateway::Resource', { Properties: { PathPart: 'consent' } });
    const [consentId] = Object.keys(resources);
    expect(consentId).toBeDefined();
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'GET', AuthorizationType: 'AWS_IAM', ResourceId: { Ref: consentId } });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'PUT',
      AuthorizationType: 'AWS_IAM',
      ResourceId: { Ref: consentId },
      RequestModels: { 'application/json': Match.anyValue() },
    });
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      Schema: Match.objectLike({ required: ['purposes'], properties: Match.objectLike({ purposes: Match.objectLike({ minProperties: 1 }) }) }),
    });
  });
});

describe('ProfileApi without a stream', () => {
  it('grants no Kinesis action and sets no stream variable', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'ProfileApiNoStreamTest');
    const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    const api = new ProfileApi(stack, 'Default', { table, identifierTypes: ['email'], removalPolicy: RemovalPolicy.DESTROY, logRetention: RetentionDays.ONE_WEEK });
    const template = Template.fromStack(stack);
    const actions = actionsOf(roleStatements(template, stack.getLogicalId(api.handler.role?.node.defaultChild as CfnElement)));
    expect(actions.filter((a) => a.startsWith('kinesis:'))).toEqual([]);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(fn?.Properties.Environment.Variables[UNIFICATION_ENV.eventStream]).toBeUndefined();
  }, SYNTH_TIMEOUT_MS);
});
