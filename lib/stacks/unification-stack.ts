import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { C360Config } from '../../lambda/config';
import { C360Function } from '../constructs/common/c360-function';
import { DataKey } from '../constructs/common/data-key';
import { EntityResolution } from '../constructs/unification/entity-resolution';
import { PipelineMonitoring } from '../constructs/common/monitoring';
import { SegmentDelivery } from '../constructs/unification/segment-delivery';
import { PROFILE_TABLE, type KeyAttribute } from '../../lambda/unification/contracts/table';
import { LeastPrivilegeSqsDlq, onFailureQueue } from '../constructs/common/on-failure-queue';
import { toRemovalPolicy, toRetentionDays } from '../constructs/common/removal-policy';

export interface UnificationStackProps extends StackProps {
  readonly config: C360Config;
  /** The collection stream the consumer reads. */
  readonly stream: kinesis.IStream;
  /** The raw lake; the consumer may only put objects under `quarantine/`. */
  readonly lakeBucket: s3.IBucket;
  /** The lake bucket's key (Entity Resolution reads the profile snapshot and writes its results with it). */
  readonly lakeKey: kms.IKey;
  /** The lake's Glue database: the profile snapshot table is declared there. */
  readonly lakeDatabaseName: string;
}

/** Powertools service name of the stream consumer (its logs, traces and custom metrics). */
const CONSUMER_SERVICE_NAME = 'unify-consumer';

/**
 * Unification pillar: the stream consumer (identity resolution and aggregation)
 * writing the single customer view to DynamoDB, and the IAM-authorized profile API.
 */
export class UnificationStack extends Stack {
  public readonly key: DataKey;
  /** The single customer view: profiles, identity links, journal, segment membership (`pk`/`sk`). */
  public readonly table: dynamodb.ITable;
  /** Segment membership delivery: the event bus activation subscribes to, and the re-check schedule. */
  public readonly segments: SegmentDelivery;
  /** Reads the event stream and writes the table (and quarantine). */
  public readonly consumer: C360Function;
  /** Where the consumer's batches go after retries or age-out. */
  public readonly onFailureQueue: sqs.IQueue;
  public readonly profileApiHandler: C360Function;
  /** Applies Entity Resolution's match groups as merges. */
  public readonly applyMatches: C360Function;
  public readonly entityResolution: EntityResolution;
  public readonly api: apigateway.RestApi;
  /** Alarms (to an encrypted SNS topic) and the pipeline dashboard. */
  public readonly monitoring: PipelineMonitoring;

  constructor(scope: Construct, id: string, props: UnificationStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = toRemovalPolicy(config.removalPolicy);
    const logRetention = toRetentionDays(config.logRetentionDays);

    this.key = new DataKey(this, 'DataKey', {
      description: 'c360 unification: profile table, on-failure queue, logs',
      removalPolicy,
    });
    this.key.allowCloudWatchLogs();

    const attr = (a: KeyAttribute) => ({
      name: a.name,
      type: a.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
    });
    const table = new dynamodb.Table(this, 'ProfileTable', {
      partitionKey: attr(PROFILE_TABLE.partitionKey),
      sortKey: attr(PROFILE_TABLE.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      timeToLiveAttribute: PROFILE_TABLE.timeToLiveAttribute,
      deletionProtection: config.removalPolicy === 'retain',
      // Segment membership changes are diffed from old and new profile images (SegmentDelivery).
      stream: dynamodb.StreamViewType[PROFILE_TABLE.streamView],
      removalPolicy,
    });
    for (const index of PROFILE_TABLE.globalSecondaryIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attr(index.partitionKey),
        sortKey: attr(index.sortKey),
        projectionType: dynamodb.ProjectionType[index.projection],
      });
    }
    this.table = table;

    this.segments = new SegmentDelivery(this, 'Segments', {
      table,
      key: this.key,
      recheckMinutes: config.unification.recheckMinutes,
      removalPolicy,
      logRetention,
    });

    // ---- stream consumer -------------------------------------------------
    const consumerConfig = config.unification.consumer;
    this.onFailureQueue = onFailureQueue(this, 'ConsumerOnFailureQueue', {
      key: this.key,
      removalPolicy,
      source: 'the Kinesis event source mapping (records that exhausted retries or aged out)',
    });

    this.consumer = new C360Function(this, 'UnifyConsumer', {
      entry: 'lambda/unification/functions/unify-consumer.ts',
      serviceName: CONSUMER_SERVICE_NAME,
      description: 'Resolves identities and aggregates profiles from the c360 event stream',
      memorySize: consumerConfig.memorySize,
      timeout: Duration.seconds(consumerConfig.timeoutSeconds),
      logRetention,
      removalPolicy,
      logEncryptionKey: this.key,
    });
    this.consumer
      .useTable(this.table, { envVar: 'TABLE_NAME', access: 'read-write' })
      .putObjects(props.lakeBucket, { envVar: 'LAKE_BUCKET', prefix: 'quarantine/' });

    this.consumer.addEventSource(
      new KinesisEventSource(props.stream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: consumerConfig.batchSize,
        maxBatchingWindow: Duration.seconds(consumerConfig.maxBatchingWindowSeconds),
        parallelizationFactor: consumerConfig.parallelizationFactor,
        retryAttempts: consumerConfig.maxRetryAttempts,
        maxRecordAge: Duration.seconds(consumerConfig.maxRecordAgeSeconds),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: new LeastPrivilegeSqsDlq(this.onFailureQueue),
      }),
    );

    // ---- profile API -----------------------------------------------------
    this.profileApiHandler = new C360Function(this, 'ProfileApiHandler', {
      entry: 'lambda/unification/functions/profile-api.ts',
      serviceName: 'profile-api',
      description: 'Serves unified profiles, their identities, merge history and segments; unmerges',
      logRetention,
      removalPolicy,
      logEncryptionKey: this.key,
    });
    // Read-write: an unmerge rewrites two profiles and repoints identifiers in one transaction.
    this.profileApiHandler.useTable(this.table, { envVar: 'TABLE_NAME', access: 'read-write' });

    const accessLogs = new logs.LogGroup(this, 'ProfileApiAccessLogs', {
      retention: logRetention,
      removalPolicy,
      encryptionKey: this.key,
    });

    this.api = new apigateway.RestApi(this, 'ProfileApi', {
      description: 'c360 profile API (IAM-authorized)',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      cloudWatchRole: false,
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: config.profileApi.throttleRateLimit,
        throttlingBurstLimit: config.profileApi.throttleBurstLimit,
      },
    });
    const validator = this.api.addRequestValidator('ParameterValidator', {
      validateRequestParameters: true,
      // The GET methods declare no body model, so this is a no-op today; it
      // applies as soon as a method with a request model is added.
      validateRequestBody: true,
    });
    const integration = new apigateway.LambdaIntegration(this.profileApiHandler, { allowTestInvoke: false });

    const profiles = this.api.root.addResource('profiles');
    // `GET /profiles?<type>=<value>`: any configured identifier type, each optional
    // (the handler requires exactly one; it reads the same config).
    const lookup = profiles.addMethod('GET', integration, {
      authorizationType: apigateway.AuthorizationType.IAM,
      requestValidator: validator,
      requestParameters: Object.fromEntries(
        config.unification.identity.identifiers.map((type) => [`method.request.querystring.${type}`, false]),
      ),
    });
    const profileById = profiles.addResource('{id}');
    const withId = { authorizationType: apigateway.AuthorizationType.IAM, requestValidator: validator, requestParameters: { 'method.request.path.id': true } };
    const byId = profileById.addMethod('GET', integration, withId);
    const identities = profileById.addResource('identities').addMethod('GET', integration, withId);
    const merges = profileById.addResource('merges').addMethod('GET', integration, withId);
    const unmergeModel = this.api.addModel('UnmergeRequest', {
      contentType: 'application/json',
      schema: {
        type: apigateway.JsonSchemaType.OBJECT,
        required: ['restoredId'],
        additionalProperties: false,
        properties: {
          restoredId: { type: apigateway.JsonSchemaType.STRING, pattern: '^[A-Za-z0-9-]{1,64}$' },
          reason: { type: apigateway.JsonSchemaType.STRING, maxLength: 1000 },
        },
      },
    });
    const unmerge = profileById.addResource('unmerge').addMethod('POST', integration, { ...withId, requestModels: { 'application/json': unmergeModel } });
    const segmentsResource = this.api.root.addResource('segments');
    const listSegments = segmentsResource.addMethod('GET', integration, { authorizationType: apigateway.AuthorizationType.IAM, requestValidator: validator });
    const members = segmentsResource
      .addResource('{name}')
      .addResource('members')
      .addMethod('GET', integration, {
        authorizationType: apigateway.AuthorizationType.IAM,
        requestValidator: validator,
        requestParameters: { 'method.request.path.name': true, 'method.request.querystring.limit': false, 'method.request.querystring.cursor': false },
      });

    for (const method of [lookup, byId, identities, merges, unmerge, listSegments, members]) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          'The profile API is called by back-end services, not end users: every method uses AWS_IAM (SigV4) authorization, so there is no Cognito user pool to authorize against.',
      });
    }
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Regional, IAM-only API: unsigned requests are rejected by API Gateway before any integration runs, and stage throttling bounds signed callers. A WAF web ACL (priced per ACL and request) is left to deployments that expose the API more widely.',
    });
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'JSON access logging to a dedicated log group, metrics and X-Ray tracing are on for the stage. Execution logging needs the account-wide API Gateway CloudWatch role, a per-account singleton this app deliberately does not manage (@aws-cdk/aws-apigateway:disableCloudWatchRole).',
    });

    // ---- batch matching: AWS Entity Resolution ----------------------------
    this.applyMatches = new C360Function(this, 'ApplyMatches', {
      entry: 'lambda/unification/functions/apply-matches.ts',
      serviceName: 'apply-matches',
      description: 'Merges the match groups of an Entity Resolution job under the identity rules',
      timeout: Duration.minutes(5),
      memorySize: 1024,
      logRetention,
      removalPolicy,
      logEncryptionKey: this.key,
    });
    this.applyMatches
      .useTable(this.table, { envVar: 'TABLE_NAME', access: 'read-write' })
      .putObjects(props.lakeBucket, { envVar: 'LAKE_BUCKET', prefix: 'entity-resolution/output/' });
    this.entityResolution = new EntityResolution(this, 'EntityResolution', {
      config,
      rules: config.unification.matching,
      lakeBucket: props.lakeBucket,
      lakeKey: props.lakeKey,
      table: this.table,
      glueDatabaseName: props.lakeDatabaseName,
      mode: config.unification.entityResolution.mode,
      schedule: config.unification.entityResolution.schedule,
      applyMatches: this.applyMatches,
      logEncryptionKey: this.key,
    });

    // ---- monitoring ------------------------------------------------------
    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      monitoring: config.monitoring,
      encryptionKey: this.key,
      stream: props.stream,
      consumer: this.consumer,
      consumerServiceName: CONSUMER_SERVICE_NAME,
      onFailureQueue: this.onFailureQueue,
      table: this.table,
    });
    this.monitoring.watchApi('ProfileApi', this.api);

    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'Single customer view table' });
    new CfnOutput(this, 'ProfileApiUrl', { value: this.api.url, description: 'Profile API base URL (SigV4, service execute-api)' });
    new CfnOutput(this, 'SegmentEventBusName', { value: this.segments.bus.eventBusName, description: 'EventBridge bus of segment entered/exited events' });
    new CfnOutput(this, 'OnFailureQueueUrl', { value: this.onFailureQueue.queueUrl, description: 'Batches the consumer gave up on' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn, description: 'SNS topic every pipeline alarm notifies' });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName, description: 'CloudWatch dashboard of the pipeline' });
  }
}
