/**
 * Pins the logical ID and type of every stateful resource of every stack.
 *
 * A logical ID is the resource's identity to CloudFormation: when one changes
 * (a construct renamed or moved to another scope), the next deployment
 * creates a new resource and drops the old one, which replaces a customer's
 * table, stream, bucket, key or queue with an empty one (or, with
 * `removalPolicy: 'retain'`, orphans the old one and its data). The list is
 * written out literally, not a snapshot file, so that changing it is a
 * visible, reviewed edit: do that only for a resource that is meant to be
 * replaced, or for a new one.
 *
 * "Stateful" here is what holds data or state a replacement would lose: keys,
 * streams, buckets, tables, queues, secrets, log groups and streams (retained),
 * the Glue catalog, the Entity Resolution schema and workflow, the event bus,
 * the event source mappings and the Firehose delivery streams (their position
 * in a stream, or the records they buffer), the alarm topic (its confirmed
 * subscriptions), the APIs (their URL is configured in every client and SDK),
 * the Athena workgroup (its generated name is in every analyst's client, its
 * saved queries and history) and the shipped views resource (retained: its
 * views live in the Glue catalog).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PILLARS, SYNTH_TIMEOUT_MS, testApp, type TestApp } from '../support/infra-fixture';

/** Resource types that hold data or state, whatever their removal policy. */
const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  'AWS::KMS::Key',
  'AWS::Kinesis::Stream',
  'AWS::KinesisFirehose::DeliveryStream',
  'AWS::S3::Bucket',
  'AWS::DynamoDB::Table',
  'AWS::SQS::Queue',
  'AWS::SecretsManager::Secret',
  'AWS::Logs::LogGroup',
  'AWS::Logs::LogStream',
  'AWS::Glue::Database',
  'AWS::Glue::Table',
  'AWS::EntityResolution::SchemaMapping',
  'AWS::EntityResolution::MatchingWorkflow',
  'AWS::Events::EventBus',
  'AWS::Lambda::EventSourceMapping',
  'AWS::SNS::Topic',
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGatewayV2::Api',
  'AWS::Athena::WorkGroup',
  'AWS::RedshiftServerless::Namespace',
  'AWS::RedshiftServerless::Workgroup',
]);

/** Logical ID → resource type, per stack, with the default config. */
const STATEFUL_RESOURCES: Readonly<Record<(typeof PILLARS)[number], Readonly<Record<string, string>>>> = {
  collection: {
    StreamKey9F296F4F: 'AWS::KMS::Key',
    EventStream271A91DB: 'AWS::Kinesis::Stream',
    SuppressionTableE8D1D573: 'AWS::DynamoDB::Table',
    SuppressionHashKeyED03B8BC: 'AWS::SecretsManager::Secret',
    HttpCollectorWriteKeys4ADA926E: 'AWS::SecretsManager::Secret',
    HttpCollectorHandlerLogGroup50E42B3B: 'AWS::Logs::LogGroup',
    HttpCollectorApi1BCE5DF1: 'AWS::ApiGatewayV2::Api',
    HttpCollectorAccessLogs2FEBEB92: 'AWS::Logs::LogGroup',
    AccessLogsBucket83982689: 'AWS::S3::Bucket',
    LakeBucket9CD7BBD2: 'AWS::S3::Bucket',
    BatchImportLandingBucket78C9AFFD: 'AWS::S3::Bucket',
    BatchImportFailureQueueE0F3346F: 'AWS::SQS::Queue',
    BatchImportFileImportLogGroup987AFBAA: 'AWS::Logs::LogGroup',
    RawLakeDeliveryLogGroup6D876EB0: 'AWS::Logs::LogGroup',
    RawLakeDeliveryLogStream4591B53D: 'AWS::Logs::LogStream',
    RawLakeDeliveryStream8371E631: 'AWS::KinesisFirehose::DeliveryStream',
    RawLakeDatabase924552DA: 'AWS::Glue::Database',
    RawLakeRawEventsTable58A0EE5D: 'AWS::Glue::Table',
    RawLakeQuarantineTableAABCD96E: 'AWS::Glue::Table',
  },
  unification: {
    DataKey17AFBB84: 'AWS::KMS::Key',
    ProfileTable0598D89D: 'AWS::DynamoDB::Table',
    SegmentsBusA6928349: 'AWS::Events::EventBus',
    SegmentsOnFailureQueue24AA1F1F: 'AWS::SQS::Queue',
    SegmentsSegmentChangesLogGroup095AF377: 'AWS::Logs::LogGroup',
    SegmentsSegmentChangesDynamoDBEventSourcec360unificationProfileTableB62408E27E0F75F5: 'AWS::Lambda::EventSourceMapping',
    SegmentsSegmentRecheckLogGroup41C3B78D: 'AWS::Logs::LogGroup',
    ConsumerOnFailureQueueFFBAA55D: 'AWS::SQS::Queue',
    UnifyConsumerLogGroupABAFB214: 'AWS::Logs::LogGroup',
    UnifyConsumerKinesisEventSourcec360collectionEventStream69CACCF9AE1D1DB1: 'AWS::Lambda::EventSourceMapping',
    ProfileApiHandlerLogGroup35B6822C: 'AWS::Logs::LogGroup',
    ProfileApiAccessLogs8345A87F: 'AWS::Logs::LogGroup',
    ProfileApiABF5D3F3: 'AWS::ApiGateway::RestApi',
    UnmergeHandlerLogGroupB7057011: 'AWS::Logs::LogGroup',
    ApplyMatchesLogGroup929DF31C: 'AWS::Logs::LogGroup',
    EntityResolutionSnapshotTableF7AD2C23: 'AWS::Glue::Table',
    EntityResolutionSchemaMappingD827691A: 'AWS::EntityResolution::SchemaMapping',
    EntityResolutionWorkflow5483BF99: 'AWS::EntityResolution::MatchingWorkflow',
    EntityResolutionSnapshotExportLogGroup31B5E2FC: 'AWS::Logs::LogGroup',
    MonitoringAlarmTopicAF62D4F1: 'AWS::SNS::Topic',
  },
  analytics: {
    DataKey17AFBB84: 'AWS::KMS::Key',
    AccessLogsBucket83982689: 'AWS::S3::Bucket',
    CuratedBucket6A59C97E: 'AWS::S3::Bucket',
    CuratedTablesProfilesTableEF14F0A4: 'AWS::Glue::Table',
    CuratedTablesIdentitiesTableB08FB506: 'AWS::Glue::Table',
    CuratedTablesIdentityMergesTable0F3BF2E0: 'AWS::Glue::Table',
    CuratedTablesSegmentMembershipTableA711B672: 'AWS::Glue::Table',
    CuratedTablesRejectedIdentifiersTable69DC0824: 'AWS::Glue::Table',
    CuratedTablesSegmentEventsTableD3A390FA: 'AWS::Glue::Table',
    SegmentHistoryDeliveryLogGroup8408DE90: 'AWS::Logs::LogGroup',
    SegmentHistoryDeliveryLogStream9FF6A514: 'AWS::Logs::LogStream',
    SegmentHistoryDeliveryStreamA9FA4D0E: 'AWS::KinesisFirehose::DeliveryStream',
    AthenaResultsBucketFD0F43DC: 'AWS::S3::Bucket',
    AthenaWorkGroup3D21B179: 'AWS::Athena::WorkGroup',
    ViewsFunctionLogGroupCE7BD713: 'AWS::Logs::LogGroup',
    ViewsProviderLogGroupD04E651A: 'AWS::Logs::LogGroup',
    ViewsC0DDE3FE: 'Custom::AthenaViews',
    ProfileExportFunctionLogGroup984D7CFC: 'AWS::Logs::LogGroup',
    WarehouseAdminSecretLookupLogs0ACB68F7: 'AWS::Logs::LogGroup',
    WarehouseFlowLogsF831F0CA: 'AWS::Logs::LogGroup',
    WarehouseNamespace78ED5B58: 'AWS::RedshiftServerless::Namespace',
    WarehouseSqlHandlerLogGroupC636FAAE: 'AWS::Logs::LogGroup',
    WarehouseSqlWaiterLogsEA48EAD5: 'AWS::Logs::LogGroup',
    WarehouseWorkgroup507BB996: 'AWS::RedshiftServerless::Workgroup',
  },
  activation: {
    DataKey17AFBB84: 'AWS::KMS::Key',
    AccessLogsBucket83982689: 'AWS::S3::Bucket',
    AudienceExportsBucket3F9AD709: 'AWS::S3::Bucket',
    ActivationTable51D97C37: 'AWS::DynamoDB::Table',
    ModelsBucketA3610ED4: 'AWS::S3::Bucket',
    PersonalizeDatasetGroupC31B7049: 'AWS::Personalize::DatasetGroup',
    PersonalizeInteractionsSchemaEC6ABCA5: 'AWS::Personalize::Schema',
    PersonalizeInteractionsDatasetBC58B201: 'AWS::Personalize::Dataset',
    PersonalizeItemsSchema93C9BEFF: 'AWS::Personalize::Schema',
    PersonalizeItemsDatasetDBF96B6F: 'AWS::Personalize::Dataset',
    PersonalizeEventTrackerBE1735CA: 'AWS::Personalize::EventTracker',
    PersonalizeUserSolutionF6F5BD0B: 'AWS::Personalize::Solution',
    PersonalizeSimilarItemsSolution1A8F4503: 'AWS::Personalize::Solution',
    PersonalizeExcludePurchasedFilterBAF8D523: 'AWS::Personalize::Filter',
    TrainingCheckLogGroup858F32A4: 'AWS::Logs::LogGroup',
    TrainingStateMachineLogsC5A850CB: 'AWS::Logs::LogGroup',
    RecommendationsInteractionsLogGroupEE6FED94: 'AWS::Logs::LogGroup',
    RecommendationsInteractionsKinesisEventSourcec360collectionEventStream69CACCF9BD657F41: 'AWS::Lambda::EventSourceMapping',
    RecommendationsInteractionsOnFailureQueueDC4A8FD4: 'AWS::SQS::Queue',
    RecommendationsItemImportLogGroupE7EC045A: 'AWS::Logs::LogGroup',
    RecommendationsItemImportFailureQueueA8BD5658: 'AWS::SQS::Queue',
    RecommendationsRebuildLogGroup354FAF04: 'AWS::Logs::LogGroup',
    RecommendationsApiLogGroup655AB0CB: 'AWS::Logs::LogGroup',
    PropensityJobLogGroupBD00F936: 'AWS::Logs::LogGroup',
    ActivationAccessLogsDCA10001: 'AWS::Logs::LogGroup',
    ActivationApi279DD5F1: 'AWS::ApiGateway::RestApi',
    MessagingChannelsEmailConfigurationSetCF4DB271: 'AWS::SES::ConfigurationSet',
    MessagingChannelsSmsEventsA2015D24: 'AWS::SNS::Topic',
    MessagingChannelsSmsConfigurationSet2D84A10E: 'AWS::SMSVOICE::ConfigurationSet',
    MessagingChannelsSmsOptOutList777F350D: 'AWS::SMSVOICE::OptOutList',
    MessagingDeadLetterQueue3CB71CAD: 'AWS::SQS::Queue',
    MessagingUnsubscribeKey6D90BD71: 'AWS::SecretsManager::Secret',
    MessagingCampaignScheduleLogGroupC71D0148: 'AWS::Logs::LogGroup',
    MessagingFeedbackLogGroup6823E339: 'AWS::Logs::LogGroup',
    MessagingUnsubscribeLogGroupABFE8890: 'AWS::Logs::LogGroup',
  },
  governance: {
    DataKey17AFBB84: 'AWS::KMS::Key',
    AccessLogsBucket83982689: 'AWS::S3::Bucket',
    AuditBucketB01E0AE8: 'AWS::S3::Bucket',
    AuditDeliveryLogGroupA5B7E327: 'AWS::Logs::LogGroup',
    AuditDeliveryLogStream18E8A100: 'AWS::Logs::LogStream',
    AuditDeliveryStreamE7A7257A: 'AWS::KinesisFirehose::DeliveryStream',
    AuditTableCCDD223E: 'AWS::Glue::Table',
    TrailBucket6C1E344E: 'AWS::S3::Bucket',
    ErasureResolveLogGroup5EB046FC: 'AWS::Logs::LogGroup',
    ErasureStepProfilesLogGroup506001A3: 'AWS::Logs::LogGroup',
    ErasureStepRawLakeLogGroup02888449: 'AWS::Logs::LogGroup',
    ErasureStepQuarantineLogGroup4CAC056C: 'AWS::Logs::LogGroup',
    ErasureStepLandingLogGroup8BE20931: 'AWS::Logs::LogGroup',
    ErasureStepMatchingLogGroup8E6DB1AC: 'AWS::Logs::LogGroup',
    ErasureStepCuratedLogGroupD5BA1D8E: 'AWS::Logs::LogGroup',
    ErasureStepQueryResultsLogGroupBFBDF1AA: 'AWS::Logs::LogGroup',
    ErasureStepRedshiftLogGroup2C799C32: 'AWS::Logs::LogGroup',
    ErasureStepSegmentEventsLogGroupA5B0FB3D: 'AWS::Logs::LogGroup',
    ErasureStepActivationLogGroupF43BAB28: 'AWS::Logs::LogGroup',
    ErasureStepAudienceExportsLogGroupF89F1224: 'AWS::Logs::LogGroup',
    ErasureStepPersonalizeLogGroupFF4D3127: 'AWS::Logs::LogGroup',
    DataQualityRunFunctionLogGroupC2D04FEB: 'AWS::Logs::LogGroup',
    ErasureReceiptLogGroup608812F7: 'AWS::Logs::LogGroup',
    ErasureStateMachineLogs37BA9ED4: 'AWS::Logs::LogGroup',
    PrivacyHandlerLogGroup5CAAC639: 'AWS::Logs::LogGroup',
    PrivacyAccessLogs749533B4: 'AWS::Logs::LogGroup',
    PrivacyApi031283D4: 'AWS::ApiGateway::RestApi',
  },
};

describe('logical IDs of stateful resources', () => {
  let t: TestApp;
  beforeAll(() => {
    t = testApp();
  }, SYNTH_TIMEOUT_MS);

  describe.each(PILLARS)('%s stack', (pillar) => {
    it('keeps the logical ID and type of every stateful resource, and has no stateful resource missing from the list', () => {
      const resources = t.template(pillar).toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string }>;
      // A retained resource of a type not listed above is stateful too: it shows up here until it is listed.
      const stateful = Object.fromEntries(
        Object.entries(resources)
          .filter(([, resource]) => STATEFUL_TYPES.has(resource.Type) || resource.DeletionPolicy === 'Retain')
          .map(([id, resource]) => [id, resource.Type]),
      );
      expect(stateful).toEqual(STATEFUL_RESOURCES[pillar]);
    });
  });
});
