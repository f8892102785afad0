/** The activation pillar's stack: the activation table, the models and audience exports buckets, Personalize and its training workflow, the recommendation and propensity functions, the activation API, campaigns and delivery. */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { C360Config } from '../../lambda/config';
import type { AthenaWorkgroup } from '../constructs/analytics/athena-workgroup';
import { ActivationApi } from '../constructs/activation/activation-api';
import { ActivationTable } from '../constructs/activation/activation-table';
import { Messaging } from '../constructs/activation/messaging';
import { grantFolder, PERSONALIZE_PREFIX, RECOMMENDER_MODELS_PREFIX } from '../constructs/activation/models-bucket';
import { ACTIVATION_ENV } from '../../lambda/activation/contracts/env';
import { Personalize } from '../constructs/activation/personalize';
import { Propensity } from '../constructs/activation/propensity';
import { Recommendations } from '../constructs/activation/recommendations';
import { TrainingWorkflow } from '../constructs/activation/training-workflow';
import { DataKey } from '../constructs/common/data-key';
import { toRemovalPolicy, toRetentionDays } from '../constructs/common/removal-policy';
import { AccessLogsBucket, DataBucket } from '../constructs/common/secure-bucket';
import type { SuppressionList } from '../constructs/governance/suppression-list';

export interface ActivationStackProps extends StackProps {
  readonly config: C360Config;
  /** The collection event stream: the interactions function reads it; scores and feedback go onto it. */
  readonly stream: kinesis.IStream;
  /** The stream's customer-managed key. */
  readonly streamKey: kms.IKey;
  /** The landing bucket: item catalog files under `landing/items/` (its object events must go to EventBridge). */
  readonly landingBucket: s3.IBucket;
  /** The raw lake (`raw/`) and its key: the propensity job's event history. */
  readonly lakeBucket: s3.IBucket;
  readonly lakeKey: kms.IKey;
  /** The lake's Glue database: raw events and the curated exports' tables. */
  readonly databaseName: string;
  /** The single customer view (read only here) and its bus of segment entered / exited events. */
  readonly profileTable: dynamodb.ITable;
  readonly segmentBus: events.IEventBus;
  /** The curated zone (profile exports) and its key. */
  readonly curatedBucket: s3.IBucket;
  readonly curatedKey: kms.IKey;
  /** The analytics Athena workgroup (and its results bucket): the propensity job's queries. */
  readonly athena: AthenaWorkgroup;
  /** The erasure's suppression list (in the collection stack): campaigns send nothing to an erased person. */
  readonly suppression: SuppressionList;
}

/** Activation API stage throttling: back-end callers (campaign functions, storefront servers). */
const ACTIVATION_API_THROTTLE = { rateLimit: 200, burstLimit: 400 };

/** What erasing a person from Personalize takes: the dataset group and its datasets, and the role it reads deletion lists with. */
export interface PersonalizeStores {
  readonly datasetGroupArn: string;
  readonly interactionsDatasetArn: string;
  readonly itemsDatasetArn?: string;
  readonly usersDatasetArn?: string;
  /** Personalize's service role: `CreateDataDeletionJob` passes it; it reads `personalize/deletions/` of the models bucket. */
  readonly roleArn: string;
}

/**
 * Activation pillar.
 *
 * - The activation key, the activation table (`ActivationTable`), the models
 *   bucket (recommender and propensity models, Personalize's import and
 *   deletion files) and the audience exports bucket.
 * - Amazon Personalize (`recommendations.personalize.enabled`): dataset
 *   group, datasets, event tracker, solutions, filter, and the training
 *   workflow that trains them and deploys the campaigns.
 * - The recommendation functions (interactions from the stream, the item
 *   catalog import, the built-in recommender's rebuild, the recommendations
 *   API's function) and the propensity job (`propensity.enabled`).
 * - The activation API (IAM-authorized recommendations; the public unsubscribe endpoint).
 * - Messaging: campaigns, delivery over SES v2, End User Messaging SMS and
 *   the Pinpoint messaging API (push), feedback, audience exports.
 *
 * No Amazon Pinpoint engagement resource (app, segment, campaign, journey) is created.
 */
export class ActivationStack extends Stack {
  public readonly key: DataKey;
  /** Shared target of this stack's S3 server access logs. */
  public readonly accessLogsBucket: s3.IBucket;
  public readonly audienceExportsBucket: s3.Bucket;
  /** Messages, deferred sends, interactions, items, contact suppressions, job state (lambda/activation/contracts/table.ts). */
  public readonly table: dynamodb.Table;
  /** `models/recommender/`, `models/propensity/`, `personalize/imports/`, `personalize/deletions/`. */
  public readonly modelsBucket: s3.Bucket;
  /** Amazon Personalize's resources, when deployed. */
  public readonly personalizeResources?: Personalize;
  /** What the erasure needs of Personalize, when deployed. */
  public readonly personalize?: PersonalizeStores;
  public readonly trainingWorkflow?: TrainingWorkflow;
  public readonly recommendations: Recommendations;
  public readonly propensity?: Propensity;
  public readonly activationApi: ActivationApi;
  /** Campaigns, delivery (SES, End User Messaging SMS, push), feedback, unsubscribe, audience exports. */
  public readonly messaging: Messaging;

  constructor(scope: Construct, id: string, props: ActivationStackProps) {
    super(scope, id, props);
    const { config } = props;
    const activation = config.activation;
    const removalPolicy = toRemovalPolicy(config.removalPolicy);
    const logRetention = toRetentionDays(config.logRetentionDays);

    this.key = new DataKey(this, 'DataKey', {
      description: 'c360 activation: activation table, models, audience exports, Personalize datasets, logs',
      removalPolicy,
    });
    this.key.allowCloudWatchLogs();
    this.accessLogsBucket = new AccessLogsBucket(this, 'AccessLogsBucket', { removalPolicy });
    this.audienceExportsBucket = new DataBucket(this, 'AudienceExportsBucket', {
      encryptionKey: this.key,
      accessLogsBucket: this.accessLogsBucket,
      accessLogsPrefix: 'audience-exports/',
      removalPolicy,
    });

    this.table = new ActivationTable(this, 'ActivationTable', {
      encryptionKey: this.key,
      removalPolicy,
      deletionProtection: config.removalPolicy === 'retain',
    });

    this.modelsBucket = new DataBucket(this, 'ModelsBucket', {
      encryptionKey: this.key,
      accessLogsBucket: this.accessLogsBucket,
      accessLogsPrefix: 'models/',
      removalPolicy,
    });
    // Models are rewritten on every run: only the current version is worth keeping.
    this.modelsBucket.addLifecycleRule({
      id: 'noncurrent-versions',
      noncurrentVersionExpiration: Duration.days(1),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    });
    // Import files and deletion lists (profile ids) are read once by Personalize (a deletion job takes up to a day).
    this.modelsBucket.addLifecycleRule({ id: 'expire-personalize-files', prefix: PERSONALIZE_PREFIX, expiration: Duration.days(7) });

    // ---- Personalize and its training ------------------------------------------------------------------
    if (activation.recommendations.personalize.enabled) {
      const personalize = new Personalize(this, 'Personalize', {
        config: activation.recommendations,
        key: this.key,
        modelsBucket: this.modelsBucket,
        removalPolicy,
      });
      this.personalizeResources = personalize;
      this.personalize = {
        datasetGroupArn: personalize.datasetGroupArn,
        interactionsDatasetArn: personalize.interactionsDatasetArn,
        ...(personalize.itemsDatasetArn === undefined ? {} : { itemsDatasetArn: personalize.itemsDatasetArn }),
        ...(personalize.usersDatasetArn === undefined ? {} : { usersDatasetArn: personalize.usersDatasetArn }),
        roleArn: personalize.role.roleArn,
      };
      this.trainingWorkflow = new TrainingWorkflow(this, 'Training', {
        config: activation.recommendations,
        personalize,
        table: this.table,
        logEncryptionKey: this.key,
        logRetention,
        removalPolicy,
      });
    }

    // ---- recommendations -------------------------------------------------------------------------------
    this.recommendations = new Recommendations(this, 'Recommendations', {
      config: activation.recommendations,
      table: this.table,
      profileTable: props.profileTable,
      stream: props.stream,
      landingBucket: props.landingBucket,
      modelsBucket: this.modelsBucket,
      ...(this.personalizeResources === undefined ? {} : { personalize: this.personalizeResources }),
      key: this.key,
      logRetention,
      removalPolicy,
    });

    // ---- propensity --------------------------------------------------------------------------------------
    if (activation.propensity.enabled) {
      this.propensity = new Propensity(this, 'Propensity', {
        config: activation.propensity,
        workgroup: props.athena,
        databaseName: props.databaseName,
        lakeBucket: props.lakeBucket,
        lakeKey: props.lakeKey,
        curatedBucket: props.curatedBucket,
        curatedKey: props.curatedKey,
        lakeFormationGoverned: config.governance.lakeFormation.enabled,
        modelsBucket: this.modelsBucket,
        stream: props.stream,
        streamKey: props.streamKey,
        logEncryptionKey: this.key,
        logRetention,
        removalPolicy,
      });
    }

    // ---- the activation API --------------------------------------------------------------------------------
    this.activationApi = new ActivationApi(this, 'Activation', {
      recommendations: this.recommendations.api,
      throttle: ACTIVATION_API_THROTTLE,
      logEncryptionKey: this.key,
      logRetention,
      removalPolicy,
    });

    // ---- campaigns, delivery, feedback, unsubscribe, audience exports -----------------------------------------
    this.messaging = new Messaging(this, 'Messaging', {
      config,
      key: this.key,
      table: this.table,
      profileTable: props.profileTable,
      segmentBus: props.segmentBus,
      stream: props.stream,
      streamKey: props.streamKey,
      exportsBucket: this.audienceExportsBucket,
      api: this.activationApi.api,
      removalPolicy,
    });
    for (const fn of this.messaging.campaignFunctions) {
      // Every send is checked against the erasure's suppression list first.
      props.suppression.grantCheck(fn);
      // Templates that list recommendations read the built-in recommender's model.
      grantFolder(fn, this.modelsBucket, { envVar: ACTIVATION_ENV.modelsBucket, prefix: RECOMMENDER_MODELS_PREFIX, access: 'read' });
    }

    new CfnOutput(this, 'ActivationTableName', { value: this.table.tableName, description: 'Activation table (messages, interactions, items, contact suppressions)' });
    new CfnOutput(this, 'ModelsBucketName', { value: this.modelsBucket.bucketName, description: 'Models (recommender, propensity) and Personalize files' });
    new CfnOutput(this, 'AudienceExportsBucketName', { value: this.audienceExportsBucket.bucketName });
    new CfnOutput(this, 'ActivationApiUrl', { value: this.activationApi.api.url, description: 'Activation API base URL (SigV4, service execute-api)' });
    if (this.trainingWorkflow !== undefined) {
      new CfnOutput(this, 'TrainingStateMachineArn', {
        value: this.trainingWorkflow.stateMachine.stateMachineArn,
        description: 'Personalize training workflow (start an execution to train on demand)',
      });
    }
  }
}
