import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoProfileSource } from '../../../lambda/analytics/adapters/dynamodb-profile-source';
import type { SourcedProfile } from '../../../lambda/analytics/ports';
import { encodeProfile } from '../../../lambda/unification/contracts/profile-document';
import { emptyProfile } from '../../../lambda/unification/core/profile/profile';

const ddb = mockClient(DynamoDBDocumentClient);
const source = () => new DynamoProfileSource(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'customers');
beforeEach(() => ddb.reset());

async function all(it: AsyncIterable<SourcedProfile>): Promise<SourcedProfile[]> {
  const out: SourcedProfile[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const live = (id: string) => ({ pk: `P#${id}`, doc: encodeProfile(emptyProfile(id, '2026-11-01T00:00:00.000Z')) });

describe('DynamoProfileSource', () => {
  it('scans live profile items of its segment, page by page, and decodes them through the contract', async () => {
    ddb.on(ScanCommand)
      .resolvesOnce({ Items: [live('p-1')], LastEvaluatedKey: { pk: 'P#p-1', sk: 'P' } })
      .resolvesOnce({ Items: [live('p-2')] });
    const got = await all(source().scan({ segment: 1, totalSegments: 4, pageSize: 50 }));
    expect(got.map((g) => (g.kind === 'profile' ? g.profile.profileId : g.key))).toEqual(['p-1', 'p-2']);
    const calls = ddb.commandCalls(ScanCommand).map((c) => c.args[0].input);
    expect(calls[0]).toEqual({
      TableName: 'customers',
      Segment: 1,
      TotalSegments: 4,
      FilterExpression: '#sk = :profile AND attribute_not_exists(#mergedInto)',
      ProjectionExpression: '#pk, #doc',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#mergedInto': 'mergedInto', '#doc': 'doc' },
      ExpressionAttributeValues: { ':profile': 'P' },
      Limit: 50,
    });
    expect(calls[1]?.ExclusiveStartKey).toEqual({ pk: 'P#p-1', sk: 'P' });
  });

  it('returns a document that does not decode as unreadable with its key, and goes on', async () => {
    ddb.on(ScanCommand).resolves({ Items: [{ pk: 'P#p-bad', doc: new Uint8Array([1, 2, 3]) }, { pk: 'P#p-none' }, live('p-3')] });
    const got = await all(source().scan({ segment: 0, totalSegments: 1 }));
    expect(got).toEqual([
      { kind: 'unreadable', key: 'P#p-bad', reason: expect.stringMatching(/does not inflate/) },
      { kind: 'unreadable', key: 'P#p-none', reason: 'profile item has no binary doc attribute' },
      { kind: 'profile', profile: expect.objectContaining({ profileId: 'p-3' }) },
    ]);
  });

  it('skips a profile whose document says it was merged away', async () => {
    const merged = { ...emptyProfile('p-4', '2026-11-01T00:00:00.000Z'), mergedInto: 'p-1' };
    ddb.on(ScanCommand).resolves({ Items: [{ pk: 'P#p-4', doc: encodeProfile(merged) }] });
    expect(await all(source().scan({ segment: 0, totalSegments: 1 }))).toEqual([]);
  });

  it('refuses segments DynamoDB would refuse', async () => {
    await expect(all(source().scan({ segment: 2, totalSegments: 2 }))).rejects.toThrow(/segment must be an integer from 0 to 1, got 2/);
    await expect(all(source().scan({ segment: 0, totalSegments: 0 }))).rejects.toThrow(/totalSegments/);
    await expect(all(source().scan({ segment: 0, totalSegments: 1, pageSize: 0 }))).rejects.toThrow(/pageSize/);
  });
});
