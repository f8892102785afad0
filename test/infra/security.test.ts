import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PILLARS, SYNTH_TIMEOUT_MS, testApp, type TestApp } from '../support/infra-fixture';

/** Pillars that own buckets (unification keeps its data in DynamoDB). */
const BUCKET_PILLARS = PILLARS.filter((p) => p !== 'unification');

function bucketPolicyStatements(template: Template, bucketId: string): Array<Record<string, unknown>> {
  const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
    (p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: bucketId }),
  );
  return (policy?.Properties.PolicyDocument.Statement ?? []) as Array<Record<string, unknown>>;
}

describe('security defaults across every stack', () => {
  let t: TestApp;
  beforeAll(() => {
    t = testApp();
  }, SYNTH_TIMEOUT_MS);

  it.each(BUCKET_PILLARS)('%s: every bucket is encrypted, private and denies non-TLS requests', (pillar) => {
    const template = t.template(pillar);
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets).length).toBeGreaterThanOrEqual(2);
    for (const [id, bucket] of Object.entries(buckets)) {
      expect(bucket.Properties.BucketName, id).toBeUndefined();
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration, id).toHaveLength(1);
      expect(bucket.Properties.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucketPolicyStatements(template, id), id).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it.each(BUCKET_PILLARS)('%s: every data bucket uses SSE-KMS with this stack\'s own rotating key and logs access', (pillar) => {
    const template = t.template(pillar);
    const keys = template.findResources('AWS::KMS::Key');
    expect(Object.keys(keys)).toHaveLength(1);
    expect(Object.values(keys)[0]?.Properties.EnableKeyRotation).toBe(true);
    const kmsBuckets = Object.values(template.findResources('AWS::S3::Bucket')).filter(
      (b) => b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm === 'aws:kms',
    );
    expect(kmsBuckets.length).toBeGreaterThanOrEqual(1);
    for (const bucket of kmsBuckets) {
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID).toEqual({
        'Fn::GetAtt': [Object.keys(keys)[0], 'Arn'],
      });
      expect(bucket.Properties.LoggingConfiguration?.DestinationBucketName).toBeDefined();
    }
  });

  it('names no physical resource (tables, queues, streams, log groups, functions, APIs get generated names)', () => {
    const nameProperties: Record<string, string> = {
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::Kinesis::Stream': 'Name',
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::IAM::Role': 'RoleName',
    };
    for (const pillar of PILLARS) {
      const template = t.template(pillar);
      for (const [type, property] of Object.entries(nameProperties)) {
        for (const [id, resource] of Object.entries(template.findResources(type))) {
          expect(resource.Properties?.[property], `${pillar}/${id}`).toBeUndefined();
        }
      }
    }
  });

  it('encrypts the unification log groups, on-failure queues and event bus with the unification key', () => {
    const template = t.template('unification');
    const keyArn = { 'Fn::GetAtt': [Object.keys(template.findResources('AWS::KMS::Key'))[0], 'Arn'] };
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(logGroups).toHaveLength(8);
    for (const logGroup of logGroups) expect(logGroup.Properties.KmsKeyId).toEqual(keyArn);
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(2);
    for (const queue of queues) expect(queue.Properties.KmsMasterKeyId).toEqual(keyArn);
    const buses = Object.values(template.findResources('AWS::Events::EventBus'));
    expect(buses).toHaveLength(1);
    expect(buses[0]?.Properties.KmsKeyIdentifier).toEqual(keyArn);
  });
});
