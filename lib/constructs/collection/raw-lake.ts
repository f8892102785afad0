import { ArnFormat, Names, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import {
  FIREHOSE_QUARANTINE_SOURCE,
  LAKE_FILE_EXTENSION,
  lakePartitionJq,
  lakePrefix,
  partitionPath,
  partitionSources,
  QUARANTINE_ZONE,
  RAW_ZONE,
  sourcePrefix,
} from '../../../lambda/collection/contracts/lake-layout';
import { LANDING_PREFIX } from '../../../lambda/collection/contracts/landing';
import type { IDataKey } from '../common/data-key';
import type { GovernedTable } from '../common/governed-lake';
import { acknowledgeWildcardResource } from '../common/nag';
import { NAME_RULES, uniquePhysicalName } from '../common/physical-names';

/** Where Firehose writes accepted events: one prefix per event source and event day (Hive-style, for Athena). */
export const RAW_PREFIX = lakePrefix(RAW_ZONE, '!{partitionKeyFromQuery:source}', '!{partitionKeyFromQuery:dt}');
/**
 * Where Firehose writes what it cannot partition, with its error code and
 * message: the quarantine zone's own layout (`quarantine/source=.../dt=.../`),
 * so the quarantine table covers it. The error output type
 * (`processing-failed`, ...) starts the object name instead of adding a
 * folder level; the day is the arrival day of the oldest record in the object.
 */
export const FIREHOSE_ERROR_PREFIX = `${lakePrefix(QUARANTINE_ZONE, FIREHOSE_QUARANTINE_SOURCE, '!{timestamp:yyyy-MM-dd}')}!{firehose:error-output-type}-`;
/** Tables the crawler creates get this prefix. */
export const LANDING_TABLE_PREFIX = 'landing_';
/** Firehose's minimum buffering when dynamic partitioning is on (the CDK's Firehose module enforces the same). */
const MIN_BUFFER_SIZE_MIB = 64;
const MIN_BUFFER_INTERVAL_SECONDS = 60;
/** The limit of a Firehose processor parameter value (the jq query). */
const MAX_PROCESSOR_PARAMETER_CHARS = 5120;
/** Daily, 03:00 UTC. */
const DEFAULT_CRAWLER_SCHEDULE = 'cron(0 3 * * ? *)';
/** The config's default buffering (`collection.lake`). */
const DEFAULT_BUFFERING: LakeBuffering = { intervalSeconds: 300, sizeMiB: 64 };

const JSON_SERDE = 'org.openx.data.jsonserde.JsonSerDe';
const TEXT_INPUT_FORMAT = 'org.apache.hadoop.mapred.TextInputFormat';
const TEXT_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';

const column = (name: string, type = 'string', comment?: string): glue.CfnTable.ColumnProperty => ({
  name,
  type,
  ...(comment === undefined ? {} : { comment }),
});
const AS_JSON_TEXT = 'the nested JSON object as text (query with json_extract / json_extract_scalar)';

/**
 * Columns of the raw events table: the Segment spec fields. The OpenX JSON
 * SerDe matches JSON keys case-insensitively (`messageId` fills `messageid`).
 * Declared `string`, a nested object (traits, properties, context) is
 * returned as its JSON text, re-serialized by the SerDe: keys and values are
 * kept, key order and whitespace are not guaranteed.
 */
export const RAW_EVENT_COLUMNS: readonly glue.CfnTable.ColumnProperty[] = [
  column('type'),
  column('messageid'),
  column('timestamp', 'string', 'event time, ISO-8601 (quote it in SQL: "timestamp")'),
  column('originaltimestamp'),
  column('receivedat'),
  column('sentat'),
  column('userid'),
  column('anonymousid'),
  column('event'),
  column('name'),
  column('category'),
  column('groupid'),
  column('previousid'),
  column('traits', 'string', AS_JSON_TEXT),
  column('properties', 'string', AS_JSON_TEXT),
  column('context', 'string', AS_JSON_TEXT),
];

/**
 * Columns of the quarantine table, which holds two kinds of JSON lines:
 * the consumers' quarantine entries (reason, sequenceNumber, ..., data) and
 * Firehose's error records (errorCode, errorMessage, rawData, ...). Each row
 * fills the columns of its kind; `coalesce(reason, errormessage)` is the
 * reason of either. The entries' own `source` field is the `source` partition.
 */
export const QUARANTINE_COLUMNS: readonly glue.CfnTable.ColumnProperty[] = [
  column('reason'),
  column('sequencenumber'),
  column('subsequence', 'int', 'position inside a KPL-aggregated record'),
  column('partitionkey'),
  column('receivedat'),
  column('data', 'string', 'the record as it came: text when valid UTF-8, otherwise base64 (see encoding)'),
  column('encoding'),
  column('errorcode', 'string', 'Firehose error records'),
  column('errormessage', 'string', 'Firehose error records'),
  column('rawdata', 'string', 'Firehose error records: the record, base64'),
  column('attemptsmade', 'bigint', 'Firehose error records'),
  column('arrivaltimestamp', 'bigint', 'Firehose error records: epoch ms'),
  column('attemptendingtimestamp', 'bigint', 'Firehose error records: epoch ms'),
  column('subsequencenumber', 'bigint', 'Firehose error records'),
];

const PARTITION_KEYS: glue.CfnTable.ColumnProperty[] = [column('source'), column('dt', 'string', 'event day, YYYY-MM-DD')];

/** Firehose buffering: it writes an object when either limit is reached, whichever comes first. */
export interface LakeBuffering {
  /** Seconds (60 to 900). */
  readonly intervalSeconds: number;
  /** MiB (64 to 128). */
  readonly sizeMiB: number;
}

export interface RawLakeProps {
  /** The event stream (KMS-encrypted) Firehose reads. */
  readonly stream: kinesis.IStream;
  /** The stream's key: Firehose decrypts the records it reads. */
  readonly streamKey: kms.IKey;
  /** The lake bucket (`raw/`, `quarantine/`). */
  readonly lakeBucket: s3.IBucket;
  /**
   * The lake bucket's key. Firehose encrypts what it writes with it, and it
   * encrypts the Firehose and crawler log groups, so it must be a key whose
   * policy this app manages (it is extended to let CloudWatch Logs use it).
   */
  readonly lakeKey: IDataKey;
  /** The bucket batch files land in, under `landing/<source>/`. */
  readonly landingBucket: s3.IBucket;
  /**
   * The landing bucket's key, if it is SSE-KMS encrypted (the crawler decrypts what it reads).
   * @default - the landing bucket is not encrypted with a customer-managed key
   */
  readonly landingKey?: kms.IKey;
  /** The deployment's name (`appName`): the Glue database is `<app>_lake_<suffix>` (see `lakeDatabaseName`), descriptions name it. */
  readonly appName: string;
  /** Names of the configured sources (`collection.sources`): the values of the `source` partition, with the fallback `kinesis`. */
  readonly sources: readonly string[];
  /**
   * Firehose buffering (`collection.lake`). Dynamic partitioning needs at least 60 s and 64 MiB.
   * @default { intervalSeconds: 300, sizeMiB: 64 }
   */
  readonly buffering?: LakeBuffering;
  /** Retention of the Firehose delivery log group. */
  readonly logRetention: logs.RetentionDays;
  /** Applied to the Glue database and tables and to the log groups. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * When the landing crawler runs (a Glue cron expression, UTC).
   * @default daily at 03:00 UTC
   */
  readonly crawlerSchedule?: string;
  /**
   * Lake Formation governs the database (`governance.lakeFormation.enabled`):
   * its tables get no IAM_ALLOWED_PRINCIPALS grant, so Lake Formation
   * permissions alone decide who reads them.
   * @default false
   */
  readonly lakeFormationGoverned?: boolean;
}

/**
 * The lake's Glue database name: `<app>_lake_<suffix>`, the app name in
 * Glue's characters (lower case, letters, digits and `_`) and the suffix of
 * `scope`'s deployment, so that two deployments in one account and Region
 * never share a database.
 */
export function lakeDatabaseName(scope: IConstruct, appName: string): string {
  return uniquePhysicalName(scope, `${appName}_lake`, NAME_RULES.glueDatabase);
}

interface JsonTableOptions {
  readonly databaseName: string;
  readonly name: string;
  readonly description: string;
  /** `s3://bucket/zone/` */
  readonly location: string;
  readonly columns: readonly glue.CfnTable.ColumnProperty[];
  /** Values of the `source` partition. */
  readonly sources: readonly string[];
}

/**
 * An external table of JSON lines (gzip or plain: Athena reads each object
 * by its extension) partitioned by `source` and `dt`, laid out as
 * `<location>source=<source>/dt=<YYYY-MM-DD>/`. Partition projection lists
 * the partitions: the given sources, and every day from five years ago to
 * tomorrow (events stamped by a clock slightly ahead stay visible).
 */
function jsonTable(scope: Construct, id: string, options: JsonTableOptions): glue.CfnTable {
  return new glue.CfnTable(scope, id, {
    catalogId: Stack.of(scope).account,
    databaseName: options.databaseName,
    tableInput: {
      name: options.name,
      description: options.description,
      tableType: 'EXTERNAL_TABLE',
      parameters: {
        EXTERNAL: 'TRUE',
        classification: 'json',
        'projection.enabled': 'true',
        'projection.source.type': 'enum',
        'projection.source.values': options.sources.join(','),
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': 'NOW-5YEARS,NOW+1DAYS',
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
        // Athena's projection placeholders, filled per partition.
        'storage.location.template': `${options.location}${partitionPath('${source}', '${dt}')}`,
      },
      partitionKeys: PARTITION_KEYS,
      storageDescriptor: {
        location: options.location,
        columns: [...options.columns],
        inputFormat: TEXT_INPUT_FORMAT,
        outputFormat: TEXT_OUTPUT_FORMAT,
        // A line that is not JSON reads as a row of nulls instead of failing the query.
        serdeInfo: { serializationLibrary: JSON_SERDE, parameters: { 'ignore.malformed.json': 'true' } },
      },
    },
  });
}

/**
 * The raw lake of the collection pillar.
 *
 * - A Firehose delivery stream reads the event stream and writes every event
 *   to `raw/source=<source>/dt=<YYYY-MM-DD>/` in the lake bucket (dynamic
 *   partitioning with an inline jq query, gzip, SSE-KMS with the lake key).
 *   KPL-aggregated records are unpacked by Firehose itself (it does so for
 *   every Kinesis Data Streams source); the RecordDeAggregation processor
 *   (JSON) then splits records carrying several JSON objects, back to back or
 *   one per line. Records that cannot be partitioned go, with Firehose's
 *   error code and message, to `quarantine/source=firehose/dt=<day>/`.
 * - A Glue database with `raw_events` and `quarantine` tables over those
 *   zones. Partition projection gives Athena every partition without a
 *   crawler run or `MSCK REPAIR`.
 * - A daily Glue crawler over `landing/` of the landing bucket, creating
 *   `landing_<folder>` tables; it logs schema deletions instead of applying
 *   them, and writes KMS-encrypted logs.
 *
 * The local runtime's lake writer (lambda/local/lake-writer.ts) writes the
 * same layout with the same partition rules.
 */
export class RawLake extends Construct {
  public readonly deliveryStream: firehose.CfnDeliveryStream;
  public readonly databaseName: string;
  public readonly rawTableName: string;
  public readonly quarantineTableName: string;
  public readonly crawlerName: string;
  /** The landing crawler's role (Lake Formation grants it the database's table creation). */
  public readonly crawlerRole: iam.IRole;
  /** The Firehose role that writes `raw/` and Firehose's quarantine. */
  public readonly destinationRole: iam.IRole;
  /** The raw events and quarantine tables, with their columns (Lake Formation tags them). */
  public readonly tables: readonly GovernedTable[];
  /** Firehose's delivery error log group. */
  public readonly deliveryLogGroup: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: RawLakeProps) {
    super(scope, id);
    const { appName, lakeBucket, lakeKey, removalPolicy } = props;
    const stack = Stack.of(this);
    const buffering = props.buffering ?? DEFAULT_BUFFERING;
    if (buffering.sizeMiB < MIN_BUFFER_SIZE_MIB || buffering.intervalSeconds < MIN_BUFFER_INTERVAL_SECONDS) {
      throw new Error(
        `RawLake: with dynamic partitioning Firehose needs buffering.sizeMiB >= ${MIN_BUFFER_SIZE_MIB} and intervalSeconds >= ${MIN_BUFFER_INTERVAL_SECONDS} (collection.lake in the config); got ${buffering.sizeMiB} MiB and ${buffering.intervalSeconds} s`,
      );
    }
    const sources = partitionSources(props.sources);
    const query = lakePartitionJq(sources);
    if (query.length > MAX_PROCESSOR_PARAMETER_CHARS) {
      throw new Error(
        `RawLake: the partitioning query is ${query.length} characters for ${sources.length} sources; Firehose accepts ${MAX_PROCESSOR_PARAMETER_CHARS}. Use fewer or shorter source names.`,
      );
    }
    lakeKey.allowCloudWatchLogs();

    // --- Firehose: Kinesis stream -> lake ---------------------------------------------------------

    const sourceRole = new iam.Role(this, 'FirehoseSourceRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
      description: 'c360 raw lake: Firehose reads the event stream',
    });
    const sourcePolicy = new iam.Policy(this, 'FirehoseSourcePolicy', {
      roles: [sourceRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['kinesis:DescribeStream', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'],
          resources: [props.stream.streamArn],
        }),
        new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.streamKey.keyArn] }),
      ],
    });

    const logGroup = new logs.LogGroup(this, 'DeliveryLogGroup', {
      retention: props.logRetention,
      encryptionKey: lakeKey,
      removalPolicy,
    });
    const logStream = new logs.LogStream(this, 'DeliveryLogStream', { logGroup, removalPolicy });
    this.deliveryLogGroup = logGroup;
    const logStreamArn = `${stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: logGroup.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    })}:log-stream:${logStream.logStreamName}`;

    const rawObjects = lakeBucket.arnForObjects(`${RAW_ZONE}/*`);
    const errorObjects = lakeBucket.arnForObjects(`${sourcePrefix(QUARANTINE_ZONE, FIREHOSE_QUARANTINE_SOURCE)}*`);
    const destinationRole = new iam.Role(this, 'FirehoseDestinationRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
      description: 'c360 raw lake: Firehose writes the raw and quarantine zones of the lake',
    });
    this.destinationRole = destinationRole;
    const destinationPolicy = new iam.Policy(this, 'FirehoseDestinationPolicy', {
      roles: [destinationRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
          resources: [lakeBucket.bucketArn],
        }),
        new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [rawObjects, errorObjects] }),
        new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [lakeKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}` },
            // With an S3 Bucket Key the encryption context is the bucket; without, the object.
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': [lakeBucket.bucketArn, rawObjects, errorObjects] },
          },
        }),
        new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: [logStreamArn] }),
      ],
    });
    const wildcardReason = (what: string) =>
      `Firehose writes objects under ${what} of the lake bucket only: S3 expresses a key prefix as a trailing wildcard. No read or delete is granted.`;
    acknowledgeWildcardResource(destinationPolicy, rawObjects, wildcardReason(`"${RAW_ZONE}/" (the raw zone)`));
    acknowledgeWildcardResource(
      destinationPolicy,
      errorObjects,
      wildcardReason(`"${sourcePrefix(QUARANTINE_ZONE, FIREHOSE_QUARANTINE_SOURCE)}" (its error output)`),
    );

    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'DeliveryStream', {
      deliveryStreamType: 'KinesisStreamAsSource',
      kinesisStreamSourceConfiguration: { kinesisStreamArn: props.stream.streamArn, roleArn: sourceRole.roleArn },
      extendedS3DestinationConfiguration: {
        bucketArn: lakeBucket.bucketArn,
        roleArn: destinationRole.roleArn,
        prefix: RAW_PREFIX,
        errorOutputPrefix: FIREHOSE_ERROR_PREFIX,
        fileExtension: LAKE_FILE_EXTENSION,
        bufferingHints: { intervalInSeconds: buffering.intervalSeconds, sizeInMBs: buffering.sizeMiB },
        compressionFormat: 'GZIP',
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: lakeKey.keyArn } },
        cloudWatchLoggingOptions: { enabled: true, logGroupName: logGroup.logGroupName, logStreamName: logStream.logStreamName },
        dynamicPartitioningConfiguration: { enabled: true },
        processingConfiguration: {
          enabled: true,
          processors: [
            { type: 'RecordDeAggregation', parameters: [{ parameterName: 'SubRecordType', parameterValue: 'JSON' }] },
            {
              type: 'MetadataExtraction',
              parameters: [
                { parameterName: 'MetadataExtractionQuery', parameterValue: query },
                { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
              ],
            },
            { type: 'AppendDelimiterToRecord', parameters: [] },
          ],
        },
      },
    });
    // Firehose checks its roles' access when the delivery stream is created.
    this.deliveryStream.node.addDependency(sourcePolicy, destinationPolicy);
    Validations.of(this.deliveryStream).acknowledge({
      id: 'AwsSolutions-KDF1',
      reason:
        'Firehose server-side encryption applies to Direct PUT only: with a Kinesis data stream as source, Firehose keeps no data at rest of its own (the CDK rejects the combination). The records rest in the stream, encrypted with the collection key, and land in S3 encrypted with the lake key (SSE-KMS).',
    });

    // --- Glue catalog over the lake ---------------------------------------------------------------

    this.databaseName = lakeDatabaseName(this, appName);
    const database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: {
        name: this.databaseName,
        description: `c360 (${appName}) lake: raw events, quarantine, landing files`,
        // Empty, not the account default (ALL to IAM_ALLOWED_PRINCIPALS): a table created here is then governed by Lake Formation alone.
        ...(props.lakeFormationGoverned === true ? { createTableDefaultPermissions: [] } : {}),
      },
    });
    database.applyRemovalPolicy(removalPolicy);

    const tables: GovernedTable[] = [];
    const tableOver = (tableId: string, table: Omit<JsonTableOptions, 'databaseName'>) => {
      const resource = jsonTable(this, tableId, { ...table, databaseName: database.ref });
      resource.applyRemovalPolicy(removalPolicy);
      tables.push({ name: table.name, columns: [...table.columns, ...PARTITION_KEYS].map((c) => c.name), resource });
    };
    this.rawTableName = 'raw_events';
    tableOver('RawEventsTable', {
      name: this.rawTableName,
      description: 'Every event accepted into the stream, as sent (Firehose, gzip JSON lines), by source and event day',
      location: `s3://${lakeBucket.bucketName}/${RAW_ZONE}/`,
      columns: RAW_EVENT_COLUMNS,
      sources,
    });
    this.quarantineTableName = 'quarantine';
    tableOver('QuarantineTable', {
      name: this.quarantineTableName,
      description: 'Rejected input with its reason: consumer quarantine entries and Firehose error records, by source and day',
      location: `s3://${lakeBucket.bucketName}/${QUARANTINE_ZONE}/`,
      columns: QUARANTINE_COLUMNS,
      sources: [...new Set([...sources, FIREHOSE_QUARANTINE_SOURCE])],
    });
    this.tables = tables;

    // --- Glue crawler over the landing zone -------------------------------------------------------

    const securityConfiguration = new glue.CfnSecurityConfiguration(this, 'CrawlerSecurityConfiguration', {
      // Glue requires a name; derived from the construct path so that each stack gets its own.
      name: Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }).concat('-crawler'),
      encryptionConfiguration: {
        cloudWatchEncryption: { cloudWatchEncryptionMode: 'SSE-KMS', kmsKeyArn: lakeKey.keyArn },
      },
    });

    const crawlerRole = new iam.Role(this, 'CrawlerRole', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: 'c360 raw lake: Glue crawler of the landing zone',
    });
    this.crawlerRole = crawlerRole;
    const catalogArn = stack.formatArn({ service: 'glue', resource: 'catalog' });
    const databaseArn = stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName });
    const allTablesArn = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/*` });
    const landingTablesArn = stack.formatArn({
      service: 'glue',
      resource: 'table',
      resourceName: `${this.databaseName}/${LANDING_TABLE_PREFIX}*`,
    });
    const landingObjects = props.landingBucket.arnForObjects(`${LANDING_PREFIX}*`);
    const crawlerLogGroups = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '/aws-glue/crawlers-role/*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const crawlerLogStreams = `${crawlerLogGroups}:log-stream:*`;
    const crawlerPolicy = new iam.Policy(this, 'CrawlerPolicy', {
      roles: [crawlerRole],
      statements: [
        new iam.PolicyStatement({
          actions: [
            'glue:GetDatabase',
            'glue:GetTable',
            'glue:GetTables',
            'glue:GetPartition',
            'glue:GetPartitions',
            'glue:BatchGetPartition',
          ],
          resources: [catalogArn, databaseArn, allTablesArn],
        }),
        new iam.PolicyStatement({
          actions: [
            'glue:CreateTable',
            'glue:UpdateTable',
            'glue:CreatePartition',
            'glue:BatchCreatePartition',
            'glue:UpdatePartition',
            'glue:BatchUpdatePartition',
          ],
          resources: [catalogArn, databaseArn, landingTablesArn],
        }),
        new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [props.landingBucket.bucketArn] }),
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [props.landingBucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [LANDING_PREFIX.replace(/\/$/, ''), `${LANDING_PREFIX}*`] } },
        }),
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [landingObjects] }),
        new iam.PolicyStatement({ actions: ['logs:CreateLogGroup', 'logs:AssociateKmsKey'], resources: [crawlerLogGroups] }),
        new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [crawlerLogStreams] }),
        // The security configuration's key: the role passed to the crawler must be able to use it.
        new iam.PolicyStatement({ actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'], resources: [lakeKey.keyArn] }),
        ...(props.landingKey === undefined
          ? []
          : [
              new iam.PolicyStatement({
                actions: ['kms:Decrypt'],
                resources: [props.landingKey.keyArn],
                conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}` } },
              }),
            ]),
      ],
    });
    acknowledgeWildcardResource(
      crawlerPolicy,
      allTablesArn,
      'Read-only catalog actions (GetTables and partition reads) on the tables of the lake database: Glue authorizes GetTables on all tables of the database. Table writes are limited to the landing_ prefix.',
    );
    acknowledgeWildcardResource(
      crawlerPolicy,
      landingTablesArn,
      'The crawler creates and updates only its own tables, named landing_<folder> after the folders it finds: their names are not known at deploy time.',
    );
    acknowledgeWildcardResource(
      crawlerPolicy,
      landingObjects,
      `The crawler reads (s3:GetObject) only objects under "${LANDING_PREFIX}" of the landing bucket: S3 expresses a key prefix as a trailing wildcard.`,
    );
    acknowledgeWildcardResource(
      crawlerPolicy,
      crawlerLogGroups,
      'Glue creates the crawler log group itself, under /aws-glue/crawlers-role/ with a name built from the role and the security configuration, and associates the KMS key with it.',
    );
    acknowledgeWildcardResource(
      crawlerPolicy,
      crawlerLogStreams,
      'Glue names the crawler log streams after each crawl; the streams are confined to the /aws-glue/crawlers-role/ log groups.',
    );

    const crawler = new glue.CfnCrawler(this, 'LandingCrawler', {
      role: crawlerRole.roleArn,
      description: `c360 (${appName}): catalogs the batch files under ${LANDING_PREFIX} as ${LANDING_TABLE_PREFIX}<folder> tables`,
      databaseName: database.ref,
      tablePrefix: LANDING_TABLE_PREFIX,
      targets: { s3Targets: [{ path: `s3://${props.landingBucket.bucketName}/${LANDING_PREFIX}` }] },
      schedule: { scheduleExpression: props.crawlerSchedule ?? DEFAULT_CRAWLER_SCHEDULE },
      schemaChangePolicy: { updateBehavior: 'UPDATE_IN_DATABASE', deleteBehavior: 'LOG' },
      crawlerSecurityConfiguration: securityConfiguration.ref,
      // One table per folder under landing/ (landing is level 1, landing/<source> level 2).
      configuration: JSON.stringify({
        Version: 1.0,
        Grouping: { TableLevelConfiguration: 2 },
        CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } },
      }),
    });
    crawler.node.addDependency(crawlerPolicy);
    this.crawlerName = crawler.ref;
  }
}
