import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, logicalId, roleStatements, SYNTH_TIMEOUT_MS, testApp, type TestApp } from '../../support/infra-fixture';

const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

describe('unification stack', () => {
  let t: TestApp;
  let template: Template;
  beforeAll(() => {
    t = testApp({
      unification: {
        consumer: {
          batchSize: 250,
          maxBatchingWindowSeconds: 5,
          parallelizationFactor: 2,
          maxRetryAttempts: 3,
          maxRecordAgeSeconds: 7200,
          memorySize: 1536,
          timeoutSeconds: 90,
        },
      },
      profileApi: { throttleRateLimit: 120, throttleBurstLimit: 240 },
    });
    template = t.template('unification');
  }, SYNTH_TIMEOUT_MS);

  describe('profile table', () => {
    it('is keyed pk (HASH) / sk (RANGE), on demand, with PITR, TTL on expiresAt and SSE under the stack key', () => {
      const keyId = logicalId(t.stacks.unification.key);
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ]),
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        TableName: Match.absent(),
      });
    });
  });

  describe('stream consumer', () => {
    it('maps the collection stream with bisect, partial batch failures, bounded retries and age, and an SQS on-failure destination', () => {
      const queueId = logicalId(t.stacks.unification.onFailureQueue);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(t.stacks.unification.consumer) },
        EventSourceArn: { 'Fn::GetStackOutput': Match.objectLike({ StackName: t.stacks.collection.stackName }) },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 250,
        MaximumBatchingWindowInSeconds: 5,
        ParallelizationFactor: 2,
        MaximumRetryAttempts: 3,
        MaximumRecordAgeInSeconds: 7200,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      });
    });

    it('keeps failed batches 14 days in a KMS-encrypted, TLS-only queue', () => {
      const queueId = logicalId(t.stacks.unification.onFailureQueue);
      template.hasResourceProperties('AWS::SQS::Queue', {
        MessageRetentionPeriod: 14 * 24 * 3600,
        KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(t.stacks.unification.key), 'Arn'] },
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('gets memory, timeout, TABLE_NAME and LAKE_BUCKET from config and the stacks', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        MemorySize: 1536,
        Timeout: 90,
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: 'unify-consumer',
            TABLE_NAME: { Ref: logicalId(t.stacks.unification.table) },
            LAKE_BUCKET: { 'Fn::GetStackOutput': Match.objectLike({ StackName: t.stacks.collection.stackName }) },
          }),
        },
      });
    });

    it('may only use item-level table actions, put objects under quarantine/ and read the stream: no service wildcards', () => {
      const statements = roleStatements(template, logicalId(t.stacks.unification.consumer.role!));
      const actions = actionsOf(statements);
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
      expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(
        [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          ...TABLE_WRITE_ACTIONS,
          // The suppression list (collection stack): reads only.
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
        ].sort(),
      );
      expect(actions).not.toContain('dynamodb:Scan');

      const s3 = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
      expect(s3).toHaveLength(1);
      expect(s3[0]?.Action).toBe('s3:PutObject');
      const resource = JSON.stringify(s3[0]?.Resource);
      expect(resource).toMatch(/"\/quarantine\/\*"\]\]\}$/);
      expect(resource).toContain(t.stacks.collection.stackName);

      expect(actions.filter((a) => a.startsWith('sqs:')).sort()).toEqual(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
      expect(actions).toEqual(expect.arrayContaining(['kinesis:GetRecords', 'kinesis:GetShardIterator']));
      expect(actions.filter((a) => a.startsWith('kinesis:Put'))).toEqual([]);
    });
  });

  describe('profile API', () => {
    it('authorizes every method with IAM (SigV4)', () => {
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
      // lookup, by id, identities, merges, unmerge, consent (GET, PUT), segments, segment members, health, openapi.json
      expect(methods).toHaveLength(11);
      for (const method of methods) expect(method.Properties.AuthorizationType).toBe('AWS_IAM');
    });

    it('serves GET /profiles with optional lookup query strings and GET /profiles/{id}, both validated', () => {
      const validatorId = Object.keys(template.findResources('AWS::ApiGateway::RequestValidator'))[0];
      template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestParameters: true });
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'GET',
        RequestParameters: {
          'method.request.querystring.email': false,
          'method.request.querystring.phone': false,
          'method.request.querystring.userId': false,
          'method.request.querystring.anonymousId': false,
        },
        RequestValidatorId: { Ref: validatorId },
        Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
      });
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'GET',
        RequestParameters: { 'method.request.path.id': true },
        RequestValidatorId: { Ref: validatorId },
        Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
      });
      template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{id}' });
    });

    it('routes GET /health to the handler, signed like every other method', () => {
      const health = Object.entries(template.findResources('AWS::ApiGateway::Resource')).find(([, r]) => r.Properties.PathPart === 'health');
      expect(health).toBeDefined();
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'GET',
        ResourceId: { Ref: health?.[0] },
        AuthorizationType: 'AWS_IAM',
        Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
      });
    });

    it('logs JSON access logs, traces, and throttles every method per config', () => {
      const accessLogs = Object.keys(template.findResources('AWS::Logs::LogGroup')).find((id) => id.startsWith('ProfileApiAccessLogs'));
      expect(accessLogs).toBeDefined();
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        TracingEnabled: true,
        AccessLogSetting: {
          DestinationArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([{ Ref: accessLogs }])]) }),
          Format: Match.stringLikeRegexp('^\\{.*"requestId":"\\$context.requestId".*\\}$'),
        },
        MethodSettings: Match.arrayWith([
          Match.objectLike({
            HttpMethod: '*',
            ResourcePath: '/*',
            MetricsEnabled: true,
            ThrottlingRateLimit: 120,
            ThrottlingBurstLimit: 240,
          }),
        ]),
      });
    });

    it('gives the reading API function read access to the table items only (unmerge, which writes, has its own function), nothing else', () => {
      const fn = t.stacks.unification.profileApiHandler;
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: 'profile-api',
            TABLE_NAME: { Ref: logicalId(t.stacks.unification.table) },
          }),
        },
      });
      const actions = actionsOf(roleStatements(template, logicalId(fn.role!)));
      const statements = roleStatements(template, logicalId(fn.role!));
      expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(
        ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'].sort(),
      );
      // On the table itself: no index, no stream, no Scan.
      for (const s of statements.filter((x) => JSON.stringify(x.Action).includes('dynamodb:'))) {
        expect(s.Resource).toEqual({ 'Fn::GetAtt': [logicalId(t.stacks.unification.table), 'Arn'] });
      }
      expect(actions).not.toContain('dynamodb:Scan');
      // Consent set through the API goes onto the event stream: puts only.
      expect(actions.filter((a) => /^(s3|sqs|kinesis|events):/.test(a)).sort()).toEqual(['kinesis:PutRecord', 'kinesis:PutRecords']);
    });
  });
});
