import type { Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeferredSends, DynamoMessageLedger, fitRecord } from '../../../lambda/activation/adapters/dynamodb-message-ledger';
import type { MessageRecord } from '../../../lambda/activation/contracts/messages';
import { ACTIVATION_TABLE, DUE_PK } from '../../../lambda/activation/contracts/table';
import { close, listen } from '../../../lambda/local/http';
import { documentClient } from '../../../lambda/shared/clients';

const TABLE = 'activation-test';
let server: Server;
let doc: DynamoDBDocumentClient;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const endpoint = `http://127.0.0.1:${await listen(server, 0)}`;
  const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await ddb.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: ACTIVATION_TABLE.partitionKey.name, AttributeType: 'S' },
        { AttributeName: ACTIVATION_TABLE.sortKey.name, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: ACTIVATION_TABLE.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: ACTIVATION_TABLE.sortKey.name, KeyType: 'RANGE' },
      ],
    }),
  );
  ddb.destroy();
  doc = documentClient({ region: 'us-east-1', endpoint });
});

afterAll(async () => {
  doc.destroy();
  await close(server);
});

function record(parts: Partial<MessageRecord> & Pick<MessageRecord, 'key'>): MessageRecord {
  return {
    campaign: parts.key.split('#')[0] as string,
    profileId: 'p1',
    channel: 'email',
    transactional: false,
    trigger: { kind: 'event', occurrence: parts.key.split('#')[1] as string },
    status: 'pending',
    outcomes: [],
    decidedAt: '2026-12-01T10:00:00.000Z',
    localDay: '2026-12-01',
    timeZone: 'UTC',
    ...parts,
  };
}

describe('DynamoMessageLedger on dynalite', () => {
  const ledger = () => new DynamoMessageLedger(doc, TABLE, { retentionDays: 30 });

  it('claims a key once: the second claim of the same (profile, key) is a duplicate', async () => {
    const l = ledger();
    expect(await l.claim(record({ key: 'c1#o1' }))).toBe(true);
    expect(await l.claim(record({ key: 'c1#o1' }))).toBe(false);
    expect(await l.claim(record({ key: 'c1#o1', profileId: 'p2' }))).toBe(true);
    expect(await l.claim(record({ key: 'c1#o2' }))).toBe(true);
  });

  it('stores the record under the table keys with a TTL of decidedAt + retention, and reads it back as it was', async () => {
    const l = ledger();
    const r = record({ key: 'c2#o1', outcomes: [{ rule: 'suppression', outcome: 'pass' }] });
    await l.claim(r);
    const raw = await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'MSG#p1', sk: 'K#c2#o1' } }));
    expect(raw.Item?.expiresAt).toBe(Date.parse(r.decidedAt) / 1000 + 30 * 86_400);
    expect(await l.get('p1', 'c2#o1')).toEqual(r);
    expect(await l.get('p1', 'c2#missing')).toBeUndefined();
  });

  it('updates a claimed record, and refuses to recreate one that was never claimed (or erased)', async () => {
    const l = ledger();
    const r = record({ key: 'c3#o1' });
    await l.claim(r);
    await l.update({ ...r, status: 'sent', providerMessageId: 'ses-1', sentAt: '2026-12-01T10:00:01.000Z' });
    expect(await l.get('p1', 'c3#o1')).toMatchObject({ status: 'sent', providerMessageId: 'ses-1' });
    await expect(l.update(record({ key: 'c3#never' }))).rejects.toThrow(/never claimed or has been erased/);
  });

  it('counts only non-transactional sent messages on the channel from the first local day of the window', async () => {
    const l = ledger();
    const put = async (key: string, parts: Partial<MessageRecord>) => {
      const r = record({ key, profileId: 'cap', ...parts });
      await l.claim(r);
    };
    await put('a#1', { status: 'sent', localDay: '2026-11-28' });
    await put('a#2', { status: 'sent', localDay: '2026-11-30' });
    await put('a#3', { status: 'sent', localDay: '2026-12-01' });
    await put('a#4', { status: 'capped', localDay: '2026-12-01' });
    await put('a#5', { status: 'sent', localDay: '2026-12-01', transactional: true });
    await put('a#6', { status: 'sent', localDay: '2026-12-01', channel: 'sms' });
    expect(await l.countSent('cap', 'email', '2026-11-30')).toBe(2);
    expect(await l.countSent('cap', 'email', '2026-11-01')).toBe(3);
    expect(await l.countSent('cap', 'sms', '2026-11-30')).toBe(1);
    expect(await l.countSent('other', 'email', '2026-11-01')).toBe(0);
  });

  it('lists a profile messages newest first', async () => {
    const l = ledger();
    await l.claim(record({ key: 'z#1', profileId: 'lister', decidedAt: '2026-12-01T08:00:00.000Z' }));
    await l.claim(record({ key: 'a#1', profileId: 'lister', decidedAt: '2026-12-01T09:00:00.000Z' }));
    await l.claim(record({ key: 'm#1', profileId: 'lister', decidedAt: '2026-12-01T07:00:00.000Z' }));
    expect((await l.list('lister', 10)).map((r) => r.key)).toEqual(['a#1', 'z#1', 'm#1']);
    expect((await l.list('lister', 2)).map((r) => r.key)).toEqual(['a#1', 'z#1']);
  });

  it('keeps an item under the item limit by dropping the rendered content first', () => {
    const big = record({ key: 'big#1', content: { html: 'x'.repeat(400_000) }, outcomes: [{ rule: 'cap', outcome: 'pass' }] });
    const fitted = fitRecord(big);
    expect(fitted.content).toBeUndefined();
    expect(fitted.contentOmitted).toMatch(/exceeded the ledger item limit/);
    expect(fitted.outcomes).toEqual(big.outcomes);
  });
});

describe('DynamoDeferredSends on dynalite', () => {
  it('returns the sends due by now, oldest first, and forgets one once done', async () => {
    const due = new DynamoDeferredSends(doc, TABLE, { retentionDays: 30 });
    const a = record({ key: 'q#1', status: 'deferred', deferredUntil: '2026-12-02T08:00:00.000Z' });
    const b = record({ key: 'q#2', profileId: 'p2', status: 'deferred', deferredUntil: '2026-12-02T07:00:00.000Z' });
    const c = record({ key: 'q#3', status: 'deferred', deferredUntil: '2026-12-02T09:00:00.000Z' });
    for (const r of [a, b, c]) await due.defer(r);
    expect(await due.due(Date.parse('2026-12-02T06:59:59.999Z'), 10)).toEqual([]);
    expect((await due.due(Date.parse('2026-12-02T08:00:00.000Z'), 10)).map((r) => r.key)).toEqual(['q#2', 'q#1']);
    expect((await due.due(Date.parse('2026-12-02T10:00:00.000Z'), 2)).map((r) => r.key)).toEqual(['q#2', 'q#1']);
    await due.done(b);
    expect((await due.due(Date.parse('2026-12-02T10:00:00.000Z'), 10)).map((r) => r.key)).toEqual(['q#1', 'q#3']);
    // The profile id is an attribute of each due item, for the erasure.
    const items = await doc.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': DUE_PK } }));
    expect(items.Items?.map((i) => i.profileId)).toEqual(['p1', 'p1']);
  });
});
