import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { logicalId, SYNTH_TIMEOUT_MS, testApp, type TestApp } from '../../support/infra-fixture';

describe('collection stack', () => {
  let t: TestApp;
  beforeAll(() => {
    t = testApp();
  }, SYNTH_TIMEOUT_MS);

  it('encrypts the event stream with its own rotating customer-managed key', () => {
    const template = t.template('collection');
    const keyId = logicalId(t.stacks.collection.streamKey);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    });
  });

  it('defaults to an on-demand stream with 24 h retention and no shard count', () => {
    t.template('collection').hasResourceProperties('AWS::Kinesis::Stream', {
      RetentionPeriodHours: 24,
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      ShardCount: Match.absent(),
    });
  });

  it('follows a provisioned config: 3 shards, 7-day retention', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const provisioned = testApp({ collection: { stream: { mode: 'provisioned', shards: 3, retentionHours: 168 } } });
    provisioned.template('collection').hasResourceProperties('AWS::Kinesis::Stream', {
      RetentionPeriodHours: 168,
      ShardCount: 3,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
    });
  });

  it('keeps the lake in a versioned, private, TLS-only bucket under the collection key, logging access to a separate bucket', () => {
    const template = t.template('collection');
    const keyId = logicalId(t.stacks.collection.streamKey);
    const lakeId = logicalId(t.stacks.collection.lakeBucket);
    const lake = template.findResources('AWS::S3::Bucket')[lakeId];
    expect(lake?.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } },
          },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const logsBucketRef = lake?.Properties.LoggingConfiguration.DestinationBucketName as { Ref: string };
    expect(logsBucketRef.Ref).not.toBe(lakeId);
    const logsBucket = template.findResources('AWS::S3::Bucket')[logsBucketRef.Ref];
    expect(logsBucket?.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
  });

  it('exposes the stream, its key and the lake bucket to other stacks', () => {
    expect(t.stacks.collection.stream.encryptionKey).toBe(t.stacks.collection.streamKey);
    expect(t.stacks.collection.lakeBucket.encryptionKey).toBe(t.stacks.collection.streamKey);
  });
});
