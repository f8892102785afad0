import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoProfileStore } from '../../../lambda/unification/adapters/dynamodb-profile-store';
import { applyEvent, emptyProfile, type Profile } from '../../../lambda/unification/core/profile/profile';
import { fakeDynamoTable } from '../../support/fake-dynamo';

const ddb = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));

const event = (messageId: string) => ({
  type: 'track' as const,
  messageId,
  name: 'Order Completed',
  ts: Date.UTC(2026, 10, 1),
  timestamp: '2026-11-01T00:00:00.000Z',
  identifiers: [{ type: 'userId', value: 'u-1' }],
  traits: {},
  properties: {},
});

function next(p: Profile, messageId: string): Profile {
  return { ...applyEvent(p, event(messageId), 1_800_000_000), version: p.version + 1 };
}

describe('DynamoProfileStore conditional writes', () => {
  let store: DynamoProfileStore;
  beforeEach(() => {
    ddb.reset();
    fakeDynamoTable(ddb);
    store = new DynamoProfileStore(doc, 'c360-test');
  });

  it('counts a write whose response was lost and whose retry then failed its condition as done', async () => {
    const v1 = next(emptyProfile('p1', '2026-11-01T00:00:00.000Z'), 'm1');
    expect(await store.putProfiles([{ profile: v1, expectedVersion: null }])).toEqual([true]);
    const v2 = next(v1, 'm2');
    expect(await store.putProfiles([{ profile: v2, expectedVersion: 1 }])).toEqual([true]);
    // The SDK retries the same put: its condition now fails against the put itself.
    expect(await store.putProfiles([{ profile: v2, expectedVersion: 1 }])).toEqual([true]);
    // Another writer's version 2 is a lost race.
    expect(await store.putProfiles([{ profile: next(v1, 'other'), expectedVersion: 1 }])).toEqual([false]);
    expect((await store.getProfiles(['p1'])).get('p1')?.computed.eventCount).toBe(2);
  });

  it('counts a claim already pointing where it should as done, and one taken by another profile as lost', async () => {
    expect(await store.putClaims([{ key: 'email#a@b.co', profileId: 'p1', expectedOwner: null, soft: false }])).toEqual([true]);
    expect(await store.putClaims([{ key: 'email#a@b.co', profileId: 'p1', expectedOwner: null, soft: false }])).toEqual([true]);
    expect(await store.putClaims([{ key: 'email#a@b.co', profileId: 'p2', expectedOwner: null, soft: false }])).toEqual([false]);
    expect(await store.getOwners(['email#a@b.co'])).toEqual(new Map([['email#a@b.co', 'p1']]));
    // the two failed conditions are billed, and billed to the claims
    expect(store.usage).toMatchObject({ writeUnits: 2, claimWriteUnits: 2, journalWriteUnits: 0 });
  });

  it('writes each journal item with the time the table TTL deletes it, the configured retention after it was written', async () => {
    const items = (ddb.reset(), fakeDynamoTable(ddb));
    const kept = new DynamoProfileStore(doc, 'c360-test', { journalRetentionDays: 30 });
    await kept.putJournal([{ profileId: 'p1', key: 'J#0000000001#a', at: '2026-11-01T00:00:00.000Z', events: [event('m1')] }]);
    const written = [...items.values()].find((i) => String(i.sk).startsWith('J#'));
    expect(written?.expiresAt).toBe(Date.UTC(2026, 11, 1) / 1000);
    // Without a setting, the default retention (400 days).
    await store.putJournal([{ profileId: 'p2', key: 'J#0000000001#a', at: '2026-11-01T00:00:00.000Z', events: [event('m2')] }]);
    expect([...items.values()].find((i) => i.pk === 'P#p2')?.expiresAt).toBe(Date.UTC(2026, 10, 1) / 1000 + 400 * 86_400);
  });

  it('keeps a base in its journal item as a profile doc, and reads it back with the entry', async () => {
    const items = (ddb.reset(), fakeDynamoTable(ddb));
    ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => {
      const { ':pk': pk, ':j': prefix } = input.ExpressionAttributeValues;
      const found = [...items.values()].filter((i) => i.pk === pk && String(i.sk).startsWith(prefix as string));
      return { Items: found.sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : 1)) };
    });
    const base = next(emptyProfile('p1', '2026-11-01T00:00:00.000Z'), 'm1');
    await store.putJournal([
      { profileId: 'p1', key: 'J#0000000002#a-base', at: '2026-11-01T00:00:00.000Z', events: [], base },
      { profileId: 'p1', key: 'J#0000000002#a', at: '2026-11-01T00:00:00.000Z', events: [event('m2')] },
    ]);
    const stored = [...items.values()].find((i) => i.sk === 'J#0000000002#a-base');
    expect(stored?.base).toBeInstanceOf(Uint8Array);
    const read = await store.readJournal(['p1']);
    expect(read.map((e) => [e.key, e.events.map((x) => x.messageId), e.base])).toEqual([
      ['J#0000000002#a', ['m2'], undefined],
      ['J#0000000002#a-base', [], base],
    ]);
  });
});
