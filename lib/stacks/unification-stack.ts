/** The unification pillar's stack: the stream consumer, the customer-view table, the profile API, segment delivery, batch matching and the pipeline's monitoring. */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { QUARANTINE_ZONE } from '../../lambda/collection/contracts/lake-layout';
import type { C360Config } from '../../lambda/config';
import { UNIFICATION_ENV } from '../../lambda/unification/contracts/env';
import { PROFILE_TABLE, type KeyAttribute } from '../../lambda/unification/contracts/table';
import { C360Function } from '../constructs/common/c360-function';
import { DataKey } from '../constructs/common/data-key';
import { EntityResolution, MATCH_OUTPUT_PREFIX } from '../constructs/unification/entity-resolution';
import { PipelineMonitoring } from '../constructs/common/monitoring';
import { ProfileApi } from '../constructs/unification/profile-api';
import { SegmentDelivery } from '../constructs/unification/segment-delivery';
import { LeastPrivilegeSqsDlq, onFailureQueue } from '../constructs/common/on-failure-queue';
import { toRemovalPolicy, toRetentionDays } from '../constructs/common/removal-policy';
import type { SuppressionList } from '../constructs/governance/suppression-list';

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
  /** The suppression list (collection stack): the consumer drops events of erased people. */
  readonly suppression: SuppressionList;
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
  /** The REST profile API: its function, routes and stage. */
  public readonly profileApi: ProfileApi;
  /** The profile API's function (`profileApi.handler`). */
  public readonly profileApiHandler: C360Function;
  /** Applies Entity Resolution's match groups as merges. */
  public readonly applyMatches: C360Function;
  public readonly entityResolution: EntityResolution;
  /** The profile API's REST API (`profileApi.api`). */
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
      .useTable(this.table, { envVar: UNIFICATION_ENV.table, access: 'read-write' })
      .putObjects(props.lakeBucket, { envVar: UNIFICATION_ENV.lakeBucket, prefix: `${QUARANTINE_ZONE}/` });
    props.suppression.grantCheck(this.consumer);

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
    // Id `Default`: the API's resources keep the logical IDs they had when this stack created them (see ProfileApi).
    this.profileApi = new ProfileApi(this, 'Default', {
      table: this.table,
      // Consent set through the API goes onto the event stream, as any other decision.
      stream: props.stream,
      identifierTypes: config.unification.identity.identifiers,
      throttle: { rateLimit: config.profileApi.throttleRateLimit, burstLimit: config.profileApi.throttleBurstLimit },
      logEncryptionKey: this.key,
      removalPolicy,
      logRetention,
    });
    this.profileApiHandler = this.profileApi.handler;
    // Audit subjects (profile reads, consent changes) are keyed hashes: the API and the table-stream auditor read the hash key.
    props.suppression.grantReadHashKey(this.profileApiHandler);
    props.suppression.grantReadHashKey(this.segments.changes);
    this.api = this.profileApi.api;

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
      .useTable(this.table, { envVar: UNIFICATION_ENV.table, access: 'read-write' })
      .putObjects(props.lakeBucket, { envVar: UNIFICATION_ENV.lakeBucket, prefix: MATCH_OUTPUT_PREFIX });
    this.entityResolution = new EntityResolution(this, 'EntityResolution', {
      appName: config.appName,
      removalPolicy,
      logRetention,
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
    new CfnOutput(this, 'MatchingWorkflowName', { value: this.entityResolution.workflowName, description: 'Entity Resolution matching workflow of the profile snapshot' });
  }
}
