import { KinesisClient } from '@aws-sdk/client-kinesis';
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { HttpCollector } from '../../../lib/constructs/collection/http-collector';
import { DataKey } from '../../../lib/constructs/common/data-key';
import { toRemovalPolicy, toRetentionDays } from '../../../lib/constructs/common/removal-policy';
import { kinesisEventSink } from '../../../lambda/collection/adapters/kinesis-sink';
import { createCollector } from '../../../lambda/collection/handlers/collector';
import { ingestOptionsOf } from '../../../lambda/collection/usecases/collect';
import { actionsOf, logicalId, roleStatements, SYNTH_TIMEOUT_MS, testApp, type TestApp } from '../../support/infra-fixture';

const ORIGINS = ['https://shop.example.com', 'https://www.example.com'];
const CONFIG = {
  collection: { corsAllowedOrigins: ORIGINS },
  monitoring: { apiLatencyP99AlarmMs: 800, api5xxAlarmPercent: 2 },
};

interface Fixture {
  readonly t: TestApp;
  readonly stack: Stack;
  readonly streamKey: DataKey;
  readonly stream: kinesis.Stream;
  readonly collector: HttpCollector;
  readonly template: Template;
}

/**
 * The collector in a stack of its own (with a KMS-encrypted stream, as the
 * collection stack has), watched by the pipeline monitoring of the app's
 * unification stack.
 */
function build(): Fixture {
  const t = testApp(CONFIG, { synth: false });
  const stack = new Stack(t.app, 'CollectorTest');
  const streamKey = new DataKey(stack, 'StreamKey', { description: 'test stream', removalPolicy: RemovalPolicy.RETAIN });
  const stream = new kinesis.Stream(stack, 'Stream', { encryption: kinesis.StreamEncryption.KMS, encryptionKey: streamKey });
  Validations.of(stream).acknowledge({
    id: 'AwsSolutions-KDS3',
    reason: 'Test stream encrypted with a customer-managed key, as the collection stack stream is (see collection-stack.ts for the reason).',
  });
  const collector = new HttpCollector(stack, 'Collector', {
    corsAllowedOrigins: t.config.collection.corsAllowedOrigins,
    stream,
    encryptionKey: streamKey,
    removalPolicy: RemovalPolicy.RETAIN,
    logRetention: RetentionDays.ONE_MONTH,
    throttle: { rateLimit: 250, burstLimit: 500 },
  });
  t.stacks.unification.monitoring.watchHttpApi('TestCollectorApi', collector.api, collector.stage);
  t.app.synth();
  return { t, stack, streamKey, stream, collector, template: Template.fromStack(stack) };
}

/** The collection stack's key, which its constructor creates as a DataKey. */
function collectionKey(key: unknown): DataKey {
  if (!(key instanceof DataKey)) throw new Error('the collection stack key is expected to be a DataKey');
  return key;
}

function acknowledgments(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  return root.node.findAll().flatMap((scope) =>
    scope.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: scope.node.path, id, reason }))),
  );
}

describe('HttpCollector', () => {
  let f: Fixture;
  beforeAll(() => {
    f = build();
  }, 2 * SYNTH_TIMEOUT_MS);

  const ref = (c: IConstruct) => ({ Ref: logicalId(c) });
  const arn = (c: IConstruct) => ({ 'Fn::GetAtt': [logicalId(c), 'Arn'] });

  describe('API', () => {
    it('is an HTTP API with CORS from config.collection.corsAllowedOrigins, allowing the headers SDKs send', () => {
      f.template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
      f.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'HTTP',
        CorsConfiguration: {
          AllowOrigins: ORIGINS,
          AllowMethods: ['GET', 'POST', 'OPTIONS'],
          AllowHeaders: Match.arrayWith(['authorization', 'content-type', 'content-encoding']),
          MaxAge: 86400,
        },
      });
    });

    it('allows the headers of retried and RudderStack browser requests in preflights: X-Retry-Count, AnonymousId', () => {
      const cors = Object.values(f.template.findResources('AWS::ApiGatewayV2::Api'))[0]?.Properties.CorsConfiguration as { AllowHeaders: string[] };
      // API Gateway compares request headers case-insensitively.
      expect(cors.AllowHeaders.map((h) => h.toLowerCase())).toEqual(expect.arrayContaining(['x-retry-count', 'anonymousid']));
    });

    it('answers preflights as the handler does where it answers them itself (local runtime): same methods, headers and max age', async () => {
      const cors = Object.values(f.template.findResources('AWS::ApiGatewayV2::Api'))[0]?.Properties.CorsConfiguration as {
        AllowOrigins: string[];
        AllowMethods: string[];
        AllowHeaders: string[];
        MaxAge: number;
      };
      const handler = createCollector({
        writeKeys: { sourceFor: async () => undefined },
        events: kinesisEventSink(new KinesisClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), 'events'),
        ingest: ingestOptionsOf(f.t.config),
        corsAllowedOrigins: f.t.config.collection.corsAllowedOrigins,
      });
      const origin = ORIGINS[1]!;
      const preflight = await handler({
        rawPath: '/v1/batch',
        headers: { origin, 'access-control-request-method': 'POST' },
        isBase64Encoded: false,
        requestContext: { http: { method: 'OPTIONS', sourceIp: '203.0.113.7' } },
      });
      expect(preflight.statusCode).toBe(204);
      expect(cors.AllowOrigins).toContain(preflight.headers['access-control-allow-origin']);
      expect(preflight.headers['access-control-allow-origin']).toBe(origin);
      expect(preflight.headers['access-control-allow-methods']).toBe(cors.AllowMethods.join(', '));
      expect(preflight.headers['access-control-allow-headers']).toBe(cors.AllowHeaders.join(', '));
      expect(preflight.headers['access-control-max-age']).toBe(String(cors.MaxAge));
    });

    it('routes GET /v1/projects/{writeKey}/settings (the analytics.js settings) to the same function', () => {
      const [integrationId] = Object.keys(f.template.findResources('AWS::ApiGatewayV2::Integration'));
      f.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        ApiId: ref(f.collector.api),
        RouteKey: 'GET /v1/projects/{writeKey}/settings',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
      });
      f.template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: arn(f.collector.handler),
        Principal: 'apigateway.amazonaws.com',
        SourceArn: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/\\*/\\*/v1/projects/\\{writeKey\\}/settings$')])] }),
      });
    });

    it('routes GET /v1/sourceConfig (the RudderStack JS SDK source config) to the same function', () => {
      const [integrationId] = Object.keys(f.template.findResources('AWS::ApiGatewayV2::Integration'));
      f.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        ApiId: ref(f.collector.api),
        RouteKey: 'GET /v1/sourceConfig',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
      });
    });

    it('routes POST /v1/{type} to the function with a Lambda proxy integration, payload format 2.0', () => {
      f.template.resourceCountIs('AWS::ApiGatewayV2::Route', 3);
      f.template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
      const integrations = f.template.findResources('AWS::ApiGatewayV2::Integration');
      const [integrationId] = Object.keys(integrations);
      f.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        ApiId: ref(f.collector.api),
        RouteKey: 'POST /v1/{type}',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
      });
      f.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: arn(f.collector.handler),
      });
      // API Gateway may invoke the function for that route only.
      f.template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: arn(f.collector.handler),
        Principal: 'apigateway.amazonaws.com',
        SourceArn: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/\\*/\\*/v1/\\{type\\}$')])] }),
      });
    });

    it('deploys a $default stage with throttling and JSON access logs to a log group encrypted with the pillar key', () => {
      const stage = f.template.findResources('AWS::ApiGatewayV2::Stage');
      expect(Object.keys(stage)).toEqual([logicalId(f.collector.stage)]);
      f.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 250, ThrottlingBurstLimit: 500 },
        AccessLogSettings: { DestinationArn: arn(f.collector.accessLogs), Format: Match.anyValue() },
      });
      const format = JSON.parse(Object.values(stage)[0]?.Properties.AccessLogSettings.Format as string) as Record<string, string>;
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        routeKey: '$context.routeKey',
        status: '$context.status',
        integrationError: '$context.integrationErrorMessage',
      });
      f.template.hasResourceProperties('AWS::Logs::LogGroup', {
        KmsKeyId: arn(f.streamKey),
        RetentionInDays: 30,
      });
      f.template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
    });

    it('throttles at 1000 requests/s with bursts of 2000 by default', { timeout: SYNTH_TIMEOUT_MS }, () => {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const stack = new Stack(app, 'Defaults');
      const stream = new kinesis.Stream(stack, 'Stream');
      const encryptionKey = new DataKey(stack, 'Key', { description: 'test', removalPolicy: RemovalPolicy.DESTROY });
      new HttpCollector(stack, 'Collector', { corsAllowedOrigins: f.t.config.collection.corsAllowedOrigins, stream, encryptionKey, removalPolicy: RemovalPolicy.DESTROY, logRetention: RetentionDays.ONE_WEEK });
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 } });
      template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
      // A stream without a customer-managed key: no KMS grant for it.
      const role = template.findResources('AWS::IAM::Role');
      const statements = Object.keys(role).flatMap((id) => roleStatements(template, id));
      expect(actionsOf(statements)).not.toContain('kms:GenerateDataKey');
    });

    it('outputs the collector URL and the write-keys secret ARN', () => {
      f.template.hasOutput('CollectorUrl', {
        Value: { 'Fn::Join': ['', ['https://', ref(f.collector.api), '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/']] },
      });
      f.template.hasOutput('WriteKeysSecretArn', { Value: ref(f.collector.writeKeys) });
    });
  });

  describe('function', () => {
    it('runs lambda/collection/functions/collector.ts with the stream name and the secret ARN in its environment', () => {
      f.template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Timeout: 10,
        MemorySize: 512,
        Environment: {
          Variables: Match.objectLike({
            STREAM_NAME: ref(f.stream),
            WRITE_KEYS_SECRET_ARN: ref(f.collector.writeKeys),
            POWERTOOLS_SERVICE_NAME: 'collector',
          }),
        },
      });
    });

    it('may only put records on the stream, encrypt with its key, and read the one secret (decrypting through Secrets Manager)', () => {
      const statements = roleStatements(f.template, logicalId(f.collector.handler.role as IConstruct));
      expect(actionsOf(statements).sort()).toEqual(
        [
          'kinesis:PutRecord',
          'kinesis:PutRecords',
          'kms:Decrypt',
          'kms:Encrypt',
          'kms:GenerateDataKey',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'secretsmanager:GetSecretValue',
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
        ].sort(),
      );
      expect(actionsOf(statements).filter((a) => a.includes('*'))).toEqual([]);
      const byAction = (action: string) => statements.find((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(action));
      expect(byAction('kinesis:PutRecords')?.Resource).toEqual(arn(f.stream));
      expect(byAction('kms:GenerateDataKey')?.Resource).toEqual(arn(f.streamKey));
      expect(byAction('secretsmanager:GetSecretValue')?.Resource).toEqual(ref(f.collector.writeKeys));
      expect(byAction('kms:Decrypt')).toMatchObject({
        Resource: arn(f.streamKey),
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
      });
      // Only X-Ray's actions, which support no resource-level permissions, use "*".
      for (const s of statements.filter((st) => st.Resource === '*')) {
        expect(actionsOf([s]).every((a) => a.startsWith('xray:'))).toBe(true);
      }
      f.template.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.anyValue() }, 0);
    });
  });

  describe('write-keys secret', () => {
    it('is encrypted with the pillar key and created as an empty map, never with a generated key', () => {
      f.template.resourceCountIs('AWS::SecretsManager::Secret', 1);
      f.template.hasResourceProperties('AWS::SecretsManager::Secret', {
        KmsKeyId: arn(f.streamKey),
        SecretString: '{}',
        GenerateSecretString: Match.absent(),
      });
      f.template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      // No key of its own: one key per pillar, extended so that CloudWatch Logs may use it.
      expect(Object.keys(f.template.findResources('AWS::KMS::Key'))).toEqual([logicalId(f.streamKey)]);
      f.template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AllowCloudWatchLogsOfThisAccountAndRegion' })]) },
      });
    });
  });

  describe('alarms', () => {
    const unification = () => f.t.template('unification');
    const apiDimension = Match.objectLike({ Name: 'ApiId' });
    const stageDimension = { Name: 'Stage', Value: '$default' };

    it('raises the p99 latency alarm on the HTTP API stage (AWS/ApiGateway Latency, ApiId and Stage)', () => {
      const topic = { Ref: logicalId(f.t.stacks.unification.monitoring.topic) };
      unification().hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApiGateway',
        MetricName: 'Latency',
        Dimensions: [apiDimension, stageDimension],
        ExtendedStatistic: 'p99',
        Threshold: 800,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        AlarmActions: [topic],
        OKActions: [topic],
        TreatMissingData: 'notBreaching',
      });
    });

    it('raises the 5xx-rate alarm from the HTTP API metrics 5xx and Count', () => {
      unification().hasResourceProperties('AWS::CloudWatch::Alarm', {
        Threshold: 2,
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: '100 * errors / requests' }),
          Match.objectLike({
            Id: 'errors',
            MetricStat: Match.objectLike({ Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5xx', Dimensions: [apiDimension, stageDimension] }, Stat: 'Sum' }),
          }),
          Match.objectLike({
            Id: 'requests',
            MetricStat: Match.objectLike({ Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Count', Dimensions: [apiDimension, stageDimension] }, Stat: 'SampleCount' }),
          }),
        ]),
      });
      const ids = ['TestCollectorApi5xxRateAlarm', 'TestCollectorApiLatencyP99Alarm'].map((id) =>
        logicalId(f.t.stacks.unification.monitoring.node.findChild(id)),
      );
      const alarms = unification().findResources('AWS::CloudWatch::Alarm');
      for (const id of ids) expect(alarms[id], id).toBeDefined();
    });

    it('adds a dashboard row graphing the collector requests, 4xx, 5xx and latency', () => {
      const dashboard = Object.values(unification().findResources('AWS::CloudWatch::Dashboard'))[0];
      const body = JSON.stringify(dashboard?.Properties.DashboardBody);
      for (const title of ['TestCollectorApi: requests', 'TestCollectorApi: 4xx, 5xx', 'TestCollectorApi: 5xx (% of requests)', 'TestCollectorApi: latency (ms)']) {
        expect(body).toContain(title);
      }
      // Metric arrays in the body: ["AWS/ApiGateway","<name>","ApiId",<api id>,"Stage","$default",...]
      for (const name of ['5xx', '4xx', 'Count', 'Latency']) {
        expect(body).toMatch(new RegExp(`AWS/ApiGateway\\\\",\\\\"${name}\\\\",\\\\"ApiId`));
      }
    });

    it('watches a whole HTTP API (dimension ApiId only) when no stage is given', { timeout: SYNTH_TIMEOUT_MS }, () => {
      const t = testApp({}, { synth: false });
      const stack = new Stack(t.app, 'CollectorApiOnly');
      const collector = new HttpCollector(stack, 'Collector', {
        corsAllowedOrigins: t.config.collection.corsAllowedOrigins,
        stream: new kinesis.Stream(stack, 'Stream'),
        encryptionKey: new DataKey(stack, 'Key', { description: 'test', removalPolicy: RemovalPolicy.DESTROY }),
        removalPolicy: RemovalPolicy.DESTROY,
        logRetention: RetentionDays.ONE_WEEK,
      });
      t.stacks.unification.monitoring.watchHttpApi('WholeApi', collector.api);
      t.app.synth();
      t.template('unification').hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Latency',
        Dimensions: [Match.objectLike({ Name: 'ApiId' })],
      });
      expect(() => t.stacks.unification.monitoring.watchHttpApi('WholeApi', collector.api)).toThrow(/already watched/);
    });
  });

  describe('cdk-nag AwsSolutions', () => {
    it('reports no unacknowledged finding on the collector stack', () => {
      const report = new AwsSolutionsChecks().validateScope(f.stack);
      expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
      const annotations = Annotations.fromStack(f.stack);
      expect(annotations.findError('*', Match.anyValue())).toEqual([]);
      expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    });

    it('acknowledges APIG4 on the routes and SMG4 on the secret only, each with its reason', () => {
      const acks = acknowledgments(f.collector).map((a) => ({
        ...a,
        path: a.path.replace(`${f.stack.stackName}/Collector/`, ''),
        id: a.id.replace(/^Annotation::/, ''),
      }));
      const ids = acks.map((a) => `${a.path} ${a.id}`);
      expect(ids).toEqual(
        expect.arrayContaining([
          'Api/POST--v1--{type} AwsSolutions-APIG4',
          'Api/GET--v1--projects--{writeKey}--settings AwsSolutions-APIG4',
          'Api/GET--v1--sourceConfig AwsSolutions-APIG4',
          'WriteKeys AwsSolutions-SMG4',
          'Handler AwsSolutions-L1',
          'HandlerServiceRole AwsSolutions-IAM5[Resource::*]',
        ]),
      );
      expect(ids).toHaveLength(6);
      for (const ack of acks) expect(ack.reason.length, ack.id).toBeGreaterThan(60);
      expect(acks.find((a) => a.id === 'AwsSolutions-APIG4')?.reason).toMatch(/write key/);
      // COG4 (Cognito authorizer) applies to REST API methods only; nothing to acknowledge on an HTTP API.
      expect(ids.some((id) => id.includes('COG4'))).toBe(false);
    });

    it('adds no finding to the collection stack it is meant for', { timeout: SYNTH_TIMEOUT_MS }, () => {
      const t = testApp({}, { synth: false });
      const collection = t.stacks.collection;
      // Once lib/stacks/collection-stack.ts instantiates the collector, check that one.
      const existing = collection.node.findAll().find((c): c is HttpCollector => c instanceof HttpCollector);
      if (existing === undefined) {
        new HttpCollector(collection, 'HttpCollector', {
          corsAllowedOrigins: t.config.collection.corsAllowedOrigins,
          stream: collection.stream,
          streamKey: collection.streamKey,
          encryptionKey: collectionKey(collection.streamKey),
          removalPolicy: toRemovalPolicy(t.config.removalPolicy),
          logRetention: toRetentionDays(t.config.logRetentionDays),
        });
      }
      t.app.synth();
      const report = new AwsSolutionsChecks().validateScope(collection);
      expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
      expect(Annotations.fromStack(collection).findWarning('*', Match.anyValue())).toEqual([]);
    });
  });
});
