/** The pipeline's CloudWatch dashboard and alarms, notifying one encrypted SNS topic. */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * The table operations c360's functions perform (the item-level actions their
 * roles are granted; ConditionCheckItem is only ever part of TransactWriteItems).
 */
export const PIPELINE_TABLE_OPERATIONS: readonly dynamodb.Operation[] = [
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.BATCH_GET_ITEM,
  dynamodb.Operation.QUERY,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.DELETE_ITEM,
  dynamodb.Operation.BATCH_WRITE_ITEM,
  dynamodb.Operation.TRANSACT_WRITE_ITEMS,
];

/** The four metrics of an API that `watchApi` and `watchHttpApi` alarm on and graph. */
interface ApiMetrics {
  readonly serverErrors: (props: cloudwatch.MetricOptions) => cloudwatch.Metric;
  readonly clientErrors: (props: cloudwatch.MetricOptions) => cloudwatch.Metric;
  readonly requests: (props: cloudwatch.MetricOptions) => cloudwatch.Metric;
  readonly latency: (props: cloudwatch.MetricOptions) => cloudwatch.Metric;
}

/** CloudWatch's limit on the metrics one metric-math alarm may query. */
const MAX_ALARM_METRICS = 10;

/** What the stream consumer publishes through Powertools Metrics (EMF), per batch. */
export const CONSUMER_METRIC_NAMES = [
  'RecordsRead',
  'EventsApplied',
  'EventsDuplicate',
  'EventsQuarantined',
  'ProfilesMerged',
  'RecordsFailed',
] as const;
export type ConsumerMetricName = (typeof CONSUMER_METRIC_NAMES)[number];

/**
 * How each alarm evaluates. Every one of them treats missing data as
 * NOT_BREACHING: none of these metrics is published when nothing happens (no
 * batch, no request, no throttle, an empty and idle queue), and silence must
 * not page anyone.
 */
export const ALARM_EVALUATION = {
  /** Lag: the oldest record of the last batch, worst case per minute, for 3 consecutive minutes. */
  iteratorAge: { period: Duration.minutes(1), evaluationPeriods: 3, datapointsToAlarm: 3 },
  /**
   * Function errors (a whole batch failed: timeout, out of memory, unhandled
   * exception; record-level rejects are partial batch failures, not errors) in
   * two consecutive 5-minute windows. One failed batch is retried by the event
   * source mapping, and a record it finally gives up on raises the on-failure
   * queue alarm, so this one is for failures that persist 10 minutes.
   */
  consumerErrors: { period: Duration.minutes(5), evaluationPeriods: 2, datapointsToAlarm: 2 },
  /**
   * The consumer has no reserved concurrency: a throttle means the account's
   * concurrency pool is exhausted and the shard stalls until it frees up.
   */
  consumerThrottles: { period: Duration.minutes(5), evaluationPeriods: 1, datapointsToAlarm: 1 },
  /**
   * A message on the on-failure queue is a batch given up on (retries exhausted
   * or too old). The alarm stays raised until someone replays or removes it.
   */
  onFailureQueue: { period: Duration.minutes(1), evaluationPeriods: 1, datapointsToAlarm: 1 },
  /**
   * On-demand tables throttle when a partition or the table's throughput limit
   * is exceeded (or on a sudden jump past twice the previous peak). The SDK
   * retries brief throttling; throttling in 2 of 3 five-minute windows is not brief.
   */
  tableThrottles: { period: Duration.minutes(5), evaluationPeriods: 3, datapointsToAlarm: 2 },
  /** 5xx share above the configured percentage in 2 of 3 five-minute windows (an isolated failure does not page). */
  api5xxRate: { period: Duration.minutes(5), evaluationPeriods: 3, datapointsToAlarm: 2 },
  /**
   * p99 above the configured latency for 15 minutes. At low traffic the p99 of a
   * window is close to its maximum, which one cold start can reach: a sustained
   * breach is the signal, not a single window.
   */
  apiLatencyP99: { period: Duration.minutes(5), evaluationPeriods: 3, datapointsToAlarm: 3 },
} as const satisfies Record<string, { period: Duration; evaluationPeriods: number; datapointsToAlarm: number }>;

/** What raises an alarm, and who is told (`monitoring` of the config). */
export interface MonitoringThresholds {
  /**
   * Subscribed to the alarm topic.
   * @default - no subscription (subscribe anything to `topic`)
   */
  readonly alarmEmail?: string;
  /** Consumer iterator age (how far it lags the stream) that raises an alarm, in seconds. */
  readonly iteratorAgeAlarmSeconds: number;
  /** p99 latency of a watched API that raises an alarm, in milliseconds. */
  readonly apiLatencyP99AlarmMs: number;
  /** Share of a watched API's requests answered with a 5xx that raises an alarm, in percent. */
  readonly api5xxAlarmPercent: number;
}

export interface PipelineMonitoringProps {
  /** Thresholds and the optional alarm email (`config.monitoring`). */
  readonly monitoring: MonitoringThresholds;
  /**
   * Customer-managed key of the alarm topic. It must be a key this app creates:
   * its policy is extended so that CloudWatch alarms can publish to the topic.
   */
  readonly encryptionKey: kms.IKey;
  /** The collection stream the consumer reads. */
  readonly stream: kinesis.IStream;
  /** The stream consumer function. */
  readonly consumer: lambda.IFunction;
  /** Powertools service name of the consumer (the `service` dimension of its custom metrics). */
  readonly consumerServiceName: string;
  /**
   * CloudWatch namespace of the consumer's custom metrics.
   * @default 'c360' (POWERTOOLS_METRICS_NAMESPACE of every C360Function)
   */
  readonly metricsNamespace?: string;
  /** Where the consumer's event source mapping sends batches it gives up on. */
  readonly onFailureQueue: sqs.IQueue;
  /** The single customer view. */
  readonly table: dynamodb.ITable;
  /**
   * Operations whose throttled requests are summed (DynamoDB publishes
   * ThrottledRequests per operation).
   * @default PIPELINE_TABLE_OPERATIONS
   */
  readonly tableOperations?: readonly dynamodb.Operation[];
}

/**
 * Alarms and one dashboard for the unification pipeline: the stream, its
 * consumer (AWS and custom metrics), the on-failure queue, the profile table
 * and every API registered with `watchApi` (REST) or `watchHttpApi` (HTTP).
 *
 * Every alarm notifies the KMS-encrypted `topic` on ALARM and on OK. Construct
 * IDs (and so logical IDs) are stable: `AlarmTopic`, `Dashboard`,
 * `Consumer...Alarm`, `<api name>5xxRateAlarm`, `<api name>LatencyP99Alarm`.
 */
export class PipelineMonitoring extends Construct {
  /** Alarm notifications (ALARM and OK). Subscribe anything else to it. */
  public readonly topic: sns.Topic;
  public readonly dashboard: cloudwatch.Dashboard;

  private readonly thresholds: MonitoringThresholds;
  private readonly action: SnsAction;
  private readonly alarmList: cloudwatch.Alarm[] = [];
  private readonly watchedApis = new Set<string>();

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    this.thresholds = props.monitoring;

    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'c360 pipeline alarms',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    this.allowCloudWatchAlarms(props.encryptionKey);
    if (props.monitoring.alarmEmail !== undefined) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.monitoring.alarmEmail));
    }
    this.action = new SnsAction(this.topic);

    // ---- alarms ------------------------------------------------------------
    const { consumer } = props;
    const iteratorAge = this.addAlarm('ConsumerIteratorAgeAlarm', {
      // Milliseconds. No `unit` on the alarm: it would only filter datapoints, and a mismatch would silence it.
      metric: consumer.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: props.monitoring.iteratorAgeAlarmSeconds * 1000,
      ...ALARM_EVALUATION.iteratorAge,
      alarmDescription: `The unify consumer is more than ${props.monitoring.iteratorAgeAlarmSeconds} s behind the event stream (IteratorAge, 3 minutes running): profiles are stale. Check its errors, throttles and duration on the dashboard.`,
    });
    this.addAlarm('ConsumerErrorsAlarm', {
      metric: consumer.metricErrors({ statistic: cloudwatch.Stats.SUM }),
      threshold: 0,
      ...ALARM_EVALUATION.consumerErrors,
      alarmDescription:
        'Invocations of the unify consumer failed as a whole (timeout, out of memory or unhandled error) for 10 minutes. The batches are being retried; see the function logs.',
    });
    this.addAlarm('ConsumerThrottlesAlarm', {
      metric: consumer.metricThrottles({ statistic: cloudwatch.Stats.SUM }),
      threshold: 0,
      ...ALARM_EVALUATION.consumerThrottles,
      alarmDescription:
        "Lambda throttled the unify consumer: the account's concurrency is exhausted and stream shards wait. Check the account's concurrent executions.",
    });
    this.addAlarm('ConsumerOnFailureQueueAlarm', {
      metric: props.onFailureQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 0,
      ...ALARM_EVALUATION.onFailureQueue,
      alarmDescription:
        'The unify consumer gave up on records (retries exhausted or too old). Each message on the on-failure queue (OnFailureQueueUrl output) names the shard and sequence-number range of a failed batch: read those records from the stream while it still retains them, fix the cause and replay them.',
    });
    const tableOperations = props.tableOperations ?? PIPELINE_TABLE_OPERATIONS;
    if (tableOperations.length === 0 || tableOperations.length > MAX_ALARM_METRICS) {
      throw new Error(`PipelineMonitoring: tableOperations must list 1 to ${MAX_ALARM_METRICS} operations (one alarm metric each)`);
    }
    const tableThrottles = this.sumIgnoringGaps(
      props.table.metricThrottledRequestsForOperations({
        operations: [...tableOperations],
        period: ALARM_EVALUATION.tableThrottles.period,
      }),
      'Throttled requests',
    );
    this.addAlarm('TableThrottlesAlarm', {
      metric: tableThrottles,
      threshold: 0,
      ...ALARM_EVALUATION.tableThrottles,
      alarmDescription:
        'DynamoDB throttled requests to the profile table in 2 of the last 3 five-minute windows (ThrottledRequests, all operations c360 uses): a hot partition or a throughput limit.',
    });

    // ---- dashboard -----------------------------------------------------------
    const namespace = props.metricsNamespace ?? 'c360';
    const custom = (metricName: ConsumerMetricName) =>
      new cloudwatch.Metric({
        namespace,
        metricName,
        // Powertools Metrics adds the service name as the `service` dimension.
        dimensionsMap: { service: props.consumerServiceName },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(5),
      });
    const { stream, table, onFailureQueue } = props;

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '# c360 pipeline\nEvents flow from the collection stream through the unify consumer into the profile table; the profile API serves them. Every alarm notifies the alarm topic (AlarmTopicArn output).',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        // Read when the template is written, so alarms of APIs watched later are listed too.
        alarms: this.alarmList,
        sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
        width: 24,
        height: 4,
      }),
    );
    this.dashboard.addWidgets(
      graph('Stream: incoming records', [stream.metricIncomingRecords({ statistic: cloudwatch.Stats.SUM })]),
      graph('Stream: incoming bytes', [stream.metricIncomingBytes({ statistic: cloudwatch.Stats.SUM })]),
      graph('Stream: throttled writes', [
        stream.metricWriteProvisionedThroughputExceeded({ statistic: cloudwatch.Stats.SUM }),
        stream.metricPutRecordsThrottledRecords({ statistic: cloudwatch.Stats.SUM }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Consumer: invocations, errors, throttles', [
        consumer.metricInvocations({ statistic: cloudwatch.Stats.SUM }),
        consumer.metricErrors({ statistic: cloudwatch.Stats.SUM }),
        consumer.metricThrottles({ statistic: cloudwatch.Stats.SUM }),
      ]),
      graph('Consumer: duration (ms)', [
        consumer.metricDuration({ statistic: cloudwatch.Stats.percentile(50), label: 'p50' }),
        consumer.metricDuration({ statistic: cloudwatch.Stats.percentile(99), label: 'p99' }),
        consumer.metricDuration({ statistic: cloudwatch.Stats.MAXIMUM, label: 'max' }),
      ]),
      graph('Consumer: iterator age (ms)', [iteratorAge.metric], { annotations: [iteratorAge.toAnnotation()] }),
      graph('Consumer: concurrent executions', [
        consumer.metric('ConcurrentExecutions', { statistic: cloudwatch.Stats.MAXIMUM }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Consumer: records read, events applied, duplicates', [
        custom('RecordsRead'),
        custom('EventsApplied'),
        custom('EventsDuplicate'),
      ]),
      graph('Consumer: events quarantined, records failed', [custom('EventsQuarantined'), custom('RecordsFailed')]),
      graph('Consumer: profiles merged', [custom('ProfilesMerged')]),
      graph('On-failure queue: messages', [
        onFailureQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Profile table: consumed read capacity', [table.metricConsumedReadCapacityUnits({ statistic: cloudwatch.Stats.SUM })]),
      graph('Profile table: consumed write capacity', [
        table.metricConsumedWriteCapacityUnits({ statistic: cloudwatch.Stats.SUM }),
      ]),
      graph('Profile table: throttled requests', [tableThrottles]),
    );
  }

  /** Every alarm created so far (pipeline alarms and those of watched APIs). */
  public get alarms(): readonly cloudwatch.IAlarm[] {
    return [...this.alarmList];
  }

  /**
   * Alarms on an API Gateway REST API's deployment stage (5xx share above
   * `api5xxAlarmPercent`, p99 latency above `apiLatencyP99AlarmMs`) and a row
   * of its request, error and latency graphs. `name` is a construct-ID prefix
   * (`ProfileApi`, `CollectorApi`): keep it stable, it names the alarms' logical IDs.
   */
  public watchApi(name: string, api: apigateway.RestApiBase): void {
    const stage = api.deploymentStage;
    // REST APIs publish 5XXError, 4XXError, Count and Latency per stage (dimensions ApiName, Stage).
    this.watch(name, {
      serverErrors: (props) => stage.metricServerError(props),
      clientErrors: (props) => stage.metricClientError(props),
      requests: (props) => stage.metricCount(props),
      latency: (props) => stage.metricLatency(props),
    });
  }

  /**
   * The same alarms and dashboard row as `watchApi`, for an API Gateway HTTP
   * API. HTTP APIs publish `5xx`, `4xx`, `Count` and `Latency` in
   * AWS/ApiGateway with the dimension `ApiId`, and `ApiId` + `Stage` per
   * stage: with `stage` the metrics are that stage's, otherwise the whole API's.
   */
  public watchHttpApi(name: string, api: apigwv2.IHttpApi, stage?: apigwv2.IHttpStage): void {
    const source = stage ?? api;
    this.watch(name, {
      serverErrors: (props) => source.metricServerError(props),
      clientErrors: (props) => source.metricClientError(props),
      requests: (props) => source.metricCount(props),
      latency: (props) => source.metricLatency(props),
    });
  }

  private watch(name: string, metrics: ApiMetrics): void {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
      throw new Error(`watchApi: name must be alphanumeric (a construct ID prefix), got "${name}"`);
    }
    if (this.watchedApis.has(name)) throw new Error(`watchApi: an API named "${name}" is already watched`);
    this.watchedApis.add(name);
    const { api5xxAlarmPercent, apiLatencyP99AlarmMs } = this.thresholds;

    const rateEval = ALARM_EVALUATION.api5xxRate;
    const serverErrorRate = new cloudwatch.MathExpression({
      // API Gateway publishes the 5xx count (0 when none) with every request count,
      // so both series have the same datapoints; no requests, no datapoint.
      expression: '100 * errors / requests',
      usingMetrics: {
        errors: metrics.serverErrors({ statistic: cloudwatch.Stats.SUM, period: rateEval.period }),
        requests: metrics.requests({ statistic: cloudwatch.Stats.SAMPLE_COUNT, period: rateEval.period }),
      },
      label: `${name} 5xx (% of requests)`,
      period: rateEval.period,
    });
    const rateAlarm = this.addAlarm(`${name}5xxRateAlarm`, {
      metric: serverErrorRate,
      threshold: api5xxAlarmPercent,
      ...rateEval,
      alarmDescription: `More than ${api5xxAlarmPercent}% of ${name} requests got a 5xx in 2 of the last 3 five-minute windows. See the API's access logs and its function's errors.`,
    });

    const latencyEval = ALARM_EVALUATION.apiLatencyP99;
    const latencyAlarm = this.addAlarm(`${name}LatencyP99Alarm`, {
      metric: metrics.latency({ statistic: cloudwatch.Stats.percentile(99), period: latencyEval.period }),
      threshold: apiLatencyP99AlarmMs,
      ...latencyEval,
      alarmDescription: `The p99 latency of ${name} has been above ${apiLatencyP99AlarmMs} ms for 15 minutes.`,
    });

    this.dashboard.addWidgets(
      graph(`${name}: requests`, [metrics.requests({ statistic: cloudwatch.Stats.SAMPLE_COUNT })]),
      graph(`${name}: 4xx, 5xx`, [
        metrics.clientErrors({ statistic: cloudwatch.Stats.SUM }),
        metrics.serverErrors({ statistic: cloudwatch.Stats.SUM }),
      ]),
      graph(`${name}: 5xx (% of requests)`, [rateAlarm.metric], { annotations: [rateAlarm.toAnnotation()] }),
      graph(
        `${name}: latency (ms)`,
        [
          metrics.latency({ statistic: cloudwatch.Stats.percentile(50), label: 'p50' }),
          metrics.latency({ statistic: cloudwatch.Stats.percentile(99), label: 'p99' }),
        ],
        { annotations: [latencyAlarm.toAnnotation()] },
      ),
    );
  }

  private addAlarm(
    id: string,
    props: Omit<cloudwatch.AlarmProps, 'comparisonOperator' | 'treatMissingData' | 'metric'> & {
      readonly metric: cloudwatch.IMetric;
      readonly period: Duration;
    },
  ): cloudwatch.Alarm {
    const { period, metric, ...rest } = props;
    const alarm = new cloudwatch.Alarm(this, id, {
      ...rest,
      metric: metric instanceof cloudwatch.Metric ? metric.with({ period }) : metric,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarmList.push(alarm);
    return alarm;
  }

  /**
   * `a + b + ...` over sparse metrics (DynamoDB publishes ThrottledRequests
   * only for operations that were throttled) has no value where any term is
   * missing, so each term is FILLed with 0 first.
   */
  private sumIgnoringGaps(sum: cloudwatch.IMetric, label: string): cloudwatch.MathExpression {
    if (!(sum instanceof cloudwatch.MathExpression)) {
      throw new Error('PipelineMonitoring: expected the table to return a math expression for per-operation metrics');
    }
    const ids = Object.keys(sum.usingMetrics);
    return new cloudwatch.MathExpression({
      expression: ids.map((term) => `FILL(${term}, 0)`).join(' + '),
      usingMetrics: sum.usingMetrics,
      label,
      period: sum.period,
    });
  }

  /**
   * Lets CloudWatch alarms of this account and region publish to the topic:
   * sns:Publish in the topic policy and, since the topic is encrypted, use of
   * the key (SNS generates and decrypts the message's data key on the
   * publisher's behalf). Both are bound to this account's alarms.
   */
  private allowCloudWatchAlarms(key: kms.IKey): void {
    const stack = Stack.of(this);
    const principal = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    const conditions = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [principal],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions,
      }),
    );
    const added = key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopics',
        principals: [principal],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions,
      }),
      /* allowNoOp */ true,
    );
    if (!added.statementAdded) {
      throw new Error(
        'PipelineMonitoring: the alarm topic key must be a key this app creates, so that CloudWatch alarms can be allowed to use it',
      );
    }
  }
}

function graph(
  title: string,
  metrics: cloudwatch.IMetric[],
  options: { readonly annotations?: cloudwatch.HorizontalAnnotation[] } = {},
): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title,
    left: metrics,
    leftAnnotations: options.annotations,
    width: 6,
    height: 6,
  });
}
