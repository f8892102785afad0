/**
 * The activation pillar's messaging: the campaign functions and what
 * triggers them, delivery over SES, End User Messaging SMS and push,
 * feedback routing, the public unsubscribe endpoint and the audience exports.
 */
import { Duration, Stack, Token, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AUDIENCES_PREFIX } from '../../../lambda/activation/contracts/audiences';
import { ACTIVATION_ENV } from '../../../lambda/activation/contracts/env';
import type { C360Config } from '../../../lambda/config';
import { SEGMENT_DETAIL_TYPES, SEGMENT_EVENT_SOURCE } from '../analytics/segment-history';
import { C360Function, type C360FunctionProps } from '../common/c360-function';
import type { IDataKey } from '../common/data-key';
import { LeastPrivilegeSqsDlq, onFailureQueue } from '../common/on-failure-queue';
import { toRetentionDays } from '../common/removal-policy';
import { MessagingChannels } from './messaging-channels';
import { MessagingSchedules, QueueFailureDestination, readProfiles } from './messaging-targets';

/** Path of the public unsubscribe resource on the activation API (`?token=<signed token>`). */
export const UNSUBSCRIBE_PATH = 'unsubscribe';
/** Method-level throttling of the public unsubscribe endpoint: a person clicks once; a mail client's one-click POST once. */
export const UNSUBSCRIBE_THROTTLE = { rateLimit: 20, burstLimit: 40 } as const;
/** How often deferred sends (quiet hours) are swept. */
export const DEFERRED_SWEEP_SCHEDULE = 'rate(5 minutes)';
/** How often the SMS opt-out list is reconciled with contact suppressions and consent. */
export const OPT_OUT_RECONCILIATION_SCHEDULE = 'rate(1 hour)';
/** Length of the generated unsubscribe signing key (alphanumeric characters: over 256 bits). */
const UNSUBSCRIBE_KEY_LENGTH = 64;

/** Asynchronous invocations: two retries of a function error, then the dead-letter queue. */
const ASYNC_RETRIES = 2;
/** EventBridge rules' delivery retries (throttling, service errors), and for how long. */
const RULE_RETRY = { retryAttempts: 10, maxEventAge: Duration.hours(6) };

export interface MessagingProps {
  readonly config: C360Config;
  /**
   * The activation key: encrypts the dead-letter queue, the SMS events topic,
   * the unsubscribe key secret, the schedules' inputs and (when it is a
   * `DataKey`) the functions' log groups. Its policy is extended so that
   * EventBridge may send to the queue and End User Messaging SMS may publish to the topic.
   */
  readonly key: kms.IKey;
  /** The activation table: message ledger, deferred sends, contact suppressions, job state. */
  readonly table: dynamodb.ITable;
  /** The customer-view table (unification), read-only. */
  readonly profileTable: dynamodb.ITable;
  /** The segment bus (source `c360.segments`). */
  readonly segmentBus: events.IEventBus;
  /** The event stream: event-triggered campaigns read it; feedback and unsubscribes put events on it. */
  readonly stream: kinesis.IStream;
  readonly streamKey: kms.IKey;
  /** The audience exports bucket (written under `audiences/`). */
  readonly exportsBucket: s3.IBucket;
  /** The IAM-authorized activation API: a public `/unsubscribe` resource is added to it. */
  readonly api: apigateway.RestApi;
  /**
   * Where the stream mapping sends what it gave up on.
   * @default - this construct's dead-letter queue
   */
  readonly onFailureQueue?: sqs.IQueue;
  readonly removalPolicy: RemovalPolicy;
}

/** Segments that a campaign of the config is triggered by or sends to (enabled campaigns only). */
export function campaignSegments(config: C360Config): { triggered: string[]; all: string[] } {
  const triggered = new Set<string>();
  const all = new Set<string>();
  for (const campaign of Object.values(config.activation.campaigns)) {
    if (!campaign.enabled) continue;
    const t = campaign.trigger;
    if ('segmentEntered' in t) triggered.add(t.segmentEntered);
    else if ('segmentExited' in t) triggered.add(t.segmentExited);
    else if ('segment' in t) all.add(t.segment);
  }
  for (const s of triggered) all.add(s);
  return { triggered: [...triggered].sort(), all: [...all].sort() };
}

/** Enabled campaigns triggered by a schedule, by name. */
export function scheduledCampaigns(config: C360Config): Array<{ name: string; schedule: string; segment: string }> {
  return Object.entries(config.activation.campaigns).flatMap(([name, c]) =>
    c.enabled && 'schedule' in c.trigger ? [{ name, schedule: c.trigger.schedule, segment: c.trigger.segment }] : [],
  );
}

/** True when some enabled campaign is triggered by a track event. */
export function hasEventCampaigns(config: C360Config): boolean {
  return Object.values(config.activation.campaigns).some((c) => c.enabled && 'event' in c.trigger);
}

const isDataKey = (key: kms.IKey): key is IDataKey => typeof (key as Partial<IDataKey>).allowCloudWatchLogs === 'function';

/**
 * Messaging, from `config.activation`:
 *
 * - **Channels** (MessagingChannels): the SES configuration set (events to
 *   the default bus), the SMS configuration set (events to an SNS topic), the
 *   SMS opt-out list; push through the account's own Pinpoint project only
 *   when `messaging.push.applicationId` is set. No Pinpoint app, segment,
 *   campaign or journey is created.
 * - **Campaign functions**: `campaign-segments` (a segment-bus rule for the
 *   segments campaigns are triggered by), `campaign-events` (a Kinesis
 *   mapping, when a campaign is event-triggered), `campaign-schedule` (one
 *   EventBridge Scheduler schedule per scheduled campaign (UTC), and the
 *   deferred sweep every 5 minutes; one invocation at a time). Each reads profiles and the membership of the
 *   campaigns' segments only, reads and writes the activation table, sends on
 *   every channel and reads the unsubscribe signing key.
 * - **Feedback**: SES events (a default-bus rule for this configuration set),
 *   SMS events (the topic) and an hourly opt-out list reconciliation → the
 *   feedback function: contact suppressions in the activation table, feedback
 *   and consent events on the stream. It sends nothing.
 * - **Unsubscribe**: `GET`/`POST /unsubscribe` on the activation API, the one
 *   public method; the function verifies the signed token and puts the
 *   consent decision on the stream.
 * - **Audience exports**: a schedule per export and a segment-bus rule for
 *   the segments of exports with `onChangeMinutes > 0`; the function writes
 *   under `audiences/` of the exports bucket only.
 *
 * Rules, schedules and asynchronous invocations give up into `deadLetterQueue`
 * (KMS, TLS only, 14 days).
 */
export class Messaging extends Construct {
  public readonly channels: MessagingChannels;
  /** The secret whose value signs unsubscribe links (generated; never rotated: links already sent must keep working). */
  public readonly unsubscribeKey: secretsmanager.Secret;
  /** Terminal destination of the rules, schedules and asynchronous invocations. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The stream mapping's on-failure destination. */
  public readonly onFailureQueue: sqs.IQueue;
  /** The base URL links point to: `https://<api>.execute-api.<region>.<suffix>/<stage>/unsubscribe`. */
  public readonly unsubscribeUrl: string;

  public readonly campaignSegments?: C360Function;
  public readonly campaignEvents?: C360Function;
  public readonly campaignSchedule: C360Function;
  public readonly feedback: C360Function;
  public readonly unsubscribe: C360Function;
  public readonly audienceExport?: C360Function;

  /** The segment-bus rule of segment-triggered campaigns. */
  public readonly campaignSegmentsRule?: events.Rule;
  /** The default-bus rule of this configuration set's SES events. */
  public readonly emailFeedbackRule: events.Rule;
  /** The schedule of the SMS opt-out list's reconciliation (the feedback function). */
  public readonly optOutReconciliation: events.Rule;
  /** The segment-bus rule of audience exports exported on change. */
  public readonly audienceChangesRule?: events.Rule;
  public readonly schedules: MessagingSchedules;
  /** Scheduled campaigns' and exports' schedules by name; the deferred sweep. */
  public readonly campaignSchedules: ReadonlyMap<string, scheduler.Schedule>;
  public readonly exportSchedules: ReadonlyMap<string, scheduler.Schedule>;
  public readonly deferredSweep: scheduler.Schedule;
  public readonly unsubscribeResource: apigateway.Resource;
  public readonly unsubscribeMethods: readonly apigateway.Method[];

  /**
   * The functions that decide and send campaign messages. Grants outside
   * this construct's props go to each of them: the erasure suppression list
   * (`SuppressionList.grantCheck`), and the recommender's model and
   * Personalize campaign when templates use recommendations.
   */
  public get campaignFunctions(): C360Function[] {
    return [this.campaignSegments, this.campaignEvents, this.campaignSchedule].filter((fn): fn is C360Function => fn !== undefined);
  }

  /** Every function of the construct. */
  public get functions(): C360Function[] {
    return [this.campaignSegments, this.campaignEvents, this.campaignSchedule, this.feedback, this.unsubscribe, this.audienceExport].filter(
      (fn): fn is C360Function => fn !== undefined,
    );
  }

  constructor(scope: Construct, id: string, props: MessagingProps) {
    super(scope, id);
    const { config, key, table, profileTable, stream, streamKey, removalPolicy } = props;
    const stack = Stack.of(this);
    const logRetention: logs.RetentionDays = toRetentionDays(config.logRetentionDays);
    let logEncryptionKey: kms.IKey | undefined;
    if (isDataKey(key)) {
      key.allowCloudWatchLogs();
      logEncryptionKey = key;
    }
    const fn = (fnId: string, fnProps: Omit<C360FunctionProps, 'logRetention' | 'removalPolicy' | 'logEncryptionKey'>) =>
      new C360Function(this, fnId, { ...fnProps, logRetention, removalPolicy, ...(logEncryptionKey === undefined ? {} : { logEncryptionKey }) });

    this.channels = new MessagingChannels(this, 'Channels', { config, key, removalPolicy });

    this.deadLetterQueue = onFailureQueue(this, 'DeadLetterQueue', {
      key,
      removalPolicy,
      source: 'the messaging rules, schedules and asynchronous invocations (events whose delivery or processing exhausted its retries)',
    });
    this.onFailureQueue = props.onFailureQueue ?? this.deadLetterQueue;
    // EventBridge rules send their undeliverable events with the service's own identity: the key must let it.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EventBridgeRulesDeadLetters',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }) },
        },
      }),
    );

    this.unsubscribeKey = new secretsmanager.Secret(this, 'UnsubscribeKey', {
      description: 'c360 activation: the HMAC key that signs unsubscribe links',
      encryptionKey: key,
      generateSecretString: { passwordLength: UNSUBSCRIBE_KEY_LENGTH, excludePunctuation: true, includeSpace: false },
      removalPolicy,
    });
    Validations.of(this.unsubscribeKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The unsubscribe signing key is deliberately not rotated on a schedule: every link already sent (valid 90 days) is signed with it, and a rotated key would turn each of them into a dead unsubscribe link. Replace it by hand after a suspected leak.',
    });

    this.unsubscribeUrl = unsubscribeBaseUrl(props.api);

    // --- campaign functions -------------------------------------------------------------------
    const segments = campaignSegments(config);
    // One entry for the three campaign functions; CAMPAIGN_TRIGGER says which each is.
    const campaignFunction = (
      fnId: string,
      trigger: 'segments' | 'events' | 'schedule',
      fnProps: Omit<C360FunctionProps, 'logRetention' | 'removalPolicy' | 'logEncryptionKey' | 'entry'>,
    ) => {
      const f = fn(fnId, { ...fnProps, entry: 'lambda/activation/functions/campaigns.ts' });
      f.addEnvironment(ACTIVATION_ENV.campaignTrigger, trigger);
      // A push send has no provider event to come back on: the function puts its `Push Sent` event itself.
      if (config.activation.messaging.push.applicationId !== undefined) f.putRecords(stream, { envVar: ACTIVATION_ENV.eventStream, streamKey });
      f.useTable(table, { envVar: ACTIVATION_ENV.table, access: 'read-write' });
      readProfiles(f, profileTable, { envVar: ACTIVATION_ENV.profileTable, segments: segments.all });
      this.channels.grantSend(f);
      f.readSecret(this.unsubscribeKey, { envVar: ACTIVATION_ENV.unsubscribeKeySecret });
      f.addEnvironment(ACTIVATION_ENV.unsubscribeUrl, this.unsubscribeUrl);
      return f;
    };
    const asyncFailures = (f: C360Function, maxEventAge: Duration) =>
      f.configureAsyncInvoke({ retryAttempts: ASYNC_RETRIES, maxEventAge, onFailure: new QueueFailureDestination(this.deadLetterQueue) });
    const ruleTarget = (f: C360Function) => new targets.LambdaFunction(f, { deadLetterQueue: this.deadLetterQueue, ...RULE_RETRY });

    if (segments.triggered.length > 0) {
      const f = campaignFunction('CampaignSegments', 'segments', {
        serviceName: 'campaign-segments',
        description: 'Runs the segment-triggered campaigns on Segment Entered / Exited events',
        timeout: Duration.minutes(1),
      });
      asyncFailures(f, Duration.hours(6));
      this.campaignSegments = f;
      this.campaignSegmentsRule = new events.Rule(this, 'CampaignSegmentsRule', {
        description: 'c360 activation: segment entered / exited events of the segments that campaigns are triggered by',
        eventBus: props.segmentBus,
        eventPattern: { source: [SEGMENT_EVENT_SOURCE], detailType: [...SEGMENT_DETAIL_TYPES], detail: { segment: segments.triggered } },
        targets: [ruleTarget(f)],
      });
    }

    if (hasEventCampaigns(config)) {
      const f = campaignFunction('CampaignEvents', 'events', {
        serviceName: 'campaign-events',
        description: 'Runs the event-triggered campaigns on the event stream',
        timeout: Duration.minutes(2),
        memorySize: 512,
      });
      // The stream's own key decrypts what the mapping reads (KinesisEventSource grants on stream.encryptionKey, if known).
      f.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [streamKey.keyArn] }));
      f.addEventSource(
        new KinesisEventSource(stream, {
          // New events only: deploying must not replay the stream's retention into sends.
          startingPosition: lambda.StartingPosition.LATEST,
          batchSize: 100,
          maxBatchingWindow: Duration.seconds(1),
          bisectBatchOnError: true,
          reportBatchItemFailures: true,
          retryAttempts: 10,
          maxRecordAge: Duration.days(1),
          onFailure: new LeastPrivilegeSqsDlq(this.onFailureQueue),
          // No filter on the records' data: KPL-aggregated records are not JSON until de-aggregated.
        }),
      );
      this.campaignEvents = f;
    }

    this.campaignSchedule = campaignFunction('CampaignSchedule', 'schedule', {
      serviceName: 'campaign-schedule',
      description: 'Runs the scheduled campaigns over their segment, and sends the sends deferred by quiet hours when due',
      timeout: Duration.minutes(15),
      memorySize: 1024,
    });
    // One at a time: two sweeps running together could both take the same due send. Scheduled
    // invocations that find it busy are throttled, and Lambda retries them (asynchronous invocation).
    (this.campaignSchedule.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = 1;
    asyncFailures(this.campaignSchedule, Duration.hours(1));

    this.schedules = new MessagingSchedules(this, 'Schedules', { key, deadLetterQueue: this.deadLetterQueue });
    const campaignSchedules = new Map<string, scheduler.Schedule>();
    for (const campaign of scheduledCampaigns(config)) {
      campaignSchedules.set(
        campaign.name,
        this.schedules.add(`Campaign-${campaign.name}`, {
          fn: this.campaignSchedule,
          expression: campaign.schedule,
          input: { campaign: campaign.name, scheduledAt: '<aws.scheduler.scheduled-time>' },
          description: `c360 campaign ${campaign.name} (${campaign.schedule}, UTC) over segment ${campaign.segment}`,
        }),
      );
    }
    this.campaignSchedules = campaignSchedules;
    this.deferredSweep = this.schedules.add('DeferredSweep', {
      fn: this.campaignSchedule,
      expression: DEFERRED_SWEEP_SCHEDULE,
      input: { sweep: 'deferred' },
      description: 'c360 campaigns: send the sends deferred by quiet hours once due',
    });

    // --- feedback -----------------------------------------------------------------------------
    this.feedback = fn('Feedback', {
      entry: 'lambda/activation/functions/feedback.ts',
      serviceName: 'messaging-feedback',
      description: 'Turns SES and SMS delivery events into contact suppressions and feedback events on the stream',
    });
    this.feedback.useTable(table, { envVar: ACTIVATION_ENV.table, access: 'read-write' });
    readProfiles(this.feedback, profileTable, { envVar: ACTIVATION_ENV.profileTable, segments: [] });
    this.feedback.putRecords(stream, { envVar: ACTIVATION_ENV.eventStream, streamKey });
    this.channels.grantOptOutRead(this.feedback);
    asyncFailures(this.feedback, Duration.hours(6));
    this.emailFeedbackRule = new events.Rule(this, 'EmailFeedbackRule', {
      description: 'c360 activation: delivery and engagement events of the campaigns\' SES configuration set (SES publishes to the default bus only)',
      eventPattern: this.channels.feedbackPattern(),
      targets: [ruleTarget(this.feedback)],
    });
    this.channels.smsEvents.addSubscription(new subscriptions.LambdaSubscription(this.feedback));
    // An EventBridge scheduled event (source aws.events, detail-type Scheduled Event): the feedback handler's cue to reconcile.
    this.optOutReconciliation = new events.Rule(this, 'OptOutReconciliation', {
      description: 'c360 activation: reconcile the SMS opt-out list (STOP replies) with contact suppressions and consent',
      schedule: events.Schedule.expression(OPT_OUT_RECONCILIATION_SCHEDULE),
      targets: [ruleTarget(this.feedback)],
    });

    // --- unsubscribe --------------------------------------------------------------------------
    this.unsubscribe = fn('Unsubscribe', {
      entry: 'lambda/activation/functions/unsubscribe.ts',
      serviceName: 'unsubscribe',
      description: 'The public one-click unsubscribe endpoint: verifies the signed link and records the consent decision on the stream',
      timeout: Duration.seconds(10),
    });
    this.unsubscribe.readSecret(this.unsubscribeKey, { envVar: ACTIVATION_ENV.unsubscribeKeySecret });
    this.unsubscribe.putRecords(stream, { envVar: ACTIVATION_ENV.eventStream, streamKey });
    readProfiles(this.unsubscribe, profileTable, { envVar: ACTIVATION_ENV.profileTable, segments: [] });
    const { resource, methods } = addUnsubscribeEndpoint(props.api, this.unsubscribe);
    this.unsubscribeResource = resource;
    this.unsubscribeMethods = methods;

    // --- audience exports ---------------------------------------------------------------------
    const exports = Object.entries(config.activation.audienceExports);
    const exportSchedules = new Map<string, scheduler.Schedule>();
    if (exports.length > 0) {
      const f = fn('AudienceExport', {
        entry: 'lambda/activation/functions/audience-export.ts',
        serviceName: 'audience-export',
        description: 'Writes the hashed audience exports of segments for ad platforms',
        timeout: Duration.minutes(15),
        memorySize: 1024,
      });
      f.putObjects(props.exportsBucket, { envVar: ACTIVATION_ENV.exportsBucket, prefix: AUDIENCES_PREFIX });
      readProfiles(f, profileTable, { envVar: ACTIVATION_ENV.profileTable, segments: exports.map(([, e]) => e.segment) });
      f.useTable(table, { envVar: ACTIVATION_ENV.table, access: 'read-write' });
      asyncFailures(f, Duration.hours(1));
      this.audienceExport = f;
      for (const [name, definition] of exports) {
        exportSchedules.set(
          name,
          this.schedules.add(`Export-${name}`, {
            fn: f,
            expression: definition.schedule,
            input: { export: name },
            description: `c360 audience export ${name} (${definition.schedule}, UTC) of segment ${definition.segment}`,
          }),
        );
      }
      const onChange = [...new Set(exports.filter(([, e]) => e.onChangeMinutes > 0).map(([, e]) => e.segment))].sort();
      if (onChange.length > 0) {
        this.audienceChangesRule = new events.Rule(this, 'AudienceChangesRule', {
          description: 'c360 activation: membership changes of the segments exported on change (the export debounces)',
          eventBus: props.segmentBus,
          eventPattern: { source: [SEGMENT_EVENT_SOURCE], detailType: [...SEGMENT_DETAIL_TYPES], detail: { segment: onChange } },
          // The event itself: the handler reads detail-type and detail.segment.
          targets: [ruleTarget(f)],
        });
      }
    }
    this.exportSchedules = exportSchedules;
  }
}

/**
 * The unsubscribe base URL, built from the API's id and its stage's literal
 * name rather than `api.url`: `api.url` names the stage, which depends on
 * the deployment, which depends on every method and so on every function an
 * integration invokes. A function of this API given `api.url` (the
 * unsubscribe function itself, say) would depend on itself: a cycle. The id
 * and the literal stage name depend on nothing but the API.
 */
export function unsubscribeBaseUrl(api: apigateway.RestApi): string {
  let stage: apigateway.Stage | undefined;
  try {
    stage = api.deploymentStage;
  } catch {
    // `deploy: false` and no stage assigned: the CDK throws on reading it.
    stage = undefined;
  }
  const stageName = (stage?.node.defaultChild as apigateway.CfnStage | undefined)?.stageName;
  if (stageName === undefined || Token.isUnresolved(stageName)) {
    throw new Error('Messaging: the activation API needs a deployment stage with a literal stage name (the unsubscribe links name it)');
  }
  const stack = Stack.of(api);
  return `https://${api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${stageName}/${UNSUBSCRIBE_PATH}`;
}

/**
 * `GET` and `POST /unsubscribe` on the API, with no authorization: the link
 * in a message is opened by a person's browser, and RFC 8058 one-click
 * unsubscribe POSTs to it from the mail provider, neither with AWS
 * credentials. The `token` query parameter is required (checked by API
 * Gateway); the function trusts nothing but that HMAC-signed token. Both
 * methods are throttled more tightly than the stage.
 */
function addUnsubscribeEndpoint(api: apigateway.RestApi, handler: C360Function): { resource: apigateway.Resource; methods: apigateway.Method[] } {
  const validator = api.addRequestValidator('UnsubscribeValidator', { validateRequestParameters: true, validateRequestBody: false });
  const integration = new apigateway.LambdaIntegration(handler, { allowTestInvoke: false });
  const resource = api.root.addResource(UNSUBSCRIBE_PATH);
  const methods = (['GET', 'POST'] as const).map((httpMethod) =>
    resource.addMethod(httpMethod, integration, {
      authorizationType: apigateway.AuthorizationType.NONE,
      requestValidator: validator,
      requestParameters: { 'method.request.querystring.token': true },
    }),
  );
  for (const method of methods) {
    const reason =
      'The unsubscribe endpoint is public by necessity: one-click unsubscribe links (a browser, or the mail provider\'s RFC 8058 POST) carry no AWS credentials and no user session. The request must carry an HMAC-SHA256-signed, expiring token naming the profile and purposes, verified by the function against a key in Secrets Manager; the method is throttled below the stage. It is the only method of the API without IAM authorization.';
    Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason });
    Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason });
  }

  const cfnStage = api.deploymentStage.node.defaultChild as apigateway.CfnStage;
  const existing = cfnStage.methodSettings;
  if (existing === undefined || Array.isArray(existing)) {
    cfnStage.methodSettings = [
      ...(existing ?? []),
      ...methods.map((m) => ({
        // CloudFormation encodes the path's slashes as ~1.
        resourcePath: `/~1${UNSUBSCRIBE_PATH}`,
        httpMethod: m.httpMethod,
        throttlingRateLimit: UNSUBSCRIBE_THROTTLE.rateLimit,
        throttlingBurstLimit: UNSUBSCRIBE_THROTTLE.burstLimit,
      })),
    ];
  }
  return { resource, methods };
}
