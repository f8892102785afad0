/**
 * DynamoCustomerViewReader against dynalite, on profiles the real unify path
 * wrote: a merged-away id reads as its survivor's view, evaluated at the
 * moment asked for; an identifier, given as a person would type it, names
 * its owner, the survivor even while the index still names the absorbed
 * profile.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoCustomerViewReader, MAX_MERGE_HOPS } from '../../../lambda/activation/adapters/dynamodb-customer-view';
import { parseConfig } from '../../../lambda/config';
import { close, listen } from '../../../lambda/local/http';
import { documentClient } from '../../../lambda/shared/clients';
import { DynamoProfileStore } from '../../../lambda/unification/adapters/dynamodb-profile-store';
import { identifierItemKey } from '../../../lambda/unification/contracts/identifier-keys';
import { encodeProfile } from '../../../lambda/unification/contracts/profile-document';
import { PK, profilePk, SK } from '../../../lambda/unification/contracts/table';
import { emptyProfile } from '../../../lambda/unification/core/profile/profile';
import { unifySettings } from '../../../lambda/unification/settings';
import { unifyBatch } from '../../../lambda/unification/usecases/unify-batch';
import { record } from '../../support/events';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 1);
const iso = (ms: number) => new Date(ms).toISOString();

describe('DynamoCustomerViewReader', () => {
  const config = parseConfig({ appName: 'cv-test' });
  const server = dynalite({ createTableMs: 0 });
  const tableName = 'cv-test-profiles';
  let doc: DynamoDBDocumentClient;
  let reader: DynamoCustomerViewReader;
  let ids: { anonymous: string; known: string };

  beforeAll(async () => {
    const endpoint = `http://127.0.0.1:${await listen(server, 0)}`;
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const admin = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials });
    await admin.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: PK, AttributeType: 'S' }, { AttributeName: SK, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: PK, KeyType: 'HASH' }, { AttributeName: SK, KeyType: 'RANGE' }],
      }),
    );
    admin.destroy();
    doc = documentClient({ region: 'us-east-1', endpoint });
    const store = new DynamoProfileStore(doc, tableName);
    let n = 0;
    const deps = { store, quarantine: { put: async () => {} }, settings: unifySettings(config), clock: () => NOW, newProfileId: () => `p-${++n}`, sleep: async () => {} };
    const batch = async (events: Record<string, unknown>[]) => {
      const out = await unifyBatch(events.map((e) => record(e, NOW)), `b${n}`, 'test', deps);
      expect(out.quarantined + out.failedSequenceNumbers.length).toBe(0);
    };
    // Two profiles: an anonymous buyer, and a known customer ...
    await batch([
      { type: 'track', messageId: 'o1', anonymousId: 'anon-1', event: 'Order Completed', timestamp: iso(NOW - 80 * DAY), properties: { revenue: 60 }, context: { channel: 'web' } },
      {
        type: 'track',
        messageId: 's1',
        anonymousId: 'anon-1',
        event: 'Propensity Scored',
        timestamp: iso(NOW - 2 * DAY),
        properties: { model: 'repurchase', score: 0.64, modelVersion: 'repurchase-1', algorithm: 'logistic-regression', scoredAt: iso(NOW - 2 * DAY), topFeatures: [] },
        context: { channel: 'server' },
      },
    ]);
    await batch([{ type: 'identify', messageId: 'i1', userId: 'u-1', timestamp: iso(NOW - 5 * DAY), traits: { email: 'Ana@Example.org' }, context: { channel: 'crm' } }]);
    ids = { anonymous: 'p-1', known: 'p-2' };
    // ... then the event that shows they are one person.
    await batch([{ type: 'identify', messageId: 'link', userId: 'u-1', anonymousId: 'anon-1', timestamp: iso(NOW - DAY), context: { channel: 'web' } }]);
    reader = new DynamoCustomerViewReader(doc, tableName, config);
  }, 60_000);
  afterAll(async () => {
    doc?.destroy();
    await close(server);
  });

  it('reads a merged-away id as the survivor, with both sides joined', async () => {
    const viaAnonymous = await reader.get(ids.anonymous, NOW);
    const viaKnown = await reader.get(ids.known, NOW);
    expect(viaAnonymous).toEqual(viaKnown);
    expect(viaAnonymous?.identifiers).toMatchObject({ userId: ['u-1'], anonymousId: ['anon-1'], email: ['ana@example.org'] });
    expect(viaAnonymous?.computed).toMatchObject({ eventCount: 4, orderCount: 1, ordersLast90Days: 1 });
    expect(viaAnonymous?.channels).toEqual({ web: 2, crm: 1, server: 1 });
    expect(viaAnonymous?.scores.repurchase).toMatchObject({ score: 0.64, modelVersion: 'repurchase-1' });
    expect(viaAnonymous?.consent).toMatchObject({ analytics: 'granted', marketing_email: 'denied' });
  });

  it('evaluates computed traits at the moment asked for', async () => {
    const later = await reader.get(ids.known, NOW + 30 * DAY);
    expect(later?.computed).toMatchObject({ ordersLast90Days: 0, daysSinceLastOrder: 110 });
    expect(later?.asOf).toBe(iso(NOW + 30 * DAY));
  });

  it('answers nothing for a profile that does not exist', async () => {
    expect(await reader.get('p-none', NOW)).toBeUndefined();
  });

  it('finds the owner of an identifier given as typed, and of none it does not know', async () => {
    const survivor = (await reader.get(ids.known, NOW))?.profileId as string;
    expect(await reader.ownerOf('email', '  ANA@example.org ')).toBe(survivor);
    expect(await reader.ownerOf('userId', 'u-1')).toBe(survivor);
    expect(await reader.ownerOf('anonymousId', 'anon-1')).toBe(survivor);
    expect(await reader.ownerOf('email', 'nobody@example.org')).toBeUndefined();
    expect(await reader.ownerOf('email', 'not an email')).toBeUndefined();
  });

  it('answers with the survivor while the index still names an absorbed profile', async () => {
    const survivor = (await reader.get(ids.known, NOW))?.profileId as string;
    const absorbed = survivor === ids.known ? ids.anonymous : ids.known;
    await doc.send(new PutCommand({ TableName: tableName, Item: { ...identifierItemKey('deviceToken', 'tok-1'), profileId: absorbed } }));
    expect(await reader.ownerOf('deviceToken', 'tok-1')).toBe(survivor);
  });

  it('reports a chain of merge pointers too long to follow instead of following it for ever', async () => {
    const loop = (id: string, into: string) => {
      const p = { ...emptyProfile(id, iso(NOW)), mergedInto: into };
      return doc.send(
        new PutCommand({ TableName: tableName, Item: { pk: profilePk(id), sk: 'P', profileId: id, version: 1, mergedInto: into, doc: encodeProfile(p) } }),
      );
    };
    await loop('loop-a', 'loop-b');
    await loop('loop-b', 'loop-a');
    await expect(reader.get('loop-a', NOW)).rejects.toThrow(`more than ${MAX_MERGE_HOPS} merge pointers`);
  });
});
