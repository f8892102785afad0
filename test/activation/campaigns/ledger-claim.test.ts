import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoMessageLedger } from '../../../lambda/activation/adapters/dynamodb-message-ledger';
import type { MessageRecord } from '../../../lambda/activation/contracts/messages';

const ddb = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const r: MessageRecord = {
  key: 'c#o',
  campaign: 'c',
  profileId: 'p1',
  channel: 'email',
  transactional: false,
  trigger: { kind: 'event', occurrence: 'o' },
  status: 'pending',
  outcomes: [],
  decidedAt: '2026-12-01T10:00:00.000Z',
  localDay: '2026-12-01',
  timeZone: 'UTC',
};
const failed = (item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, ...(item === undefined ? {} : { Item: marshall(item) }) });

describe('DynamoMessageLedger claim after a lost response', () => {
  beforeEach(() => ddb.reset());

  it('counts its own put, retried by the SDK and failing its condition against itself, as claimed', async () => {
    ddb.on(PutCommand).callsFake((input) => {
      throw failed(input.Item as Record<string, unknown>);
    });
    expect(await new DynamoMessageLedger(doc, 't', { retentionDays: 7 }).claim(r)).toBe(true);
  });

  it('counts a claim held by another delivery as a duplicate, reading the item when the error carries none', async () => {
    ddb.on(PutCommand).rejects(failed());
    ddb.on(GetCommand).resolves({ Item: { pk: 'MSG#p1', sk: 'K#c#o', claimToken: 'someone-else' } });
    expect(await new DynamoMessageLedger(doc, 't', { retentionDays: 7 }).claim(r)).toBe(false);
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({ ConsistentRead: true, Key: { pk: 'MSG#p1', sk: 'K#c#o' } });
  });

  it('lets any other error through', async () => {
    ddb.on(PutCommand).rejects(new Error('throttled'));
    await expect(new DynamoMessageLedger(doc, 't', { retentionDays: 7 }).claim(r)).rejects.toThrow('throttled');
  });
});
