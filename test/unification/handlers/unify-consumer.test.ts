import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { fakeDynamoTable } from '../../support/fake-dynamo';
import type { KinesisStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoProfileStore } from '../../../lambda/unification/adapters/dynamodb-profile-store';
import { decodeProfile } from '../../../lambda/unification/contracts/profile-document';
import { S3QuarantineSink } from '../../../lambda/unification/adapters/quarantine';
import { documentClient } from '../../../lambda/shared/clients';
import { aggregate } from '../../../lambda/shared/kpl';
import { createUnifyConsumer } from '../../../lambda/unification/handlers/unify-consumer';
import type { QuarantineEntry } from '../../../lambda/unification/ports';
import { settings } from '../../support/events';
import type { SuppressionCheck } from '../../../lambda/governance/ports';
import type { BatchOutcome } from '../../../lambda/unification/usecases/unify-batch';

const ddb = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
type Item = Record<string, unknown>;

function fakeTable() {
  return fakeDynamoTable(ddb);
}

let seq = 0;
function kinesisEvent(payloads: Array<Buffer | string | object>): KinesisStreamEvent {
  return {
    Records: payloads.map((p) => {
      const data = Buffer.isBuffer(p) ? p : Buffer.from(typeof p === 'string' ? p : JSON.stringify(p));
      const sequenceNumber = String(++seq).padStart(12, '0');
      return {
        eventID: `shardId-000000000000:${sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        eventSource: 'aws:kinesis',
        eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/events',
        eventVersion: '1.0',
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/consumer',
        awsRegion: 'us-east-1',
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: 'pk',
          sequenceNumber,
          data: data.toString('base64'),
          approximateArrivalTimestamp: Date.UTC(2026, 10, 1) / 1000,
        },
      };
    }),
  };
}

function consumer(extra: { suppression?: SuppressionCheck; observe?: (o: BatchOutcome) => void } = {}) {
  return createUnifyConsumer({
    store: new DynamoProfileStore(documentClient({ region: 'us-east-1' }), 'profiles'),
    quarantine: new S3QuarantineSink(new S3Client({ region: 'us-east-1' }), 'lake'),
    settings: { ...settings, maxAttempts: 3 },
    sleep: async () => {},
    ...extra,
  });
}

/** Suppresses anyone holding one of `erased` (`type:value`). */
const suppressing = (erased: string[]): SuppressionCheck => ({
  suppressed: async (sets) => sets.map((ids) => ids.some((id) => erased.includes(`${id.type}:${id.value}`))),
});

const quarantined = (): QuarantineEntry[] =>
  s3
    .commandCalls(PutObjectCommand)
    .flatMap((c) => String(c.args[0].input.Body).trim().split('\n'))
    .map((line) => JSON.parse(line) as QuarantineEntry);

const profileItems = (items: Map<string, Item>) =>
  [...items.values()].filter((i) => i.sk === 'P').map((i) => decodeProfile(i.doc));

beforeEach(() => {
  ddb.reset();
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
});

describe('unify consumer handler', () => {
  it('applies good records, quarantines malformed and schema-invalid ones with reasons, and reports no failure', async () => {
    const items = fakeTable();
    const event = kinesisEvent([
      { type: 'identify', messageId: 'g1', userId: 'u-1', traits: { email: 'ana@example.com' }, timestamp: '2026-10-01T00:00:00Z' },
      '{"type":"track", "event": ',
      { type: 'track', messageId: 'bad-schema', userId: 'u-2' },
      { type: 'track', messageId: 'g2', anonymousId: 'a-1', event: 'Product Viewed', context: { traits: { email: 'ANA@example.com' } }, timestamp: '2026-10-02T00:00:00Z' },
    ]);
    const response = await consumer()(event);

    expect(response).toEqual({ batchItemFailures: [] });
    const rejects = quarantined();
    expect(rejects.map((r) => [r.sequenceNumber, r.reason])).toEqual([
      [event.Records[1]?.kinesis.sequenceNumber, expect.stringMatching(/^invalid JSON/)],
      [event.Records[2]?.kinesis.sequenceNumber, expect.stringMatching(/^schema: event/)],
    ]);
    expect(rejects[0]?.data).toBe('{"type":"track", "event": ');
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Key).toMatch(/^quarantine\/source=kinesis\/dt=2026-11-01\//);

    const profiles = profileItems(items);
    expect(profiles).toHaveLength(1);
    expect(profiles[0]?.identifiers).toEqual({ anonymousId: ['a-1'], email: ['ana@example.com'], userId: ['u-1'] });
    expect(items.get('ID#email#ana@example.com|ID')?.profileId).toBeDefined();
    // A profile that never merged journals nothing: its doc is its whole history.
    expect([...items.values()].filter((i) => String(i.sk).startsWith('J#'))).toEqual([]);
  });

  it('unpacks a KPL-aggregated record and treats each sub-record on its own', async () => {
    const items = fakeTable();
    const packed = aggregate([
      { partitionKey: 'a', data: Buffer.from(JSON.stringify({ type: 'identify', messageId: 'k1', userId: 'u-9', timestamp: '2026-10-01T00:00:00Z' })) },
      { partitionKey: 'a', data: Buffer.from('not json') },
      { partitionKey: 'b', data: Buffer.from(JSON.stringify({ type: 'track', messageId: 'k2', userId: 'u-9', event: 'Order Completed', properties: { revenue: 12 }, timestamp: '2026-10-02T00:00:00Z' })) },
    ]);
    const response = await consumer()(kinesisEvent([packed]));
    expect(response.batchItemFailures).toEqual([]);
    expect(quarantined().map((r) => [r.subSequence, r.data])).toEqual([[1, 'not json']]);
    const [profile] = profileItems(items);
    expect(profile?.computed).toMatchObject({ eventCount: 2, revenue: 120_000 });
  });

  it('reports the records it could not write as batch item failures, so Lambda retries them', async () => {
    fakeTable();
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'always stale', $metadata: {} }));
    const event = kinesisEvent([
      { type: 'identify', messageId: 'x1', userId: 'u-1', timestamp: '2026-10-01T00:00:00Z' },
      'garbage',
    ]);
    const response = await consumer()(event);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.kinesis.sequenceNumber }]);
    expect(quarantined()).toHaveLength(1);
  });

  it('fails the whole invocation when DynamoDB itself fails, so the batch is retried (and bisected)', async () => {
    ddb.on(BatchGetCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(consumer()(kinesisEvent([{ type: 'identify', messageId: 'y1', userId: 'u-1' }]))).rejects.toThrow('Rate exceeded');
  });

  it("drops an erased person's events, valid or not, without applying or quarantining them, and counts them", async () => {
    const items = fakeTable();
    const outcomes: BatchOutcome[] = [];
    const response = await consumer({ suppression: suppressing(['email:ana@example.com']), observe: (o) => outcomes.push(o) })(
      kinesisEvent([
        { type: 'identify', messageId: 's1', userId: 'u-1', traits: { email: 'ANA@example.com' }, timestamp: '2026-10-01T00:00:00Z' },
        { type: 'track', messageId: 's2', userId: 'u-2', event: 'Product Viewed', timestamp: '2026-10-01T00:00:00Z' },
        // Invalid (no event name), but it names her: not kept in the quarantine either.
        { type: 'track', messageId: 's3', userId: 'u-3', context: { traits: { email: 'ana@example.com' } } },
        { type: 'track', messageId: 's4', userId: 'u-4' },
      ]),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(outcomes[0]).toMatchObject({ payloads: 4, applied: 1, quarantined: 1, suppressed: 2, duplicates: 0 });
    expect(profileItems(items).map((p) => p.identifiers.userId)).toEqual([['u-2']]);
    expect(quarantined().map((q) => JSON.parse(q.data) as { messageId: string }).map((e) => e.messageId)).toEqual(['s4']);
    expect(JSON.stringify([...items.values()].map((i) => i.pk))).not.toMatch(/ana@/);
  });

  it('has no suppressed count without a check', async () => {
    fakeTable();
    const outcomes: BatchOutcome[] = [];
    await consumer({ observe: (o) => outcomes.push(o) })(kinesisEvent([{ type: 'identify', messageId: 'n1', userId: 'u-1', timestamp: '2026-10-01T00:00:00Z' }]));
    expect(outcomes[0]).not.toHaveProperty('suppressed');
  });

  it('fails the invocation when the suppression list cannot answer, so the batch is retried rather than applied unchecked', async () => {
    fakeTable();
    const failing: SuppressionCheck = { suppressed: async () => Promise.reject(new Error('list unavailable')) };
    await expect(consumer({ suppression: failing })(kinesisEvent([{ type: 'identify', messageId: 'f1', userId: 'u-1' }]))).rejects.toThrow('list unavailable');
  });
});
