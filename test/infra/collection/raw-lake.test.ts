import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type C360ConfigInput } from '../../../lambda/config';
import { DataKey } from '../../../lib/constructs/common/data-key';
import { FIREHOSE_ERROR_PREFIX, lakeDatabaseName, RawLake } from '../../../lib/constructs/collection/raw-lake';
import { toRemovalPolicy, toRetentionDays } from '../../../lib/constructs/common/removal-policy';
import { AccessLogsBucket, DataBucket } from '../../../lib/constructs/common/secure-bucket';
import { lakePartition, partitionSources } from '../../../lambda/collection/contracts/lake-layout';
import { actionsOf, logicalId, roleStatements, SYNTH_TIMEOUT_MS } from '../../support/infra-fixture';

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

const BASE: C360ConfigInput = { collection: { sources: { web: {}, crm: {}, 'point-of-sale': {} } } };

interface Built {
  readonly app: App;
  readonly stack: Stack;
  readonly lake: RawLake;
  readonly key: DataKey;
  readonly stream: kinesis.Stream;
  readonly lakeBucket: DataBucket;
  readonly landingBucket: DataBucket;
  readonly template: Template;
}

/**
 * A stack holding what the collection stack gives the raw lake, synthesized as
 * `cdk synth` does (cdk.json flags, CloudFormation validation, cdk-nag as a
 * validation plugin), and stricter: a CloudFormation validation warning (an
 * invalid enum value, say) fails synthesis too.
 */
function build(input: C360ConfigInput = BASE, tweak?: (lake: RawLake) => void): Built {
  const config = parseConfig(input);
  const removalPolicy = toRemovalPolicy(config.removalPolicy);
  const app = new App({ context: { ...cdkJson.context, '@aws-cdk/core:strictCfnValidateErrors': true } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks());
  const stack = new Stack(app, 'RawLakeTest');
  const key = new DataKey(stack, 'Key', { description: 'test collection key', removalPolicy });
  const stream = new kinesis.Stream(stack, 'Stream', { encryption: kinesis.StreamEncryption.KMS, encryptionKey: key, removalPolicy });
  Validations.of(stream).acknowledge({
    id: 'AwsSolutions-KDS3',
    reason: 'Test fixture: the stream uses the customer-managed collection key, as the collection stack does (see collection-stack.ts).',
  });
  const accessLogsBucket = new AccessLogsBucket(stack, 'AccessLogs', { removalPolicy });
  const lakeBucket = new DataBucket(stack, 'Lake', { encryptionKey: key, accessLogsBucket, accessLogsPrefix: 'lake/', removalPolicy });
  const landingBucket = new DataBucket(stack, 'Landing', { encryptionKey: key, accessLogsBucket, accessLogsPrefix: 'landing/', removalPolicy });
  const lake = new RawLake(stack, 'RawLake', {
    stream,
    streamKey: key,
    lakeBucket,
    lakeKey: key,
    landingBucket,
    landingKey: key,
    // As the collection stack maps the config.
    appName: config.appName,
    sources: Object.keys(config.collection.sources),
    buffering: { intervalSeconds: config.collection.lake.bufferIntervalSeconds, sizeMiB: config.collection.lake.bufferSizeMiB },
    logRetention: toRetentionDays(config.logRetentionDays),
    removalPolicy,
  });
  tweak?.(lake);
  app.synth();
  return { app, stack, lake, key, stream, lakeBucket, landingBucket, template: Template.fromStack(stack) };
}

const getAttArn = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });
const roleId = (lake: RawLake, id: string) => logicalId(lake.node.findChild(id));

function s3Destination(t: Template): Record<string, unknown> {
  const streams = Object.values(t.findResources('AWS::KinesisFirehose::DeliveryStream'));
  expect(streams).toHaveLength(1);
  return streams[0]?.Properties.ExtendedS3DestinationConfiguration as Record<string, unknown>;
}

interface Processor {
  readonly Type: string;
  readonly Parameters: Array<{ ParameterName: string; ParameterValue: string }>;
}

/** The parameters of the delivery stream's processor of this type, by name. */
function processor(t: Template, type: string): Record<string, string> | undefined {
  const { Processors: processors } = s3Destination(t).ProcessingConfiguration as { Processors: Processor[] };
  const found = processors.find((p) => p.Type === type);
  return found && Object.fromEntries(found.Parameters.map((p) => [p.ParameterName, p.ParameterValue]));
}

function hasJq16(): boolean {
  try {
    return execFileSync('jq', ['--version'], { encoding: 'utf8' }).trim() === 'jq-1.6';
  } catch {
    return false;
  }
}

describe('RawLake', () => {
  let b: Built;
  beforeAll(() => {
    b = build();
  }, SYNTH_TIMEOUT_MS);

  describe('Firehose delivery stream', () => {
    it('reads the event stream with its own role, which may read the stream and decrypt with the stream key only', () => {
      const role = new Capture();
      b.template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: { KinesisStreamARN: getAttArn(b.stream), RoleARN: { 'Fn::GetAtt': [role, 'Arn'] } },
      });
      expect(role.asString()).toBe(roleId(b.lake, 'FirehoseSourceRole'));
      const statements = roleStatements(b.template, role.asString());
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['kinesis:DescribeStream', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'],
          Resource: getAttArn(b.stream),
        },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: getAttArn(b.key) },
      ]);
    });

    it('writes to the lake bucket under raw/source=<source>/dt=<day>/ with dynamic partitioning on', () => {
      const destination = s3Destination(b.template);
      expect(destination.BucketARN).toEqual(getAttArn(b.lakeBucket));
      expect(destination.Prefix).toBe('raw/source=!{partitionKeyFromQuery:source}/dt=!{partitionKeyFromQuery:dt}/');
      expect(destination.DynamicPartitioningConfiguration).toEqual({ Enabled: true });
      expect(destination.FileExtension).toBe('.jsonl.gz');
    });

    it('derives dt and source with a jq 1.6 query', () => {
      const params = processor(b.template, 'MetadataExtraction');
      expect(params?.JsonParsingEngine).toBe('JQ-1.6');
      const query = params?.MetadataExtractionQuery ?? '';
      expect(query).toMatch(/^\{"dt": \(.*\.timestamp.*\.receivedAt.*\[0:10\].*\), "source": \(.*\.context.*\.source.*"kinesis".*\)\}$/);
      // Every configured source is known to the query (an unknown one falls back to "kinesis").
      for (const source of ['web', 'crm', 'point-of-sale']) expect(query).toContain(`. == "${source}"`);
    });

    it.skipIf(!hasJq16())('files records as the local lake writer does (the query run by jq 1.6, the engine Firehose uses)', () => {
      const query = processor(b.template, 'MetadataExtraction')?.MetadataExtractionQuery ?? '';
      const sources = new Set(partitionSources(['web', 'crm', 'point-of-sale']));
      const samples: unknown[] = [
        { type: 'track', timestamp: '2026-11-01T10:00:00.000Z', receivedAt: '2026-11-02T00:00:01.000Z', context: { source: 'web' } },
        { type: 'identify', receivedAt: '2026-11-02T00:00:01.000Z', context: { source: 'point-of-sale' } },
        { timestamp: 1767225600, receivedAt: '2026-12-31T23:59:59Z' },
        { timestamp: 'yesterday', receivedAt: '2026-01-05', context: { source: 'not-configured' } },
        { timestamp: '2026-11-01T01:00:00+09:00', context: 'web' },
        { timestamp: '2026-02-30', context: { source: 7 } },
        { timestamp: '2026-13-01' },
        {},
        [{ timestamp: '2026-11-01' }],
        'a string',
        42,
        null,
      ];
      for (const sample of samples) {
        let fromJq: unknown;
        try {
          fromJq = JSON.parse(execFileSync('jq', ['-c', query], { input: JSON.stringify(sample), encoding: 'utf8', stdio: 'pipe' }));
        } catch {
          fromJq = 'error';
        }
        const local = lakePartition(sample, sources);
        expect(fromJq, JSON.stringify(sample)).toEqual(local.ok ? { dt: local.dt, source: local.source } : 'error');
      }
    });

    it('splits JSON sub-records, extracts the keys, then appends a newline, in that order', () => {
      const processors = (s3Destination(b.template).ProcessingConfiguration as { Enabled: boolean; Processors: Array<{ Type: string }> });
      expect(processors.Enabled).toBe(true);
      expect(processors.Processors.map((p) => p.Type)).toEqual(['RecordDeAggregation', 'MetadataExtraction', 'AppendDelimiterToRecord']);
      expect(processor(b.template, 'RecordDeAggregation')).toEqual({ SubRecordType: 'JSON' });
    });

    it('compresses with gzip and encrypts with the lake key', () => {
      const destination = s3Destination(b.template);
      expect(destination.CompressionFormat).toBe('GZIP');
      expect(destination.EncryptionConfiguration).toEqual({ KMSEncryptionConfig: { AWSKMSKeyARN: getAttArn(b.key) } });
    });

    it('sends what it cannot partition to the quarantine zone, by day, named after the error type', () => {
      const destination = s3Destination(b.template);
      expect(destination.ErrorOutputPrefix).toBe(FIREHOSE_ERROR_PREFIX);
      expect(FIREHOSE_ERROR_PREFIX).toBe('quarantine/source=firehose/dt=!{timestamp:yyyy-MM-dd}/!{firehose:error-output-type}-');
    });

    it('buffers 300 s or 64 MiB by default', () => {
      expect(s3Destination(b.template).BufferingHints).toEqual({ IntervalInSeconds: 300, SizeInMBs: 64 });
    });

    it('follows collection.lake buffering from the config', { timeout: SYNTH_TIMEOUT_MS }, () => {
      const other = build({ ...BASE, collection: { ...BASE.collection, lake: { bufferIntervalSeconds: 120, bufferSizeMiB: 128 } } });
      expect(s3Destination(other.template).BufferingHints).toEqual({ IntervalInSeconds: 120, SizeInMBs: 128 });
    });

    it('refuses a buffer interval under the 60 s dynamic partitioning needs', () => {
      // The config schema refuses it first; the construct checks again for callers that bypass the schema.
      expect(() => build({ ...BASE, collection: { ...BASE.collection, lake: { bufferIntervalSeconds: 30 } } })).toThrow(
        /collection\.lake\.bufferIntervalSeconds: Too small: expected number to be >=60/,
      );
    });

    it('logs delivery errors to its own encrypted log group, with the configured retention', () => {
      const logGroup = logicalId(b.lake.deliveryLogGroup);
      expect(s3Destination(b.template).CloudWatchLoggingOptions).toEqual({
        Enabled: true,
        LogGroupName: { Ref: logGroup },
        LogStreamName: { Ref: expect.stringMatching(/^RawLakeDeliveryLogStream/) },
      });
      b.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30, KmsKeyId: getAttArn(b.key) });
    });

    it('lets the destination role write raw/ and its error prefix only, use the lake key through S3, and log to its stream', () => {
      const role = roleId(b.lake, 'FirehoseDestinationRole');
      b.template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
        ExtendedS3DestinationConfiguration: { RoleARN: { 'Fn::GetAtt': [role, 'Arn'] } },
      });
      const statements = roleStatements(b.template, role);
      const lakeArn = getAttArn(b.lakeBucket);
      const objects = (prefix: string) => ({ 'Fn::Join': ['', [lakeArn, `/${prefix}*`]] });
      expect(statements).toEqual([
        { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: lakeArn },
        { Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:PutObject'], Resource: [objects('quarantine/source=firehose/'), objects('raw/')] },
        {
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: getAttArn(b.key),
          Condition: {
            StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } },
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': [lakeArn, objects('raw/'), objects('quarantine/source=firehose/')] },
          },
        },
        {
          Effect: 'Allow',
          Action: 'logs:PutLogEvents',
          Resource: {
            'Fn::Join': [
              '',
              expect.arrayContaining([':log-group:', { Ref: logicalId(b.lake.deliveryLogGroup) }, ':log-stream:', { Ref: expect.stringMatching(/^RawLakeDeliveryLogStream/) }]),
            ],
          },
        },
      ]);
    });

    it('waits for its roles policies before creation', () => {
      const stream = Object.values(b.template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0];
      expect(stream?.DependsOn).toEqual(
        expect.arrayContaining([logicalId(b.lake.node.findChild('FirehoseSourcePolicy')), logicalId(b.lake.node.findChild('FirehoseDestinationPolicy'))]),
      );
    });
  });

  describe('Glue catalog', () => {
    it('creates a database named after the app, with the deployment suffix', () => {
      expect(b.lake.databaseName).toMatch(/^c360_lake_[0-9a-f]{8}$/);
      expect(lakeDatabaseName(b.lake, 'My-Shop')).toMatch(/^my_shop_lake_[0-9a-f]{8}$/);
      b.template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: b.lake.databaseName } });
    });

    function table(name: string): Record<string, any> {
      const tables = Object.values(b.template.findResources('AWS::Glue::Table')).filter((t) => t.Properties.TableInput.Name === name);
      expect(tables).toHaveLength(1);
      return tables[0]?.Properties.TableInput as Record<string, any>;
    }
    const lakeUrl = (suffix: string) => ({ 'Fn::Join': ['', ['s3://', { Ref: logicalId(b.lakeBucket) }, suffix]] });

    it('puts raw_events over raw/, read with the OpenX JSON SerDe that skips malformed lines', () => {
      const raw = table(b.lake.rawTableName);
      expect(raw.TableType).toBe('EXTERNAL_TABLE');
      expect(raw.StorageDescriptor.Location).toEqual(lakeUrl('/raw/'));
      expect(raw.StorageDescriptor.SerdeInfo).toEqual({
        SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
        Parameters: { 'ignore.malformed.json': 'true' },
      });
      expect(raw.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.mapred.TextInputFormat');
      const columns = (raw.StorageDescriptor.Columns as Array<{ Name: string; Type: string }>).map((c) => `${c.Name}:${c.Type}`);
      for (const name of ['type', 'messageid', 'timestamp', 'receivedat', 'sentat', 'userid', 'anonymousid', 'event', 'name', 'groupid', 'previousid', 'traits', 'properties', 'context']) {
        expect(columns).toContain(`${name}:string`);
      }
      expect(raw.PartitionKeys).toEqual([
        { Name: 'source', Type: 'string' },
        { Name: 'dt', Type: 'string', Comment: 'event day, YYYY-MM-DD' },
      ]);
    });

    it('projects the raw partitions: every configured source plus kinesis, and five years of days', () => {
      const params = table(b.lake.rawTableName).Parameters as Record<string, unknown>;
      expect(params).toMatchObject({
        'projection.enabled': 'true',
        'projection.source.type': 'enum',
        'projection.source.values': 'web,crm,point-of-sale,kinesis',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': 'NOW-5YEARS,NOW+1DAYS',
        'storage.location.template': lakeUrl('/raw/source=${source}/dt=${dt}/'),
      });
    });

    it('puts quarantine over quarantine/, projecting firehose as a source too', () => {
      const quarantine = table(b.lake.quarantineTableName);
      expect(quarantine.StorageDescriptor.Location).toEqual(lakeUrl('/quarantine/'));
      expect(quarantine.Parameters['projection.source.values']).toBe('web,crm,point-of-sale,kinesis,firehose');
      expect(quarantine.Parameters['storage.location.template']).toEqual(lakeUrl('/quarantine/source=${source}/dt=${dt}/'));
      const columns = (quarantine.StorageDescriptor.Columns as Array<{ Name: string }>).map((c) => c.Name);
      expect(columns).toEqual(expect.arrayContaining(['reason', 'sequencenumber', 'subsequence', 'partitionkey', 'receivedat', 'data', 'encoding', 'errorcode', 'errormessage', 'rawdata']));
      // A column may not share its name with a partition key.
      expect(columns).not.toContain('source');
      expect(columns).not.toContain('dt');
    });

    it('the Firehose error prefix lies inside the quarantine table projection for source=firehose', () => {
      const template = 'quarantine/source=${source}/dt=${dt}/'.replace('${source}', 'firehose');
      expect(FIREHOSE_ERROR_PREFIX.startsWith(template.replace('${dt}/', ''))).toBe(true);
      expect(FIREHOSE_ERROR_PREFIX).toMatch(/^quarantine\/source=firehose\/dt=!\{timestamp:yyyy-MM-dd\}\/[^/]*$/);
    });
  });

  describe('landing crawler', () => {
    it('crawls landing/ of the landing bucket daily into landing_ tables of the lake database, logging deletions', () => {
      b.template.hasResourceProperties('AWS::Glue::Crawler', {
        Targets: { S3Targets: [{ Path: { 'Fn::Join': ['', ['s3://', { Ref: logicalId(b.landingBucket) }, '/landing/']] } }] },
        DatabaseName: { Ref: Match.stringLikeRegexp('^RawLakeDatabase') },
        TablePrefix: 'landing_',
        Schedule: { ScheduleExpression: 'cron(0 3 * * ? *)' },
        SchemaChangePolicy: { UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'LOG' },
        Name: Match.absent(),
      });
    });

    it('encrypts its logs with KMS through a security configuration', () => {
      const config = new Capture();
      b.template.hasResourceProperties('AWS::Glue::Crawler', { CrawlerSecurityConfiguration: { Ref: config } });
      const securityConfiguration = b.template.findResources('AWS::Glue::SecurityConfiguration')[config.asString()];
      expect(securityConfiguration?.Properties.EncryptionConfiguration).toEqual({
        CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: getAttArn(b.key) },
      });
      // CloudWatch Logs may use the key for log groups of this account and region.
      b.template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AllowCloudWatchLogsOfThisAccountAndRegion' })]) },
      });
    });

    it('reads only landing/ objects and writes only landing_ tables', () => {
      const statements = roleStatements(b.template, roleId(b.lake, 'CrawlerRole'));
      const json = JSON.stringify(statements);
      expect(json).toContain('/landing/*');
      const writes = statements.find((s) => actionsOf([s]).includes('glue:CreateTable'));
      expect(JSON.stringify(writes?.Resource)).toContain('/landing_*');
      expect(actionsOf(statements).filter((a) => a.startsWith('glue:Delete'))).toEqual([]);
      expect(actionsOf(statements)).not.toContain('s3:PutObject');
    });
  });

  it('grants no service-wide action (s3:*, kinesis:*, kms:*, glue:*, logs:*) to any of its roles', () => {
    for (const id of ['FirehoseSourceRole', 'FirehoseDestinationRole', 'CrawlerRole']) {
      const actions = actionsOf(roleStatements(b.template, roleId(b.lake, id)));
      expect(actions.length, id).toBeGreaterThan(0);
      expect(actions.filter((a) => a.includes('*')), id).toEqual([]);
    }
    b.template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    for (const role of Object.values(b.template.findResources('AWS::IAM::Role'))) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('applies the configured removal policy to the catalog and the log groups', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const retained = ['AWS::Glue::Database', 'AWS::Glue::Table', 'AWS::Logs::LogGroup', 'AWS::Logs::LogStream'];
    for (const type of retained) {
      for (const resource of Object.values(b.template.findResources(type))) expect(resource.DeletionPolicy, type).toBe('Retain');
    }
    const destroyed = build({ ...BASE, removalPolicy: 'destroy' });
    for (const type of retained) {
      for (const resource of Object.values(destroyed.template.findResources(type))) expect(resource.DeletionPolicy, type).toBe('Delete');
    }
    expect(toRemovalPolicy('destroy')).toBe(RemovalPolicy.DESTROY);
  });

  it('names no physical resource except the Glue database, tables and security configuration', () => {
    b.template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', { DeliveryStreamName: Match.absent() });
    for (const role of Object.values(b.template.findResources('AWS::IAM::Role'))) expect(role.Properties.RoleName).toBeUndefined();
    for (const group of Object.values(b.template.findResources('AWS::Logs::LogGroup'))) expect(group.Properties.LogGroupName).toBeUndefined();
  });

  it('synthesizes with CloudFormation validation on, with no finding and no annotation', () => {
    expect(b.app.node.tryGetContext('@aws-cdk/core:validateAgainstDefaultRules')).toBe(true);
    const annotations = Annotations.fromStack(b.stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('would fail synthesis on a property CloudFormation rejects (the validation does run)', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const invalid = (lake: RawLake) => lake.deliveryStream.addPropertyOverride('ExtendedS3DestinationConfiguration.CompressionFormat', 'BROTLI');
    expect(() => build(BASE, invalid)).toThrow(/CompressionFormat: 'BROTLI' is not one of/);
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(b.stack);
    const findings = report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
  });

  it('acknowledges each finding on a specific resource with a reason, never IAM5 as a whole', () => {
    const acks = b.lake.node.findAll().flatMap((scope) =>
      scope.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ id: id.replace(/^Annotation::/, ''), reason }))),
    );
    const ids = acks.map((a) => a.id);
    expect(ids).toContain('AwsSolutions-KDF1');
    expect(ids).not.toContain('AwsSolutions-IAM5');
    expect(ids.filter((id) => id.startsWith('AwsSolutions-IAM5[Resource::'))).toHaveLength(7);
    for (const ack of acks) expect(ack.reason.length, ack.id).toBeGreaterThan(60);
  });
});
