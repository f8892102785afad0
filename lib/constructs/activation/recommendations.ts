/** The recommendation functions: interactions from the stream, the item catalog import, the built-in recommender's rebuild, the recommendations API's function. */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ACTIVATION_ENV } from '../../../lambda/activation/contracts/env';
import { ITEMS_LANDING_PREFIX, LANDING_PREFIX, REPORTS_PREFIX } from '../../../lambda/collection/contracts/landing';
import type { ActivationConfig } from '../../../lambda/config/activation';
import { C360Function } from '../common/c360-function';
import { LeastPrivilegeSqsDlq, onFailureQueue } from '../common/on-failure-queue';
import { grantPersonalize, grantReadObjects, grantScan, LeastPrivilegeSqsDestination } from './grants';
import { grantFolder, RECOMMENDER_MODELS_PREFIX } from './models-bucket';
import type { Personalize } from './personalize';

/** Where the item import writes each catalog file's report (`reportKeys` of a `landing/items/` key): `reports/items/`. */
export const ITEMS_REPORTS_PREFIX = ITEMS_LANDING_PREFIX.replace(LANDING_PREFIX, REPORTS_PREFIX);

/**
 * The interactions function's event source mapping: bounded like the
 * unification consumer's (bisect on error, partial batch responses), so a
 * bad record costs one retry sequence and then the on-failure queue, never
 * a stuck shard.
 */
export const INTERACTIONS_SOURCE = {
  batchSize: 500,
  maxBatchingWindow: Duration.seconds(5),
  retryAttempts: 5,
  maxRecordAge: Duration.hours(6),
  parallelizationFactor: 1,
} as const;

export interface RecommendationsProps {
  readonly config: ActivationConfig['recommendations'];
  /** The activation table (interactions, items). */
  readonly table: dynamodb.ITable;
  /** The customer-view table, read only (the interactions function resolves profiles, the API checks consent). */
  readonly profileTable: dynamodb.ITable;
  /** The event stream the interactions function reads. */
  readonly stream: kinesis.IStream;
  /** The landing bucket (`landing/items/` catalog files, `reports/items/` reports); it must send its events to EventBridge. */
  readonly landingBucket: s3.IBucket;
  /** The models bucket (`models/recommender/`). */
  readonly modelsBucket: s3.IBucket;
  /** Personalize, when deployed: the functions feed and query it. */
  readonly personalize?: Personalize;
  /** The activation key: the on-failure queues and the log groups. */
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * - `interactions` (lambda/activation/functions/interactions.ts): reads the
 *   event stream, records each mapped event's interactions in the activation
 *   table and puts them to Personalize's event tracker. Reads the profile
 *   table (item reads only).
 * - `itemImport` (item-import.ts): on every object created under
 *   `landing/items/` (an EventBridge rule on the landing bucket's events),
 *   reads the file, writes the items to the activation table and to
 *   Personalize's items dataset, and its report under `reports/items/`.
 * - `rebuild` (recommender-rebuild.ts): every `builtIn.rebuildEveryMinutes`,
 *   scans the interactions and writes the co-occurrence model under
 *   `models/recommender/`.
 * - `api` (recommendations-api.ts): behind the activation API; reads the
 *   table, the model, the profile table, and asks Personalize's campaigns.
 */
export class Recommendations extends Construct {
  public readonly interactions: C360Function;
  public readonly interactionsOnFailureQueue: sqs.Queue;
  public readonly itemImport: C360Function;
  public readonly itemImportFailureQueue: sqs.Queue;
  public readonly itemImportRule: events.Rule;
  public readonly rebuild: C360Function;
  public readonly rebuildSchedule: events.Rule;
  public readonly api: C360Function;

  constructor(scope: Construct, id: string, props: RecommendationsProps) {
    super(scope, id);
    const { config, table, profileTable, modelsBucket, landingBucket, personalize, key, logRetention, removalPolicy } = props;
    const common = { logRetention, removalPolicy, logEncryptionKey: key };

    // --- interactions from the stream --------------------------------------------------------------
    this.interactions = new C360Function(this, 'Interactions', {
      entry: 'lambda/activation/functions/interactions.ts',
      serviceName: 'interactions',
      description: 'c360 activation: records product interactions from the event stream (activation table, Personalize event tracker)',
      timeout: Duration.minutes(2),
      ...common,
    });
    this.interactions
      .useTable(table, { envVar: ACTIVATION_ENV.table, access: 'read-write' })
      .useTable(profileTable, { envVar: ACTIVATION_ENV.profileTable, access: 'read' });
    if (personalize !== undefined) {
      this.interactions.addEnvironment(ACTIVATION_ENV.personalizeTrackingId, personalize.trackingId);
      this.interactions.addEnvironment(ACTIVATION_ENV.personalizeDatasetGroupArn, personalize.datasetGroupArn);
      grantPersonalize(this.interactions, ['personalize:PutEvents'], [personalize.eventTrackerArn]);
    }
    this.interactionsOnFailureQueue = onFailureQueue(this, 'InteractionsOnFailureQueue', {
      key,
      removalPolicy,
      source: 'the interactions function\'s Kinesis event source mapping (records that exhausted retries or aged out)',
    });
    this.interactions.addEventSource(
      new KinesisEventSource(props.stream, {
        // From the oldest record the stream keeps: a record is one interaction by its messageId, so replaying is harmless.
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: INTERACTIONS_SOURCE.batchSize,
        maxBatchingWindow: INTERACTIONS_SOURCE.maxBatchingWindow,
        parallelizationFactor: INTERACTIONS_SOURCE.parallelizationFactor,
        retryAttempts: INTERACTIONS_SOURCE.retryAttempts,
        maxRecordAge: INTERACTIONS_SOURCE.maxRecordAge,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: new LeastPrivilegeSqsDlq(this.interactionsOnFailureQueue),
      }),
    );

    // --- the item catalog import -------------------------------------------------------------------
    this.itemImport = new C360Function(this, 'ItemImport', {
      entry: 'lambda/activation/functions/item-import.ts',
      serviceName: 'item-import',
      description: 'c360 activation: imports item catalog files dropped under landing/items/ (activation table, Personalize items dataset)',
      memorySize: 1024,
      timeout: Duration.minutes(15),
      ...common,
    });
    this.itemImport.useTable(table, { envVar: ACTIVATION_ENV.table, access: 'read-write' });
    grantReadObjects(this.itemImport, landingBucket, ITEMS_LANDING_PREFIX, 'the landing bucket, where catalog files are dropped');
    this.itemImport.putObjects(landingBucket, { envVar: ACTIVATION_ENV.landingBucket, prefix: ITEMS_REPORTS_PREFIX });
    if (personalize?.itemsDatasetArn !== undefined) {
      this.itemImport.addEnvironment(ACTIVATION_ENV.personalizeItemsDatasetArn, personalize.itemsDatasetArn);
      grantPersonalize(this.itemImport, ['personalize:PutItems'], [personalize.itemsDatasetArn]);
    }
    this.itemImportFailureQueue = onFailureQueue(this, 'ItemImportFailureQueue', {
      key,
      removalPolicy,
      source: 'the item import function (the S3 events of files whose import failed every attempt)',
    });
    this.itemImport.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new LeastPrivilegeSqsDestination(this.itemImportFailureQueue),
    });
    this.itemImportRule = new events.Rule(this, 'ItemFileCreated', {
      description: `c360 activation: import item catalog files created under ${ITEMS_LANDING_PREFIX} of the landing bucket`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [landingBucket.bucketName] }, object: { key: [{ prefix: ITEMS_LANDING_PREFIX }] } },
      },
      targets: [new targets.LambdaFunction(this.itemImport, { retryAttempts: 2, maxEventAge: Duration.hours(6) })],
    });

    // --- the built-in recommender's rebuild ---------------------------------------------------------
    const everyMinutes = config.builtIn.rebuildEveryMinutes;
    this.rebuild = new C360Function(this, 'Rebuild', {
      entry: 'lambda/activation/functions/recommender-rebuild.ts',
      serviceName: 'recommender-rebuild',
      description: 'c360 activation: rebuilds the built-in co-occurrence recommender from the interactions',
      memorySize: 1024,
      timeout: Duration.minutes(15),
      ...common,
    });
    grantScan(this.rebuild, table, ACTIVATION_ENV.table);
    grantFolder(this.rebuild, modelsBucket, { envVar: ACTIVATION_ENV.modelsBucket, prefix: RECOMMENDER_MODELS_PREFIX, access: 'read-write' });
    this.rebuildSchedule = new events.Rule(this, 'RebuildSchedule', {
      description: `c360 activation: rebuild the built-in recommender every ${everyMinutes} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(everyMinutes)),
      targets: [new targets.LambdaFunction(this.rebuild, { retryAttempts: 1, maxEventAge: Duration.minutes(Math.max(1, Math.min(everyMinutes, 1440))) })],
    });
    // A failed rebuild leaves the previous model in place; the next run builds anew.
    this.rebuild.configureAsyncInvoke({ retryAttempts: 0 });

    // --- the recommendations API's function ---------------------------------------------------------
    this.api = new C360Function(this, 'Api', {
      entry: 'lambda/activation/functions/recommendations-api.ts',
      serviceName: 'recommendations-api',
      description: 'c360 activation: serves recommendations for a profile and similar items (Personalize, else the built-in recommender)',
      ...common,
    });
    this.api
      .useTable(table, { envVar: ACTIVATION_ENV.table, access: 'read' })
      .useTable(profileTable, { envVar: ACTIVATION_ENV.profileTable, access: 'read' });
    grantFolder(this.api, modelsBucket, { envVar: ACTIVATION_ENV.modelsBucket, prefix: RECOMMENDER_MODELS_PREFIX, access: 'read' });
    if (personalize !== undefined) {
      const campaigns = [personalize.campaignArns.user, personalize.campaignArns.similar];
      this.api.addEnvironment(ACTIVATION_ENV.personalizeCampaignArn, personalize.campaignArns.user);
      this.api.addEnvironment(ACTIVATION_ENV.personalizeSimilarCampaignArn, personalize.campaignArns.similar);
      this.api.addEnvironment(ACTIVATION_ENV.personalizeExcludePurchasedFilterArn, personalize.excludePurchasedFilterArn);
      // GetRecommendations with a filter is authorized on the campaign and on the filter.
      grantPersonalize(this.api, ['personalize:GetRecommendations'], [...campaigns, personalize.excludePurchasedFilterArn]);
      grantPersonalize(this.api, ['personalize:DescribeCampaign'], campaigns);
    }
  }
}
