import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE_TABLE_OPERATIONS } from '../../../lib/constructs/common/monitoring';
import type { UnificationStack } from '../../../lib/stacks';
import { logicalId, SYNTH_TIMEOUT_MS, testApp, type TestApp } from '../../support/infra-fixture';

/** Construct IDs of the pipeline's alarms under the PipelineMonitoring construct (a contract: they name logical IDs). */
const PIPELINE_ALARMS = [
  'ConsumerIteratorAgeAlarm',
  'ConsumerErrorsAlarm',
  'ConsumerThrottlesAlarm',
  'ConsumerOnFailureQueueAlarm',
  'TableThrottlesAlarm',
] as const;
const PROFILE_API_ALARMS = ['ProfileApi5xxRateAlarm', 'ProfileApiLatencyP99Alarm'] as const;
/** The collection stack's HTTP collector, watched from the same pipeline monitoring. */
const COLLECTOR_ALARMS = ['HttpCollector5xxRateAlarm', 'HttpCollectorLatencyP99Alarm'] as const;

const CUSTOM = {
  monitoring: {
    alarmEmail: 'oncall@example.com',
    iteratorAgeAlarmSeconds: 120,
    apiLatencyP99AlarmMs: 750,
    api5xxAlarmPercent: 2.5,
  },
  unification: { identity: { identifiers: ['userId', 'email', 'loyaltyId'] } },
};

function child(stack: UnificationStack, id: string): IConstruct {
  return stack.monitoring.node.findChild(id);
}

/** The properties of the alarm created as `id` under the monitoring construct. */
function alarmProperties(t: TestApp, id: string): Record<string, unknown> {
  const template = t.template('unification');
  const alarm = template.findResources('AWS::CloudWatch::Alarm')[logicalId(child(t.stacks.unification, id))];
  if (!alarm) throw new Error(`no alarm ${id}`);
  return alarm.Properties as Record<string, unknown>;
}

/**
 * The dashboard body as JSON, with each CloudFormation reference inside it
 * replaced by `<Ref:LogicalId>`, `<GetAtt:LogicalId.Attr>` or `<token>`.
 */
function dashboardBody(template: Template): { widgets: Array<{ type: string; properties: Record<string, unknown> }> } {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0]?.Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  if (typeof body === 'string') return JSON.parse(body);
  const text = body['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const token = part as Record<string, unknown>;
      if ('Ref' in token) return `<Ref:${token.Ref as string}>`;
      if ('Fn::GetAtt' in token) return `<GetAtt:${(token['Fn::GetAtt'] as string[]).join('.')}>`;
      return '<token>';
    })
    .join('');
  return JSON.parse(text);
}

/** Every metric array (`[namespace, name, ...dimensions, options?]`) of the dashboard's graphs. */
function graphMetrics(template: Template): unknown[][] {
  return dashboardBody(template)
    .widgets.filter((w) => w.type === 'metric')
    .flatMap((w) => (w.properties.metrics as unknown[][]) ?? []);
}

describe('pipeline monitoring', () => {
  let t: TestApp;
  let template: Template;
  let defaults: TestApp;
  beforeAll(() => {
    t = testApp(CUSTOM);
    template = t.template('unification');
    defaults = testApp();
  }, 2 * SYNTH_TIMEOUT_MS);

  const topicRef = () => ({ Ref: logicalId(t.stacks.unification.monitoring.topic) });

  describe('alarm topic', () => {
    it('is encrypted with the unification key and only accepts TLS publishers', () => {
      const keyArn = { 'Fn::GetAtt': [logicalId(t.stacks.unification.key), 'Arn'] };
      template.resourceCountIs('AWS::SNS::Topic', 1);
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: keyArn, TopicName: Match.absent() });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [topicRef()],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: '*',
              Action: 'sns:Publish',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it("lets this account's CloudWatch alarms publish to it and use the key, and nothing else", () => {
      const sourceArn = new Capture();
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'AllowCloudWatchAlarmsOfThisAccount',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: topicRef(),
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': sourceArn } },
            },
          ]),
        },
      });
      expect(JSON.stringify(sourceArn.asObject())).toMatch(/:cloudwatch:.*:alarm:\*"\]\]\}$/);

      const key = template.findResources('AWS::KMS::Key')[logicalId(t.stacks.unification.key)];
      const statements = key?.Properties.KeyPolicy.Statement as Array<Record<string, unknown>>;
      const forCloudWatch = statements.filter((s) => JSON.stringify(s.Principal).includes('cloudwatch.amazonaws.com'));
      expect(forCloudWatch).toEqual([
        {
          Sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopics',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': sourceArn.asObject() } },
        },
      ]);
    });

    it('has an email subscription only when monitoring.alarmEmail is set', () => {
      template.resourceCountIs('AWS::SNS::Subscription', 1);
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
        TopicArn: topicRef(),
      });
      defaults.template('unification').resourceCountIs('AWS::SNS::Subscription', 0);
    });
  });

  describe('alarms', () => {
    it('are the pipeline and profile API alarms, each notifying the topic on ALARM and OK, silent on missing data', () => {
      const alarms = template.findResources('AWS::CloudWatch::Alarm');
      const expected = [...PIPELINE_ALARMS, ...PROFILE_API_ALARMS, ...COLLECTOR_ALARMS].map((id) => logicalId(child(t.stacks.unification, id)));
      expect(Object.keys(alarms).sort()).toEqual(expected.sort());
      for (const [id, alarm] of Object.entries(alarms)) {
        expect(alarm.Properties.AlarmActions, id).toEqual([topicRef()]);
        expect(alarm.Properties.OKActions, id).toEqual([topicRef()]);
        expect(alarm.Properties.TreatMissingData, id).toBe('notBreaching');
        expect(alarm.Properties.ComparisonOperator, id).toBe('GreaterThanThreshold');
        expect(alarm.Properties.AlarmName, id).toBeUndefined();
        expect(alarm.Properties.AlarmDescription, id).toEqual(expect.any(String));
      }
    });

    it("raises on the consumer's maximum iterator age above the configured seconds for 3 of 3 minutes", () => {
      const consumer = { Ref: logicalId(t.stacks.unification.consumer) };
      const expected = {
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Dimensions: [{ Name: 'FunctionName', Value: consumer }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
      };
      // IteratorAge is in milliseconds.
      expect(alarmProperties(t, 'ConsumerIteratorAgeAlarm')).toMatchObject({ ...expected, Threshold: 120_000 });
      expect(alarmProperties(t, 'ConsumerIteratorAgeAlarm').Unit).toBeUndefined();
      expect(alarmProperties(defaults, 'ConsumerIteratorAgeAlarm')).toMatchObject({
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(defaults.stacks.unification.consumer) } }],
        Threshold: 60_000,
      });
    });

    it('raises on consumer errors in 2 consecutive 5-minute windows and on any consumer throttle', () => {
      const dimensions = [{ Name: 'FunctionName', Value: { Ref: logicalId(t.stacks.unification.consumer) } }];
      expect(alarmProperties(t, 'ConsumerErrorsAlarm')).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: dimensions,
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        Threshold: 0,
      });
      expect(alarmProperties(t, 'ConsumerThrottlesAlarm')).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Dimensions: dimensions,
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 0,
      });
    });

    it('raises as soon as the on-failure queue holds a message', () => {
      expect(alarmProperties(t, 'ConsumerOnFailureQueueAlarm')).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(t.stacks.unification.onFailureQueue), 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0,
      });
    });

    it('raises on throttled requests to the profile table, summed over every operation c360 uses with gaps filled', () => {
      const properties = alarmProperties(t, 'TableThrottlesAlarm');
      expect(properties).toMatchObject({ Threshold: 0, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
      const metrics = properties.Metrics as Array<Record<string, any>>;
      const [expression, ...queries] = metrics;
      expect(expression).toMatchObject({ ReturnData: true });
      expect(queries).toHaveLength(PIPELINE_TABLE_OPERATIONS.length);
      const table = { Ref: logicalId(t.stacks.unification.table) };
      expect(queries.map((q) => q.MetricStat.Metric.Dimensions.find((d: any) => d.Name === 'Operation').Value).sort()).toEqual(
        [...PIPELINE_TABLE_OPERATIONS].sort(),
      );
      for (const query of queries) {
        expect(query).toMatchObject({
          ReturnData: false,
          MetricStat: {
            Metric: { Namespace: 'AWS/DynamoDB', MetricName: 'ThrottledRequests', Dimensions: expect.arrayContaining([{ Name: 'TableName', Value: table }]) },
            Stat: 'Sum',
            Period: 300,
          },
        });
        // A missing series (no throttling on that operation) must not blank the sum.
        expect(expression?.Expression).toContain(`FILL(${query.Id}, 0)`);
      }
      expect(expression?.Expression.split(' + ')).toHaveLength(queries.length);
    });

    it("raises on the profile API's 5xx share (5XXError / Count) above the configured percentage", () => {
      const properties = alarmProperties(t, 'ProfileApi5xxRateAlarm');
      expect(properties).toMatchObject({ Threshold: 2.5, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
      expect(alarmProperties(defaults, 'ProfileApi5xxRateAlarm').Threshold).toBe(1);
      const metrics = properties.Metrics as Array<Record<string, any>>;
      const expression = metrics.find((m) => m.Expression !== undefined);
      expect(expression).toMatchObject({ Expression: '100 * errors / requests', ReturnData: true });
      const stageDimensions = [
        { Name: 'ApiName', Value: 'ProfileApi' },
        { Name: 'Stage', Value: { Ref: logicalId(t.stacks.unification.api.deploymentStage) } },
      ];
      expect(metrics.find((m) => m.Id === 'errors')).toMatchObject({
        ReturnData: false,
        MetricStat: { Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Dimensions: stageDimensions }, Stat: 'Sum', Period: 300 },
      });
      expect(metrics.find((m) => m.Id === 'requests')).toMatchObject({
        ReturnData: false,
        MetricStat: { Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Count', Dimensions: stageDimensions }, Stat: 'SampleCount', Period: 300 },
      });
    });

    it("raises on the profile API's p99 latency above the configured milliseconds for 15 minutes", () => {
      expect(alarmProperties(t, 'ProfileApiLatencyP99Alarm')).toMatchObject({
        Namespace: 'AWS/ApiGateway',
        MetricName: 'Latency',
        Dimensions: [
          { Name: 'ApiName', Value: 'ProfileApi' },
          { Name: 'Stage', Value: { Ref: logicalId(t.stacks.unification.api.deploymentStage) } },
        ],
        ExtendedStatistic: 'p99',
        Period: 300,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: 750,
      });
      expect(alarmProperties(defaults, 'ProfileApiLatencyP99Alarm').Threshold).toBe(1000);
    });
  });

  describe('dashboard', () => {
    it('is one dashboard with a generated name, published as an output with the alarm topic', () => {
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: Match.absent() });
      template.hasOutput('DashboardName', { Value: { Ref: logicalId(t.stacks.unification.monitoring.dashboard) } });
      template.hasOutput('AlarmTopicArn', { Value: topicRef() });
    });

    it("graphs the consumer's iterator age and its Powertools metrics under the service dimension", () => {
      const metrics = graphMetrics(template);
      const consumer = `<Ref:${logicalId(t.stacks.unification.consumer)}>`;
      expect(metrics).toContainEqual(['AWS/Lambda', 'IteratorAge', 'FunctionName', consumer, expect.objectContaining({ stat: 'Maximum' })]);
      for (const name of ['RecordsRead', 'EventsApplied', 'EventsDuplicate', 'EventsQuarantined', 'ProfilesMerged', 'RecordsFailed']) {
        expect(metrics).toContainEqual(['c360', name, 'service', 'unify-consumer', expect.objectContaining({ stat: 'Sum' })]);
      }
    });

    it('graphs the stream, consumer, on-failure queue, table and profile API metrics', () => {
      const names = new Set(graphMetrics(template).map((m) => `${m[0]}/${m[1]}`));
      for (const name of [
        'AWS/Kinesis/IncomingRecords',
        'AWS/Kinesis/IncomingBytes',
        'AWS/Lambda/Invocations',
        'AWS/Lambda/Errors',
        'AWS/Lambda/Duration',
        'AWS/Lambda/ConcurrentExecutions',
        'AWS/SQS/ApproximateNumberOfMessagesVisible',
        'AWS/DynamoDB/ConsumedReadCapacityUnits',
        'AWS/DynamoDB/ConsumedWriteCapacityUnits',
        'AWS/DynamoDB/ThrottledRequests',
        'AWS/ApiGateway/Count',
        'AWS/ApiGateway/4XXError',
        'AWS/ApiGateway/5XXError',
        'AWS/ApiGateway/Latency',
      ]) {
        expect(names, name).toContain(name);
      }
      const latencyStats = graphMetrics(template)
        .filter((m) => m[1] === 'Latency')
        .map((m) => (m.at(-1) as { stat?: string }).stat);
      expect(latencyStats).toEqual(expect.arrayContaining(['p50', 'p99']));
    });

    it('shows the state of every alarm', () => {
      const widgets = dashboardBody(template).widgets.filter((w) => w.type === 'alarm');
      expect(widgets).toHaveLength(1);
      const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
      expect([...(widgets[0]?.properties.alarms as string[])].sort()).toEqual(alarmIds.map((id) => `<GetAtt:${id}.Arn>`).sort());
    });
  });

  it('adds no unacknowledged cdk-nag finding, email subscription included', () => {
    const report = new AwsSolutionsChecks().validateScope(t.stacks.unification);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});

describe('watchApi', () => {
  it('gives a second REST API the same two alarms and its dashboard row in one call', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const t = testApp({}, { synth: false });
    const stack = t.stacks.unification;
    const collector = new apigateway.RestApi(stack, 'CollectorApi', { deployOptions: { stageName: 'v1' } });
    collector.root.addMethod('POST', new apigateway.MockIntegration());
    stack.monitoring.watchApi('CollectorApi', collector);
    t.app.synth();

    const template = t.template('unification');
    const stage = { Name: 'Stage', Value: { Ref: logicalId(collector.deploymentStage) } };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Latency',
      Dimensions: [{ Name: 'ApiName', Value: 'CollectorApi' }, stage],
      ExtendedStatistic: 'p99',
      Threshold: 1000,
      AlarmActions: [{ Ref: logicalId(stack.monitoring.topic) }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      Metrics: Match.arrayWith([
        Match.objectLike({ Id: 'errors', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: '5XXError', Dimensions: [{ Name: 'ApiName', Value: 'CollectorApi' }, stage] }) }) }),
      ]),
      AlarmActions: [{ Ref: logicalId(stack.monitoring.topic) }],
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', PIPELINE_ALARMS.length + PROFILE_API_ALARMS.length + COLLECTOR_ALARMS.length + 2);

    // Registered after the dashboard was built, yet listed in its alarm widget and graphed.
    const alarmWidget = dashboardBody(template).widgets.find((w) => w.type === 'alarm');
    for (const id of ['CollectorApi5xxRateAlarm', 'CollectorApiLatencyP99Alarm']) {
      expect(alarmWidget?.properties.alarms).toContain(`<GetAtt:${logicalId(stack.monitoring.node.findChild(id))}.Arn>`);
    }
    expect(graphMetrics(template)).toContainEqual(
      ['AWS/ApiGateway', 'Count', 'ApiName', 'CollectorApi', 'Stage', `<Ref:${logicalId(collector.deploymentStage)}>`, expect.objectContaining({ stat: 'SampleCount' })],
    );
  });

  it('refuses a name watched twice or one that is not a construct-ID prefix', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const t = testApp({}, { synth: false });
    const { monitoring, api } = t.stacks.unification;
    expect(() => monitoring.watchApi('ProfileApi', api)).toThrow(/already watched/);
    expect(() => monitoring.watchApi('collector api', api)).toThrow(/alphanumeric/);
  });
});

describe('profile API lookup parameters', () => {
  // Part of the same unification-stack change: the query strings follow config.unification.identity.identifiers.
  it('accepts exactly the configured identifier types as optional query strings', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const template = testApp(CUSTOM).template('unification');
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      RequestParameters: {
        'method.request.querystring.userId': false,
        'method.request.querystring.email': false,
        'method.request.querystring.loyaltyId': false,
      },
    });
  });
});
