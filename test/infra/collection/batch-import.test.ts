import { readFileSync } from 'node:fs';
import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchImport } from '../../../lib/constructs/collection/batch-import';
import { DataKey } from '../../../lib/constructs/common/data-key';
import { AccessLogsBucket } from '../../../lib/constructs/common/secure-bucket';
import { LANDING_PREFIX, REPORTS_PREFIX } from '../../../lambda/collection/contracts/landing';
import { actionsOf, logicalId, roleStatements, SYNTH_TIMEOUT_MS, type PolicyStatement } from '../../support/infra-fixture';

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

/** A test stack shaped like the collection stack: a KMS-encrypted stream, and the batch import writing to it. */
function build(options: { shareKeyAndLogs?: boolean } = {}) {
  // No bundling (entries must still exist), as the app fixture does.
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'BatchImportTest', { env: { account: '123456789012', region: 'us-east-1' } });
  const streamKey = new DataKey(stack, 'StreamKey', { description: 'test stream', removalPolicy: RemovalPolicy.DESTROY });
  const stream = new kinesis.Stream(stack, 'Stream', {
    encryption: kinesis.StreamEncryption.KMS,
    encryptionKey: streamKey,
    streamMode: kinesis.StreamMode.ON_DEMAND,
    retentionPeriod: Duration.hours(24),
    removalPolicy: RemovalPolicy.DESTROY,
  });
  Validations.of(stream).acknowledge({
    id: 'AwsSolutions-KDS3',
    reason: 'Test stack: the stream uses a customer-managed key, as the collection stack does (acknowledged there with the full reason).',
  });
  const shared = options.shareKeyAndLogs
    ? { encryptionKey: streamKey, accessLogsBucket: new AccessLogsBucket(stack, 'SharedLogs', { removalPolicy: RemovalPolicy.DESTROY }) }
    : {};
  const batch = new BatchImport(stack, 'BatchImport', {
    stream,
    removalPolicy: RemovalPolicy.DESTROY,
    logRetention: logs.RetentionDays.ONE_MONTH,
    ...shared,
  });
  // Synthesized: the wildcard acknowledgments are recorded once references are resolved (as in nag.test.ts).
  app.synth();
  return { app, stack, stream, streamKey, batch, template: Template.fromStack(stack) };
}

describe('BatchImport', () => {
  let t: ReturnType<typeof build>;
  beforeAll(() => {
    t = build();
  }, SYNTH_TIMEOUT_MS);

  const fnId = () => logicalId(t.batch.importFunction);
  const bucketId = () => logicalId(t.batch.landingBucket);
  const statements = () => {
    const roleId = (t.template.findResources('AWS::Lambda::Function')[fnId()]?.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    return roleStatements(t.template, roleId);
  };
  const bucketArn = () => ({ 'Fn::GetAtt': [bucketId(), 'Arn'] });
  const objectsUnder = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn(), `/${prefix}*`]] });

  it('keeps files in a versioned, private, TLS-only bucket under its own rotating key, with access logs', () => {
    const bucket = t.template.findResources('AWS::S3::Bucket')[bucketId()];
    expect(bucket?.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [logicalId(t.batch.landingKey as DataKey), 'Arn'] } },
          },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { LogFilePrefix: 'landing/' },
      LifecycleConfiguration: { Rules: [{ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' }] },
    });
    t.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: Match.stringLikeRegexp('landing') });
    t.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId() },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('invokes the import function for objects created under landing/ only', () => {
    t.template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: bucketId() },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'landing/' }] } },
            LambdaFunctionArn: { 'Fn::GetAtt': [fnId(), 'Arn'] },
          },
        ],
      },
    });
    t.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId(), 'Arn'] },
      Principal: 's3.amazonaws.com',
      SourceArn: bucketArn(),
    });
    // The import writes its outputs outside the notification's prefix, so they start no import.
    expect(REPORTS_PREFIX.startsWith(LANDING_PREFIX)).toBe(false);
  });

  it('runs the import on Node.js 22 for up to 15 minutes, with the stream and bucket names in its environment', () => {
    const fn = t.template.findResources('AWS::Lambda::Function')[fnId()];
    expect(fn?.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 900,
      MemorySize: 1024,
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'file-import',
          STREAM_NAME: { Ref: logicalId(t.stream) },
          LANDING_BUCKET: { Ref: bucketId() },
        },
      },
    });
  });

  it('retries a failed import twice, then sends its event to an encrypted on-failure queue', () => {
    const queueId = logicalId(t.batch.failureQueue);
    t.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId() },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    t.template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue(), MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  it('grants exactly: read landing/*, write and multipart reports/*, PutRecord(s) on the stream, and the key actions these need', () => {
    const all = statements();
    const actions = actionsOf(all);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    const withoutLogsAndTracing = all.filter((s) => !JSON.stringify(s.Action).match(/logs:|xray:/));
    const view = (s: PolicyStatement) => ({ actions: ([] as string[]).concat(s.Action).sort(), resource: s.Resource });
    const sorted = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort();
    const landingKey = { 'Fn::GetAtt': [logicalId(t.batch.landingKey as DataKey), 'Arn'] };
    expect(sorted(withoutLogsAndTracing.map(view))).toEqual(
      sorted([
        { actions: ['s3:GetObject', 's3:GetObjectVersion'], resource: objectsUnder('landing/') },
        { actions: ['s3:AbortMultipartUpload', 's3:PutObject'], resource: objectsUnder('reports/') },
        { actions: ['kinesis:PutRecord', 'kinesis:PutRecords'], resource: { 'Fn::GetAtt': [logicalId(t.stream), 'Arn'] } },
        { actions: ['kms:Encrypt', 'kms:GenerateDataKey'], resource: { 'Fn::GetAtt': [logicalId(t.streamKey), 'Arn'] } },
        // Reading files and completing multipart uploads (Decrypt), writing reports and failures (Encrypt, GenerateDataKey).
        { actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], resource: landingKey },
        { actions: ['sqs:SendMessage'], resource: { 'Fn::GetAtt': [logicalId(t.batch.failureQueue), 'Arn'] } },
      ]),
    );
    // Nothing else on S3: no list, delete, or access to the whole bucket.
    const s3Actions = actions.filter((a) => a.startsWith('s3:')).sort();
    expect(s3Actions).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject']);
    // Every S3 grant names a prefix.
    for (const s of all.filter((x) => JSON.stringify(x.Action).includes('s3:'))) {
      expect(JSON.stringify(s.Resource)).toMatch(/\/(landing|reports)\/\*/);
    }
    expect(actions.filter((a) => a.startsWith('kinesis:')).sort()).toEqual(['kinesis:PutRecord', 'kinesis:PutRecords']);
    expect(actions.filter((a) => a.startsWith('sqs:'))).toEqual(['sqs:SendMessage']);
  });

  it('outputs the landing bucket name', () => {
    t.template.hasOutput('LandingBucketName', { Value: { Ref: bucketId() } });
  });

  it('passes cdk-nag AwsSolutions with every acknowledgment on a specific resource', () => {
    const report = new AwsSolutionsChecks().validateScope(t.stack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    const annotations = Annotations.fromStack(t.stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('acknowledges the CDK notification handler only for its basic-execution managed policy', () => {
    const handler = t.stack.node.findChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    const acks = handler.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => Object.keys(m.data as object)));
    expect(acks.flat().map((id) => id.replace(/^Annotation::/, ''))).toEqual([
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    ]);
  });

  it('uses a key and an access-logs bucket passed in instead of creating its own', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const shared = build({ shareKeyAndLogs: true });
    expect(shared.batch.landingKey).toBe(shared.streamKey);
    shared.template.resourceCountIs('AWS::KMS::Key', 1);
    // The stream's and the bucket's buckets: the shared access-logs bucket and the landing bucket.
    shared.template.resourceCountIs('AWS::S3::Bucket', 2);
    const report = new AwsSolutionsChecks().validateScope(shared.stack);
    expect(report.violations).toEqual([]);
  });
});
