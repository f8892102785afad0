/** The analytics stack as synthesized: curated Glue tables, segment history delivery, lifecycle, Athena workgroup and views, the profile export and its grants. */
import { PROPENSITY_SQL_DIR } from '../../../lambda/activation/contracts/propensity';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  EXPORT_TABLE_COLUMNS,
  EXPORT_TABLES,
  PROFILE_COLUMNS,
  profileTableColumns,
  SEGMENT_EVENT_COLUMNS,
  type CuratedColumn,
} from '../../../lambda/analytics/contracts/curated';
import { parseViewFiles, VIEWS_DIR } from '../../../lambda/analytics/contracts/views';
import { logicalId, roleStatements, SYNTH_TIMEOUT_MS, testApp, type PolicyStatement, type TestApp } from '../../support/infra-fixture';

const CONFIG = {
  analytics: { export: { everyMinutes: 30, retentionDays: 14, segments: 6 }, athena: { bytesScannedCutoffPerQuery: 123_000_000 } },
};

/** The shipped view files, read here independently of the stack. */
function viewFiles() {
  // The shipped views, then the activation pillar's training views over them.
  return [VIEWS_DIR, PROPENSITY_SQL_DIR].flatMap((folder) => {
    const dir = new URL(`../../../${folder}/`, import.meta.url).pathname;
    const names = readdirSync(dir).filter((f) => f.endsWith('.sql'));
    return parseViewFiles(Object.fromEntries(names.map((f) => [f, readFileSync(join(dir, f), 'utf8')])));
  });
}

const glueColumns = (columns: readonly CuratedColumn[]) =>
  columns.map((c) => ({ Name: c.name, Type: c.type, ...(c.comment === undefined ? {} : { Comment: c.comment }) }));

const actions = (s: PolicyStatement) => [s.Action].flat();
const resources = (s: PolicyStatement) => [s.Resource].flat() as unknown[];

describe('analytics stack', () => {
  let t: TestApp;
  let template: Template;
  let curatedBucket: string;
  let key: string;
  /** The lake database: its name ends in the deployment suffix. */
  let db: string;
  beforeAll(() => {
    t = testApp(CONFIG);
    db = t.stacks.collection.rawLake.databaseName;
    template = t.template('analytics');
    curatedBucket = logicalId(t.stacks.analytics.curatedBucket);
    key = logicalId(t.stacks.analytics.key);
  }, SYNTH_TIMEOUT_MS);

  const policiesOf = (roleId: string) => roleStatements(template, roleId);
  const functionRole = (fnLogicalPrefix: string) => {
    const [id, fn] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith(fnLogicalPrefix)) ?? [];
    expect(id, fnLogicalPrefix).toBeDefined();
    return (fn!.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  };

  describe('curated Glue tables', () => {
    it.each(EXPORT_TABLES)('declares %s in the lake database as external Parquet under exports/<table>/, partitioned by export_id', (table) => {
      const columns = table === 'profiles' ? profileTableColumns(t.config) : EXPORT_TABLE_COLUMNS[table];
      template.hasResourceProperties('AWS::Glue::Table', {
        DatabaseName: db,
        TableInput: Match.objectLike({
          Name: table,
          TableType: 'EXTERNAL_TABLE',
          PartitionKeys: [Match.objectLike({ Name: 'export_id', Type: 'string' })],
          StorageDescriptor: Match.objectLike({
            Location: { 'Fn::Join': ['', ['s3://', { Ref: curatedBucket }, `/exports/${table}/`]] },
            Columns: glueColumns(columns),
            InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            SerdeInfo: Match.objectLike({ SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' }),
          }),
        }),
      });
    });

    it('gives profiles the fixed columns followed by one column per configured computed trait', () => {
      const profiles = Object.values(template.findResources('AWS::Glue::Table')).find((r) => r.Properties.TableInput.Name === 'profiles');
      const names = (profiles?.Properties.TableInput.StorageDescriptor.Columns as Array<{ Name: string; Type: string }>).map((c) => `${c.Name} ${c.Type}`);
      expect(names.slice(0, PROFILE_COLUMNS.length)).toEqual(PROFILE_COLUMNS.map((c) => `${c.name} ${c.type}`));
      // The default config's example traits.
      expect(names).toEqual(expect.arrayContaining(['computed_lifetime_value double', 'computed_order_count bigint', 'computed_last_order_at timestamp']));
      expect(names.length).toBe(PROFILE_COLUMNS.length + Object.keys(t.config.unification.computedTraits).length);
    });

    it('uses no partition projection on the export tables (Redshift Spectrum ignores it; the export registers partitions)', () => {
      const exportTables = Object.values(template.findResources('AWS::Glue::Table')).filter((r) =>
        (EXPORT_TABLES as readonly string[]).includes(r.Properties.TableInput.Name),
      );
      expect(exportTables).toHaveLength(EXPORT_TABLES.length);
      for (const table of exportTables) {
        const parameters = Object.keys(table.Properties.TableInput.Parameters ?? {});
        expect(parameters.filter((p) => p.startsWith('projection.') || p === 'storage.location.template'), table.Properties.TableInput.Name).toEqual([]);
      }
    });

    it('declares segment_events as JSON lines (OpenX SerDe) under segment_events/, partitioned by dt with projection', () => {
      template.hasResourceProperties('AWS::Glue::Table', {
        DatabaseName: db,
        TableInput: Match.objectLike({
          Name: 'segment_events',
          PartitionKeys: [Match.objectLike({ Name: 'dt', Type: 'string' })],
          Parameters: Match.objectLike({
            'projection.enabled': 'true',
            'projection.dt.type': 'date',
            'projection.dt.format': 'yyyy-MM-dd',
            'storage.location.template': { 'Fn::Join': ['', ['s3://', { Ref: curatedBucket }, '/segment_events/dt=${dt}/']] },
          }),
          StorageDescriptor: Match.objectLike({
            Location: { 'Fn::Join': ['', ['s3://', { Ref: curatedBucket }, '/segment_events/']] },
            Columns: glueColumns(SEGMENT_EVENT_COLUMNS),
            InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
            SerdeInfo: Match.objectLike({ SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' }),
          }),
        }),
      });
    });
  });

  describe('segment history delivery', () => {
    it("sends only the detail of Segment Entered / Exited events from the segment bus to a Firehose delivery stream", () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: Match.objectLike({ 'Fn::GetStackOutput': Match.objectLike({ StackName: 'c360-unification' }) }),
        EventPattern: { source: ['c360.segments'], 'detail-type': ['Segment Entered', 'Segment Exited'] },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SegmentHistoryDeliveryStream'), 'Arn'] },
            InputPath: '$.detail',
            RoleArn: Match.anyValue(),
          }),
        ],
      });
    });

    it('writes gzip JSON lines under segment_events/dt=<day>/, errors elsewhere, KMS-encrypted, with logging', () => {
      template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
        DeliveryStreamType: 'DirectPut',
        DeliveryStreamEncryptionConfigurationInput: { KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: { 'Fn::GetAtt': [key, 'Arn'] } },
        ExtendedS3DestinationConfiguration: Match.objectLike({
          BucketARN: { 'Fn::GetAtt': [curatedBucket, 'Arn'] },
          Prefix: 'segment_events/dt=!{timestamp:yyyy-MM-dd}/',
          ErrorOutputPrefix: Match.stringLikeRegexp('^errors/segment_events/'),
          CompressionFormat: 'GZIP',
          EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: { 'Fn::GetAtt': [key, 'Arn'] } } },
          CloudWatchLoggingOptions: Match.objectLike({ Enabled: true, LogGroupName: Match.anyValue(), LogStreamName: Match.anyValue() }),
          ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord', Parameters: [] }] },
        }),
      });
    });

    it("lets EventBridge put records into that delivery stream only, and Firehose write only the history and error prefixes", () => {
      const [ruleTargetRole] = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => id.startsWith('SegmentHistoryRuleTargetRole'));
      expect(policiesOf(ruleTargetRole!)).toEqual([
        {
          Effect: 'Allow',
          Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SegmentHistoryDeliveryStream/), 'Arn'] },
        },
      ]);
      const [deliveryRole] = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => id.startsWith('SegmentHistoryDeliveryRole'));
      const writes = policiesOf(deliveryRole!).filter((s) => actions(s).includes('s3:PutObject'));
      const written = writes.flatMap(resources);
      expect(written).toHaveLength(2);
      expect(written).toEqual(
        expect.arrayContaining([
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [curatedBucket, 'Arn'] }, '/segment_events/*']] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [curatedBucket, 'Arn'] }, '/errors/segment_events/*']] },
        ]),
      );
    });
  });

  describe('curated bucket lifecycle', () => {
    it('expires exports after analytics.export.retentionDays, and keeps the segment history (old versions only go)', () => {
      const rules = template.toJSON().Resources[curatedBucket].Properties.LifecycleConfiguration.Rules as Array<Record<string, unknown>>;
      expect(rules).toContainEqual(
        expect.objectContaining({ Prefix: 'exports/', ExpirationInDays: 14, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' }),
      );
      const history = rules.filter((r) => r.Prefix === 'segment_events/');
      expect(history).toHaveLength(1);
      expect(history[0]).not.toHaveProperty('ExpirationInDays');
      expect(history[0]).toMatchObject({ NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' });
      // No rule without a prefix: nothing else in the bucket expires.
      expect(rules.every((r) => typeof r.Prefix === 'string' && (r.Prefix as string).length > 0)).toBe(true);
    });
  });

  describe('Athena workgroup', () => {
    it('enforces engine version 3, SSE_KMS results with the analytics key in the results bucket, the scan cutoff and CloudWatch metrics', () => {
      const results = logicalId(t.stacks.analytics.athena.resultsBucket);
      template.hasResourceProperties('AWS::Athena::WorkGroup', {
        Name: t.stacks.analytics.workgroupName,
        WorkGroupConfiguration: Match.objectLike({
          EnforceWorkGroupConfiguration: true,
          EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
          BytesScannedCutoffPerQuery: 123_000_000,
          PublishCloudWatchMetricsEnabled: true,
          ResultConfiguration: Match.objectLike({
            OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: results }, '/results/']] },
            EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: { 'Fn::GetAtt': [key, 'Arn'] } },
          }),
        }),
      });
    });

    it('generates its name from the stack, with no hard-coded value', () => {
      expect(t.stacks.analytics.workgroupName).toMatch(/^c360analytics-Athena-[0-9A-F]{8}$/);
    });

    it('keeps query results in a dedicated KMS bucket that expires them', () => {
      const results = template.toJSON().Resources[logicalId(t.stacks.analytics.athena.resultsBucket)];
      expect(results.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
        SSEAlgorithm: 'aws:kms',
        KMSMasterKeyID: { 'Fn::GetAtt': [key, 'Arn'] },
      });
      expect(results.Properties.LifecycleConfiguration.Rules).toContainEqual(
        expect.objectContaining({ ExpirationInDays: 14, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' }),
      );
    });
  });

  describe('Athena views', () => {
    it('carries the SQL of every shipped view file, in file order, for the workgroup and the lake database', () => {
      const files = viewFiles();
      expect(files.map((v) => v.name)).toEqual(expect.arrayContaining(['customers_overview', 'profiles_current']));
      const resources = Object.values(template.findResources('Custom::AthenaViews'));
      expect(resources).toHaveLength(1);
      expect(resources[0]?.Properties).toMatchObject({
        WorkGroup: t.stacks.analytics.workgroupName,
        Database: db,
        Views: files.map((v) => ({ Name: v.name, Sql: v.sql })),
      });
    });

    it('is created after the workgroup and the curated tables it reads, and kept on stack deletion with removalPolicy retain', () => {
      const [resource] = Object.values(template.findResources('Custom::AthenaViews'));
      const tables = Object.keys(template.findResources('AWS::Glue::Table'));
      expect(resource?.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^AthenaWorkGroup/), ...tables]));
      expect(resource?.DeletionPolicy).toBe('Retain');
    });

    it('runs its statements in the workgroup only and may write only the named views of the lake database', () => {
      const statements = policiesOf(functionRole('ViewsFunction'));
      const athena = statements.filter((s) => actions(s).some((a) => a.startsWith('athena:')));
      expect(athena.flatMap(actions).sort()).toEqual(['athena:GetQueryExecution', 'athena:StartQueryExecution']);
      expect(JSON.stringify(athena.flatMap(resources))).toContain(`:workgroup/${t.stacks.analytics.workgroupName}`);

      const glueWrites = statements.filter((s) => actions(s).includes('glue:CreateTable'));
      expect(glueWrites).toHaveLength(1);
      expect(actions(glueWrites[0]!).sort()).toEqual(['glue:CreateTable', 'glue:DeleteTable', 'glue:UpdateTable']);
      const written = JSON.stringify(resources(glueWrites[0]!));
      for (const view of viewFiles()) expect(written).toContain(`:table/${db}/${view.name}"`);
      expect(written).not.toContain(`:table/${db}/*`);
      expect(written).not.toContain(`:table/${db}/raw_events"`);
      expect(statements.flatMap(actions)).not.toContain('dynamodb:Scan');
    });

    it('decrypts with the lake key only through S3', () => {
      const statements = policiesOf(functionRole('ViewsFunction'));
      const lakeKey = statements.filter((s) => JSON.stringify(s.Resource).includes('c360-collection'));
      expect(lakeKey).toEqual([
        expect.objectContaining({ Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:ViaService': expect.anything() } } }),
      ]);
    });
  });

  describe('profile export', () => {
    it('runs every analytics.export.everyMinutes', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(30 minutes)',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProfileExportFunction'), 'Arn'] } })],
      });
    });

    it('gets its table, bucket, database, segments and retention in the environment names the entry reads', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            TABLE_NAME: Match.anyValue(),
            CURATED_BUCKET: { Ref: curatedBucket },
            GLUE_DATABASE: db,
            EXPORT_SEGMENTS: '6',
            EXPORT_RETENTION_DAYS: '14',
          }),
        },
      });
    });

    it('may Scan the profile table and decrypt its key, put objects under exports/ and manage partitions of the export tables only', () => {
      const statements = policiesOf(functionRole('ProfileExportFunction'));
      const scan = statements.filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')));
      expect(scan).toEqual([
        { Effect: 'Allow', Action: 'dynamodb:Scan', Resource: { 'Fn::GetStackOutput': expect.objectContaining({ OutputName: expect.stringContaining('ProfileTable') }) } },
      ]);
      const puts = statements.filter((s) => actions(s).some((a) => a.startsWith('s3:')));
      expect(puts).toEqual([{ Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [curatedBucket, 'Arn'] }, '/exports/*']] } }]);
      const glue = statements.filter((s) => actions(s).some((a) => a.startsWith('glue:')));
      expect(glue).toHaveLength(1);
      expect(actions(glue[0]!).sort()).toEqual(['glue:BatchCreatePartition', 'glue:BatchDeletePartition', 'glue:GetPartitions', 'glue:GetTable']);
      const tables = resources(glue[0]!).map((r) => JSON.stringify(r).match(/:table\/([^"]+)"/)?.[1]).filter((n) => n !== undefined);
      expect(tables.sort()).toEqual(EXPORT_TABLES.map((n) => `${db}/${n}`).sort());
      const keys = statements.filter((s) => actions(s).some((a) => a.startsWith('kms:')));
      expect(keys).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetStackOutput': expect.objectContaining({ StackName: 'c360-unification' }) } });
    });
    it('alarms on export errors to the pipeline alarm topic', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^ProfileExportFunction') } }],
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ 'Fn::GetStackOutput': Match.objectLike({ StackName: 'c360-unification', OutputName: Match.stringLikeRegexp('AlarmTopic') }) }],
      });
    });
  });

  describe('grants across the stack', () => {
    it('gives dynamodb:Scan to the profile export only', () => {
      const exportRole = functionRole('ProfileExportFunction');
      for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
        const statements = policy.Properties.PolicyDocument.Statement as PolicyStatement[];
        if (statements.flatMap(actions).includes('dynamodb:Scan')) {
          expect(policy.Properties.Roles, id).toEqual([{ Ref: exportRole }]);
        }
      }
    });

    it('writes to S3 only under named prefixes: no s3:* action and no bucket-wide object resource', () => {
      for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
        for (const statement of policy.Properties.PolicyDocument.Statement as PolicyStatement[]) {
          const s3Writes = actions(statement).filter((a) => a === 's3:*' || /^s3:(Put|Delete|Abort)/.test(a));
          if (s3Writes.length === 0) continue;
          expect(actions(statement), id).not.toContain('s3:*');
          for (const resource of resources(statement)) {
            const suffix = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1].at(-1);
            expect(suffix, `${id}: ${JSON.stringify(resource)}`).toMatch(/^\/[a-z_]+\/([a-z_]+\/)?\*$/);
          }
        }
      }
    });
  });

  it('outputs the workgroup, curated bucket and results bucket', () => {
    template.hasOutput('AthenaWorkGroupName', { Value: t.stacks.analytics.workgroupName });
    template.hasOutput('CuratedBucketName', { Value: { Ref: curatedBucket } });
    template.hasOutput('AthenaResultsBucketName', { Value: { Ref: logicalId(t.stacks.analytics.athena.resultsBucket) } });
  });

  it('deploys after collection (the lake database) and unification (the table and bus)', () => {
    expect(t.stacks.analytics.dependencies).toEqual(expect.arrayContaining([t.stacks.collection, t.stacks.unification]));
  });
});
