/** The Messaging construct on a small stack of its own: channels, triggers, feedback routing, the public unsubscribe method, grants and cdk-nag. */
import { readFileSync } from 'node:fs';
import { App, type CfnElement, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATION_ENV } from '../../../lambda/activation/contracts/env';
import { parseConfig, type C360ConfigInput } from '../../../lambda/config';
import { EXAMPLE_AUDIENCE_EXPORTS, EXAMPLE_CAMPAIGNS } from '../../../lambda/config/activation';
import { emailDomain, smsOriginationResource } from '../../../lib/constructs/activation/messaging-channels';
import { campaignSegments, Messaging, unsubscribeBaseUrl } from '../../../lib/constructs/activation/messaging';
import { DataKey } from '../../../lib/constructs/common/data-key';
import { AccessLogsBucket, DataBucket } from '../../../lib/constructs/common/secure-bucket';
import { actionsOf, roleStatements, SYNTH_TIMEOUT_MS, type PolicyStatement } from '../../support/infra-fixture';

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

const PUSH_APP = '0123456789abcdef0123456789abcdef';
const SMS_POOL = 'pool-0123456789abcdef';
const ENV = { account: '123456789012', region: 'eu-west-1' };

/** A fixture acknowledgment: the resources the test stack makes to stand in for the activation stack's. */
function fixtureAck(scope: IConstruct, id: string): void {
  Validations.of(scope).acknowledge({ id, reason: 'A stand-in built by this test for what the activation stack provides; only the Messaging construct under test is checked.' });
}

interface Built {
  readonly stack: Stack;
  readonly messaging: Messaging;
  readonly template: Template;
  readonly api: apigateway.RestApi;
}

/** The props Messaging takes, made the way the activation stack makes them, and Messaging built on them. */
function build(input: C360ConfigInput, options: { synth?: boolean } = {}): Built {
  const config = parseConfig(input);
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'MessagingTest', { env: ENV });
  const removalPolicy = RemovalPolicy.DESTROY;
  const key = new DataKey(stack, 'Key', { description: 'activation', removalPolicy });
  const keys = { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING }, sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING } };
  const table = new dynamodb.Table(stack, 'ActivationTable', {
    ...keys,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy,
  });
  const profileKey = new kms.Key(stack, 'ProfileKey', { enableKeyRotation: true, removalPolicy });
  const profileTable = new dynamodb.Table(stack, 'ProfileTable', {
    ...keys,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: profileKey,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy,
  });
  const segmentBus = new events.EventBus(stack, 'SegmentBus');
  const streamKey = new kms.Key(stack, 'StreamKey', { enableKeyRotation: true, removalPolicy });
  const stream = new kinesis.Stream(stack, 'Events', { encryption: kinesis.StreamEncryption.KMS, encryptionKey: streamKey, removalPolicy });
  const accessLogsBucket = new AccessLogsBucket(stack, 'AccessLogs', { removalPolicy });
  const exportsBucket = new DataBucket(stack, 'Exports', { encryptionKey: key, accessLogsBucket, accessLogsPrefix: 'exports/', removalPolicy });
  const accessLogs = new logs.LogGroup(stack, 'ApiAccessLogs', { removalPolicy, retention: logs.RetentionDays.ONE_WEEK });
  const api = new apigateway.RestApi(stack, 'Api', {
    cloudWatchRole: false,
    endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
    defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
    deployOptions: {
      stageName: 'v1',
      accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
      accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      throttlingRateLimit: 100,
      throttlingBurstLimit: 200,
      tracingEnabled: true,
    },
  });
  api.addRequestValidator('Validator', { validateRequestParameters: true, validateRequestBody: true });
  const health = api.root.addResource('health').addMethod('GET', new apigateway.MockIntegration({ integrationResponses: [{ statusCode: '200' }], requestTemplates: { 'application/json': '{"statusCode": 200}' } }), {
    methodResponses: [{ statusCode: '200' }],
  });
  fixtureAck(health, 'AwsSolutions-COG4');
  fixtureAck(api.deploymentStage, 'AwsSolutions-APIG3');
  fixtureAck(api.deploymentStage, 'AwsSolutions-APIG6');
  fixtureAck(stream, 'AwsSolutions-KDS3');

  const messaging = new Messaging(stack, 'Messaging', {
    config,
    key,
    table,
    profileTable,
    segmentBus,
    stream,
    streamKey,
    exportsBucket,
    api,
    removalPolicy,
  });
  if (options.synth ?? true) app.synth();
  return { stack, messaging, template: Template.fromStack(stack), api };
}

/** The shipped example campaigns (one per channel and trigger kind) and audience export, as c360.config.ts deploys them. */
const FULL: C360ConfigInput = {
  unification: { identity: { identifiers: ['userId', 'email', 'phone', 'anonymousId', 'deviceToken'] } },
  activation: { campaigns: EXAMPLE_CAMPAIGNS, audienceExports: EXAMPLE_AUDIENCE_EXPORTS, messaging: { push: { applicationId: PUSH_APP }, sms: { originationIdentity: SMS_POOL }, email: { fromAddress: 'news@Mail.Example.org' } } },
};

const logicalIdOf = (stack: Stack, construct: IConstruct) => stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
const roleIdOf = (stack: Stack, fn: { role?: IConstruct }) => stack.getLogicalId(fn.role?.node.defaultChild as CfnElement);
const onResource = (statements: PolicyStatement[], text: string) => statements.filter((s) => JSON.stringify(s.Resource).includes(text));

describe('Messaging', () => {
  let b: Built;
  beforeAll(() => {
    b = build(FULL);
  }, SYNTH_TIMEOUT_MS);

  it('creates no Pinpoint engagement resource (no app, segment, campaign or journey)', () => {
    const types = Object.values(b.template.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((t) => t.startsWith('AWS::Pinpoint'))).toEqual([]);
    expect(types).toContain('AWS::SES::ConfigurationSet');
  });

  it('publishes the SES configuration set\'s delivery events to the default event bus', () => {
    b.template.resourceCountIs('AWS::SES::ConfigurationSet', 1);
    b.template.hasResourceProperties('AWS::SES::ConfigurationSet', { DeliveryOptions: { TlsPolicy: 'REQUIRE' } });
    b.template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: logicalIdOf(b.stack, b.messaging.channels.emailConfigurationSet) },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: Match.arrayWith(['delivery', 'bounce', 'complaint', 'reject', 'open', 'click']),
        EventBridgeDestination: {
          EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/default',
        },
      },
    });
  });

  it('routes that configuration set\'s events on the default bus to the feedback function, with retries and a dead-letter queue', () => {
    const rules = b.template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.ses'] } } });
    expect(Object.keys(rules)).toHaveLength(1);
    const rule = Object.values(rules)[0]!;
    // No EventBusName: the default bus, the only one SES publishes to.
    expect(rule.Properties.EventBusName).toBeUndefined();
    expect(rule.Properties.EventPattern.detail).toEqual({
      mail: { tags: { 'ses:configuration-set': [{ Ref: logicalIdOf(b.stack, b.messaging.channels.emailConfigurationSet) }] } },
    });
    expect(rule.Properties.EventPattern['detail-type']).toEqual(expect.arrayContaining(['Email Bounced', 'Email Complaint Received', 'Email Delivered']));
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [logicalIdOf(b.stack, b.messaging.feedback), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(b.stack, b.messaging.deadLetterQueue), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 21600 },
      }),
    ]);
  });

  it('sends SMS events to an encrypted, TLS-only SNS topic that the feedback function subscribes to, and creates an opt-out list', () => {
    const topicId = logicalIdOf(b.stack, b.messaging.channels.smsEvents);
    b.template.hasResourceProperties('AWS::SMSVOICE::ConfigurationSet', {
      EventDestinations: [Match.objectLike({ Enabled: true, MatchingEventTypes: ['TEXT_ALL'], SnsDestination: { TopicArn: { Ref: topicId } } })],
    });
    b.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(b.stack, b.stack.node.findChild('Key')), 'Arn'] } });
    b.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'sms-voice.amazonaws.com' }, Action: 'sns:Publish' }),
        ]),
      },
    });
    b.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: topicId },
      Endpoint: { 'Fn::GetAtt': [logicalIdOf(b.stack, b.messaging.feedback), 'Arn'] },
    });
    b.template.resourceCountIs('AWS::SMSVOICE::OptOutList', 1);
    // End User Messaging may use the topic's key, for this account's configuration sets only.
    const keyPolicy = Object.values(b.template.findResources('AWS::KMS::Key')).map((k) => JSON.stringify(k.Properties.KeyPolicy)).join();
    expect(keyPolicy).toContain('sms-voice.amazonaws.com');
    expect(keyPolicy).toContain('configuration-set/*');
  });

  it('makes GET and POST /unsubscribe the only methods without authorization, token required', () => {
    const methods = Object.values(b.template.findResources('AWS::ApiGateway::Method'));
    const open = methods.filter((m) => m.Properties.AuthorizationType === 'NONE');
    expect(open.map((m) => m.Properties.HttpMethod).sort()).toEqual(['GET', 'POST']);
    const unsubscribeResource = logicalIdOf(b.stack, b.messaging.unsubscribeResource);
    for (const m of open) {
      expect(m.Properties.ResourceId).toEqual({ Ref: unsubscribeResource });
      expect(m.Properties.RequestParameters).toEqual({ 'method.request.querystring.token': true });
      expect(m.Properties.AuthorizerId).toBeUndefined();
      expect(JSON.stringify(m.Properties.Integration.Uri)).toContain(logicalIdOf(b.stack, b.messaging.unsubscribe));
    }
    for (const m of methods.filter((x) => x.Properties.AuthorizationType !== 'NONE')) expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
    b.template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'unsubscribe' });
  });

  it('throttles the unsubscribe methods below the stage', () => {
    const stage = Object.values(b.template.findResources('AWS::ApiGateway::Stage'))[0]!;
    const settings = stage.Properties.MethodSettings as Array<Record<string, unknown>>;
    for (const method of ['GET', 'POST']) {
      expect(settings).toContainEqual(expect.objectContaining({ ResourcePath: '/~1unsubscribe', HttpMethod: method, ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 }));
    }
    expect(settings).toContainEqual(expect.objectContaining({ ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: 100 }));
  });

  it('gives the functions the unsubscribe URL from the API id and the literal stage name, not from the stage resource (no dependency cycle)', () => {
    const stageId = logicalIdOf(b.stack, b.api.deploymentStage);
    for (const fn of b.messaging.campaignFunctions) {
      const resource = b.template.findResources('AWS::Lambda::Function')[logicalIdOf(b.stack, fn)]!;
      const url = resource.Properties.Environment.Variables[ACTIVATION_ENV.unsubscribeUrl];
      expect(JSON.stringify(url)).toContain(JSON.stringify({ Ref: logicalIdOf(b.stack, b.api) }));
      expect(JSON.stringify(url)).toContain('/v1/unsubscribe');
      expect(JSON.stringify(url)).not.toContain(stageId);
    }
  });

  it('triggers segment campaigns from the segment bus, only for the segments campaigns are triggered by', () => {
    const rule = b.messaging.campaignSegmentsRule!;
    b.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: logicalIdOf(b.stack, b.stack.node.findChild('SegmentBus')) },
      EventPattern: {
        source: ['c360.segments'],
        'detail-type': ['Segment Entered', 'Segment Exited'],
        // The default campaigns: winBack on lapsedCustomers, vipWelcome on highValue.
        detail: { segment: ['highValue', 'lapsedCustomers'] },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalIdOf(b.stack, b.messaging.campaignSegments!), 'Arn'] },
          DeadLetterConfig: Match.objectLike({}),
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 10 }),
        }),
      ],
    });
    expect(rule).toBeDefined();
  });

  it('reads the event stream for event-triggered campaigns: new records only, bisecting, bounded, with an on-failure destination', () => {
    b.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(b.stack, b.messaging.campaignEvents!) },
      StartingPosition: 'LATEST',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86400,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(b.stack, b.messaging.deadLetterQueue), 'Arn'] } } },
    });
  });

  it('runs the scheduled campaign work one invocation at a time (two sweeps must not take the same due send)', () => {
    const fn = b.template.findResources('AWS::Lambda::Function')[logicalIdOf(b.stack, b.messaging.campaignSchedule)]!;
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
    b.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(b.stack, b.messaging.campaignSchedule) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(b.stack, b.messaging.deadLetterQueue), 'Arn'] } } },
    });
  });

  it('schedules each scheduled campaign with its name and the scheduled time, and sweeps deferred sends every 5 minutes', () => {
    const schedules = Object.values(b.template.findResources('AWS::Scheduler::Schedule'));
    const inputs = schedules.map((s) => ({ expression: s.Properties.ScheduleExpression, input: JSON.parse(s.Properties.Target.Input as string) as unknown }));
    expect(inputs).toContainEqual({ expression: 'cron(0 9 ? * MON *)', input: { campaign: 'weeklyPicks', scheduledAt: '<aws.scheduler.scheduled-time>' } });
    expect(inputs).toContainEqual({ expression: 'rate(5 minutes)', input: { sweep: 'deferred' } });
    const campaignSchedule = { 'Fn::GetAtt': [logicalIdOf(b.stack, b.messaging.campaignSchedule), 'Arn'] };
    for (const s of schedules.filter((x) => 'campaign' in JSON.parse(x.Properties.Target.Input) || 'sweep' in JSON.parse(x.Properties.Target.Input))) {
      expect(s.Properties.Target.Arn).toEqual(campaignSchedule);
      expect(s.Properties.Target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [logicalIdOf(b.stack, b.messaging.deadLetterQueue), 'Arn'] } });
    }
  });

  it('schedules each audience export and runs it on its segment\'s changes', () => {
    const exportArn = { 'Fn::GetAtt': [logicalIdOf(b.stack, b.messaging.audienceExport!), 'Arn'] };
    const schedules = Object.values(b.template.findResources('AWS::Scheduler::Schedule')).filter((s) => JSON.stringify(s.Properties.Target.Arn) === JSON.stringify(exportArn));
    expect(schedules.map((s) => [s.Properties.ScheduleExpression, JSON.parse(s.Properties.Target.Input as string)])).toEqual([['rate(1 day)', { export: 'highValue' }]]);
    b.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['c360.segments'], 'detail-type': ['Segment Entered', 'Segment Exited'], detail: { segment: ['highValue'] } },
      // The event itself goes to the function: no input transformation.
      Targets: [Match.objectLike({ Arn: exportArn, Input: Match.absent(), InputTransformer: Match.absent() })],
    });
  });

  it('lets the scheduler role invoke exactly the scheduled functions, by ARN', () => {
    const statements = roleStatements(b.template, logicalIdOf(b.stack, b.messaging.schedules.role));
    const invoke = statements.filter((s) => actionsOf([s]).includes('lambda:InvokeFunction'));
    const resources = invoke.flatMap((s) => [s.Resource].flat());
    expect(resources).toHaveLength(2);
    expect(resources).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [logicalIdOf(b.stack, b.messaging.campaignSchedule), 'Arn'] },
        { 'Fn::GetAtt': [logicalIdOf(b.stack, b.messaging.audienceExport!), 'Arn'] },
      ]),
    );
  });

  describe('grants', () => {
    const profileTableId = () => logicalIdOf(b.stack, b.stack.node.findChild('ProfileTable'));
    const statementsOf = (fn: { role?: IConstruct }) => roleStatements(b.template, roleIdOf(b.stack, fn));

    it('lets the campaign functions send on every channel: SES from the sending domain with the configuration set, SMS with its set and pool, push on the project\'s messages', () => {
      for (const fn of [b.messaging.campaignSegments!, b.messaging.campaignEvents!, b.messaging.campaignSchedule]) {
        const statements = statementsOf(fn);
        const ses = statements.filter((s) => actionsOf([s]).includes('ses:SendEmail'));
        expect(JSON.stringify(ses)).toContain(':ses:eu-west-1:123456789012:identity/mail.example.org');
        expect(JSON.stringify(ses)).toContain(':configuration-set/');
        const sms = statements.filter((s) => actionsOf([s]).includes('sms-voice:SendTextMessage'));
        expect(JSON.stringify(sms)).toContain(`pool/${SMS_POOL}`);
        expect(JSON.stringify(sms)).toContain(logicalIdOf(b.stack, b.messaging.channels.smsConfigurationSet));
        const push = statements.filter((s) => actionsOf([s]).includes('mobiletargeting:SendMessages'));
        expect(push).toHaveLength(1);
        expect(JSON.stringify(push[0]!.Resource)).toContain(`:mobiletargeting:eu-west-1:123456789012:apps/${PUSH_APP}/messages`);
        expect(actionsOf(statements)).toContain('secretsmanager:GetSecretValue');
      }
    });

    it('conditions the campaign functions\' membership Query on the SEG# partitions of the campaigns\' segments', () => {
      for (const fn of [b.messaging.campaignSegments!, b.messaging.campaignEvents!, b.messaging.campaignSchedule]) {
        const onProfiles = onResource(statementsOf(fn), profileTableId());
        const queries = onProfiles.filter((s) => actionsOf([s]).includes('dynamodb:Query'));
        expect(queries).toHaveLength(1);
        expect((queries[0] as PolicyStatement & { Condition?: unknown }).Condition).toEqual({
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SEG#highValue', 'SEG#lapsedCustomers', 'SEG#recentBuyers'] },
        });
        const writes = actionsOf(onProfiles).filter((a) => /Put|Update|Delete|BatchWrite|Scan/.test(a));
        expect(writes).toEqual([]);
      }
    });

    it('never lets any function query the profile table without a leading-keys condition', () => {
      for (const fn of b.messaging.functions) {
        for (const s of onResource(statementsOf(fn), profileTableId())) {
          if (actionsOf([s]).includes('dynamodb:Query')) expect((s as PolicyStatement & { Condition?: unknown }).Condition, fn.node.id).toBeDefined();
        }
      }
    });

    it('lets the feedback function write suppressions and events but send nothing', () => {
      const actions = actionsOf(statementsOf(b.messaging.feedback));
      expect(actions).not.toContain('ses:SendEmail');
      expect(actions.filter((a) => a.startsWith('ses:') || a.startsWith('mobiletargeting:') || a === 'sms-voice:SendTextMessage')).toEqual([]);
      expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'kinesis:PutRecords', 'sms-voice:DescribeOptedOutNumbers']));
      expect(onResource(statementsOf(b.messaging.feedback), profileTableId()).flatMap((s) => actionsOf([s])).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem']);
    });

    it('lets the unsubscribe function read the signing key and put records, and nothing of the channels or the activation table', () => {
      const statements = statementsOf(b.messaging.unsubscribe);
      const actions = actionsOf(statements);
      expect(actions).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue', 'kinesis:PutRecords']));
      expect(actions.filter((a) => /^(ses|sms-voice|mobiletargeting):/.test(a))).toEqual([]);
      expect(onResource(statements, logicalIdOf(b.stack, b.stack.node.findChild('ActivationTable')))).toEqual([]);
    });

    it('lets the audience export write under audiences/ of the exports bucket only, and query only its segments\' membership', () => {
      const statements = statementsOf(b.messaging.audienceExport!);
      const puts = statements.filter((s) => actionsOf([s]).includes('s3:PutObject'));
      expect(JSON.stringify(puts)).toContain('/audiences/*');
      expect(actionsOf(statements).filter((a) => a.startsWith('s3:'))).toEqual(['s3:PutObject']);
      const query = onResource(statements, profileTableId()).filter((s) => actionsOf([s]).includes('dynamodb:Query'));
      expect(query.map((s) => (s as PolicyStatement & { Condition?: unknown }).Condition)).toEqual([
        { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SEG#highValue'] } },
      ]);
    });

    it('names the channels\' resources in the senders\' environment', () => {
      const env = b.template.findResources('AWS::Lambda::Function')[logicalIdOf(b.stack, b.messaging.campaignSchedule)]!.Properties.Environment.Variables;
      expect(env[ACTIVATION_ENV.sesConfigurationSet]).toEqual({ Ref: logicalIdOf(b.stack, b.messaging.channels.emailConfigurationSet) });
      expect(env[ACTIVATION_ENV.smsConfigurationSet]).toEqual({ Ref: logicalIdOf(b.stack, b.messaging.channels.smsConfigurationSet) });
      expect(env[ACTIVATION_ENV.smsOptOutList]).toEqual({ Ref: logicalIdOf(b.stack, b.messaging.channels.smsOptOutList) });
      expect(env[ACTIVATION_ENV.unsubscribeKeySecret]).toEqual({ Ref: logicalIdOf(b.stack, b.messaging.unsubscribeKey) });
      for (const name of [ACTIVATION_ENV.table, ACTIVATION_ENV.profileTable, ACTIVATION_ENV.unsubscribeUrl]) expect(env[name], name).toBeDefined();
    });

    it('uses no wildcard resource beyond X-Ray\'s', () => {
      for (const [id, policy] of Object.entries(b.template.findResources('AWS::IAM::Policy'))) {
        for (const statement of policy.Properties.PolicyDocument.Statement as PolicyStatement[]) {
          if (JSON.stringify(statement.Resource).includes('"*"')) expect([statement.Action].flat().every((a) => String(a).startsWith('xray:')), id).toBe(true);
        }
      }
    });
  });

  it('encrypts the unsubscribe key, the dead-letter queue and the log groups with the activation key, and applies the removal policy', () => {
    const keyArn = { 'Fn::GetAtt': [logicalIdOf(b.stack, b.stack.node.findChild('Key')), 'Arn'] };
    b.template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ KmsKeyId: keyArn }) });
    b.template.hasResource('AWS::SQS::Queue', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ KmsMasterKeyId: keyArn }) });
    for (const [id, logGroup] of Object.entries(b.template.findResources('AWS::Logs::LogGroup'))) {
      if (id.startsWith('ApiAccessLogs')) continue;
      expect(logGroup.Properties.KmsKeyId, id).toEqual(keyArn);
      expect(logGroup.DeletionPolicy, id).toBe('Delete');
    }
    for (const type of ['AWS::SMSVOICE::ConfigurationSet', 'AWS::SMSVOICE::OptOutList', 'AWS::SES::ConfigurationSet', 'AWS::SNS::Topic']) {
      for (const [id, r] of Object.entries(b.template.findResources(type))) expect(r.DeletionPolicy, id).toBe('Delete');
    }
  });

  it('names no physical resource', () => {
    const names: Record<string, string> = {
      'AWS::SES::ConfigurationSet': 'Name',
      'AWS::SMSVOICE::ConfigurationSet': 'ConfigurationSetName',
      'AWS::SMSVOICE::OptOutList': 'OptOutListName',
      'AWS::Scheduler::Schedule': 'Name',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::IAM::Role': 'RoleName',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::SNS::Topic': 'TopicName',
      'AWS::SecretsManager::Secret': 'Name',
    };
    for (const [type, property] of Object.entries(names)) {
      for (const [id, r] of Object.entries(b.template.findResources(type))) expect(r.Properties?.[property], id).toBeUndefined();
    }
  });

  it('passes cdk-nag AwsSolutions with every acknowledgment carrying a reason', () => {
    const report = new AwsSolutionsChecks().validateScope(b.stack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    // The construct's own, and those it records on the methods it adds to the API.
    const acks = [...b.messaging.node.findAll(), ...b.messaging.unsubscribeMethods]
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).flatMap((m) => Object.entries(m.data as Record<string, string>)))
      .map(([id, reason]) => [id.replace(/^Annotation::/, ''), reason] as const);
    expect(acks.map(([id]) => id)).toEqual(expect.arrayContaining(['AwsSolutions-APIG4', 'AwsSolutions-COG4', 'AwsSolutions-SMG4']));
    for (const [id, reason] of acks) expect(reason.length, id).toBeGreaterThan(60);
    // Public by design, and only there: no other method of the API is acknowledged for missing authorization.
    const apig4 = b.stack.node.findAll().filter((c) => c.node.metadata.some((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && JSON.stringify(m.data).includes('AwsSolutions-APIG4')));
    expect(apig4.map((c) => c.node.path).sort()).toEqual(b.messaging.unsubscribeMethods.map((m) => m.node.path).sort());
  });
});

describe('Messaging without push, event campaigns or exports', () => {
  let b: Built;
  beforeAll(() => {
    b = build({
      activation: {
        campaigns: {
          weekly: { trigger: { schedule: 'rate(7 days)', segment: 'recentBuyers' }, channel: 'email', template: { subject: 'Hi', html: '<p>Hi</p>' } },
          paused: { enabled: false, trigger: { segmentEntered: 'highValue' }, channel: 'sms', template: { text: 'Hi' } },
        },
        audienceExports: {},
      },
    });
  }, SYNTH_TIMEOUT_MS);

  it('grants no push permission when no Pinpoint project is configured', () => {
    const actions = b.messaging.functions.flatMap((fn) => actionsOf(roleStatements(b.template, roleIdOf(b.stack, fn))));
    expect(actions.filter((a) => a.startsWith('mobiletargeting:'))).toEqual([]);
    expect(actions).toContain('ses:SendEmail');
  });

  it('deploys no stream mapping, segment rule or export function it has no campaign or export for (disabled campaigns trigger nothing)', () => {
    expect(b.messaging.campaignEvents).toBeUndefined();
    expect(b.messaging.campaignSegments).toBeUndefined();
    expect(b.messaging.audienceExport).toBeUndefined();
    b.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    expect(Object.keys(b.template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['c360.segments'] } } }))).toEqual([]);
    const inputs = Object.values(b.template.findResources('AWS::Scheduler::Schedule')).map((s) => JSON.parse(s.Properties.Target.Input as string) as unknown);
    expect(inputs).toEqual(expect.arrayContaining([{ campaign: 'weekly', scheduledAt: '<aws.scheduler.scheduled-time>' }, { sweep: 'deferred' }]));
    expect(inputs).toHaveLength(2);
  });

  it('limits the membership Query to the scheduled campaign\'s segment', () => {
    const profileTableId = logicalIdOf(b.stack, b.stack.node.findChild('ProfileTable'));
    const query = onResource(roleStatements(b.template, roleIdOf(b.stack, b.messaging.campaignSchedule)), profileTableId).filter((s) => actionsOf([s]).includes('dynamodb:Query'));
    expect(query.map((s) => (s as PolicyStatement & { Condition?: unknown }).Condition)).toEqual([{ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SEG#recentBuyers'] } }]);
  });
});

describe('messaging helpers', () => {
  it('takes the SES identity from the sender\'s domain', () => {
    expect(emailDomain('news@Mail.Example.com')).toBe('mail.example.com');
    expect(() => emailDomain('not-an-address')).toThrow(/fromAddress/);
  });

  it('names the SMS origination identity\'s IAM resource, and says when it can only be a wildcard', () => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    const arn = (identity: string) => {
      const r = smsOriginationResource(identity, stack);
      return { arn: stack.resolve(r.arn) as unknown, wildcard: r.wildcard };
    };
    const join = (tail: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sms-voice:eu-west-1:123456789012:${tail}`]] });
    expect(arn('arn:aws:sms-voice:eu-west-1:123456789012:pool/pool-1')).toEqual({ arn: 'arn:aws:sms-voice:eu-west-1:123456789012:pool/pool-1', wildcard: false });
    expect(arn('pool-abc123')).toEqual({ arn: join('pool/pool-abc123'), wildcard: false });
    expect(arn('phone-abc123')).toEqual({ arn: join('phone-number/phone-abc123'), wildcard: false });
    expect(arn('+15555550100')).toEqual({ arn: join('phone-number/*'), wildcard: true });
    expect(arn('MyBrand')).toEqual({ arn: join('sender-id/MyBrand/*'), wildcard: true });
  });

  it('collects the segments that enabled campaigns trigger on or send to', () => {
    const config = parseConfig({
      activation: {
        campaigns: {
          a: { trigger: { segmentEntered: 'highValue' }, channel: 'sms', template: { text: 'x' } },
          b: { trigger: { segmentExited: 'lapsedCustomers' }, channel: 'sms', template: { text: 'x' } },
          c: { trigger: { schedule: 'rate(1 day)', segment: 'recentBuyers' }, channel: 'sms', template: { text: 'x' } },
          d: { enabled: false, trigger: { segmentEntered: 'recentBuyers' }, channel: 'sms', template: { text: 'x' } },
        },
      },
    });
    expect(campaignSegments(config)).toEqual({ triggered: ['highValue', 'lapsedCustomers'], all: ['highValue', 'lapsedCustomers', 'recentBuyers'] });
  });

  it('refuses an API whose stage name is not known at synth (the links could not name it)', () => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    const api = new apigateway.RestApi(stack, 'Api', { deploy: false });
    api.root.addMethod('GET', new apigateway.MockIntegration());
    expect(() => unsubscribeBaseUrl(api)).toThrow(/deployment stage/);
  });
});
