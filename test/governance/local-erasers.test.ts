/**
 * The local erasers on plain data: the file eraser over a folder of lake,
 * quarantine, CSV and JSON files, the profile-table eraser against a mocked
 * DynamoDB (deletes per item kind, counts, other people's records), and the
 * local registry covering every store.
 */
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoProfileEraser, scrubProfile } from '../../lambda/governance/adapters/dynamodb-profile-eraser';
import { localErasers } from '../../lambda/governance/adapters/local-erasers';
import { LocalFileEraser } from '../../lambda/governance/adapters/local-file-eraser';
import { importOutputs, recordImportOutputs } from '../../lambda/governance/adapters/local-imports';
import { ERASURE_STORES, type ErasureSubject } from '../../lambda/governance/contracts/erasure';
import { encodeProfile } from '../../lambda/unification/contracts/profile-document';
import { emptyProfile, type Profile } from '../../lambda/unification/core/profile/profile';
import type { JournalEntry, ProfileStore } from '../../lambda/unification/ports';
import type { UnifyEvent } from '../../lambda/shared/events';

const NOW = Date.parse('2026-12-01T10:00:00.000Z');
const subject: ErasureSubject = {
  requestId: 'req-1',
  profileIds: ['p-ana', 'p-ana-app'],
  identifiers: [
    { type: 'email', value: 'ana@example.com' },
    { type: 'userId', value: 'u-ana' },
  ],
  values: ['Ana', 'Lopez'],
  hashes: ['h1', 'h2'],
};

describe('LocalFileEraser', () => {
  it("rewrites each file holding the person's records, deletes an emptied JSON lines file and leaves others' untouched", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'c360-erase-files-'));
    await mkdir(join(dir, 'raw', 'dt=2026-12-01'), { recursive: true });
    const mixed = join(dir, 'raw', 'dt=2026-12-01', 'a.jsonl.gz');
    const onlyHers = join(dir, 'raw', 'dt=2026-12-01', 'b.jsonl.gz');
    const others = join(dir, 'raw', 'dt=2026-12-01', 'c.jsonl.gz');
    const line = (o: object) => JSON.stringify(o) + '\n';
    await writeFile(mixed, gzipSync(line({ userId: 'u-ana', event: 'A' }) + line({ userId: 'u-bob', event: 'B' }) + line({ traits: { email: 'ANA@example.com' } })));
    await writeFile(onlyHers, gzipSync(line({ userId: 'u-ana' })));
    const othersBytes = gzipSync(line({ userId: 'u-bob' }) + line({ userId: 'u-anabel' }));
    await writeFile(others, othersBytes);
    const csv = join(dir, 'rejects.csv');
    await writeFile(csv, 'customer_id,first_name,last_name,reason\n,Ana,Lopez,missing identifier\n,Bob,Smith,missing identifier\n');

    const report = await new LocalFileEraser('raw-lake', { dirs: [join(dir, 'raw')], files: [csv], clock: () => NOW }).erase(subject);

    expect(report).toMatchObject({ store: 'raw-lake', status: 'erased', itemsAffected: 4, objectsAffected: 3, method: 'rewrite files' });
    expect(gunzipSync(await readFile(mixed)).toString()).toBe(line({ userId: 'u-bob', event: 'B' }));
    expect((await readdir(join(dir, 'raw', 'dt=2026-12-01'))).sort()).toEqual(['a.jsonl.gz', 'c.jsonl.gz']);
    expect(await readFile(others)).toEqual(othersBytes);
    expect(await readFile(csv, 'utf8')).toBe('customer_id,first_name,last_name,reason\n,Bob,Smith,missing identifier\n');
  });

  it('reports nothing-found when no file holds them, and copes with a folder that does not exist', async () => {
    const report = await new LocalFileEraser('curated', { dirs: [join(tmpdir(), 'c360-no-such-folder')], clock: () => NOW }).erase(subject);
    expect(report).toMatchObject({ status: 'nothing-found', itemsAffected: 0, objectsAffected: 0 });
  });

  it('finds files other processes recorded (the import outputs) wherever they are', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'c360-erase-imports-'));
    const elsewhere = await mkdtemp(join(tmpdir(), 'c360-import-out-'));
    const report = join(elsewhere, 'x.csv.report.json');
    await writeFile(report, JSON.stringify({ file: 'landing/crm/x.csv', note: 'row of ana@example.com', rowsRead: 3 }, null, 2) + '\n');
    await recordImportOutputs(dataDir, [report]);
    expect(await importOutputs(dataDir)).toEqual([report]);
    const out = await new LocalFileEraser('landing', { moreFiles: () => importOutputs(dataDir) }).erase(subject);
    expect(out.itemsAffected).toBe(1);
    const after = JSON.parse(await readFile(report, 'utf8')) as Record<string, unknown>;
    expect(after).toMatchObject({ file: 'landing/crm/x.csv', rowsRead: 3 });
    expect(JSON.stringify(after)).not.toMatch(/ana@/);
  });
});

describe('DynamoProfileEraser', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }));
  const profile = (id: string, patch: Partial<Profile> = {}): Profile => ({ ...emptyProfile(id, '2026-11-01T00:00:00.000Z'), ...patch });

  beforeEach(() => {
    ddb.reset();
    ddb.on(BatchWriteCommand).resolves({});
  });

  function table(items: Record<string, Array<Record<string, unknown>>>, existing: Set<string>) {
    ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => {
      const pk = input.ExpressionAttributeValues[':pk'] as string;
      const sk = input.ExpressionAttributeValues[':sk'];
      const rows = (items[pk] ?? []).filter((i) => sk === undefined || i.sk === sk);
      return { Items: rows };
    });
    ddb.on(DeleteCommand).callsFake((input: { Key: { pk: string; sk: string } }) => (existing.has(`${input.Key.pk}|${input.Key.sk}`) ? { Attributes: input.Key } : {}));
  }

  it("deletes every item of the person's partitions, identifier items and memberships, and counts what existed", async () => {
    table(
      {
        'P#p-ana': [
          { pk: 'P#p-ana', sk: 'P', doc: encodeProfile(profile('p-ana', { segments: { vip: '2026-11-02T00:00:00.000Z' } })) },
          { pk: 'P#p-ana', sk: 'J#0000000001#aa' },
          { pk: 'P#p-ana', sk: 'J#0000000002#bb' },
        ],
        'P#p-ana-app': [{ pk: 'P#p-ana-app', sk: 'P', doc: encodeProfile(profile('p-ana-app', { mergedInto: 'p-ana' })) }],
      },
      new Set(['ID#email#ana@example.com|ID', 'ID#userId#u-ana|ID', 'SEG#vip|p-ana']),
    );
    const report = await new DynamoProfileEraser(doc, 'profiles', { segments: ['highValue'], clock: () => NOW }).erase(subject);
    expect(report).toMatchObject({ store: 'profiles', method: 'DeleteItem', status: 'erased', itemsAffected: 7 });
    expect(report.message).toBe('profiles 2, journal entries 2, other items of their partitions 0, identifier index 2, segment memberships 1');
    const deleted = ddb.commandCalls(BatchWriteCommand).flatMap((c) => (c.args[0].input.RequestItems?.profiles ?? []).map((r) => `${String(r.DeleteRequest?.Key?.pk)}|${String(r.DeleteRequest?.Key?.sk)}`));
    expect(deleted.sort()).toEqual(['P#p-ana-app|P', 'P#p-ana|J#0000000001#aa', 'P#p-ana|J#0000000002#bb', 'P#p-ana|P']);
    const single = ddb.commandCalls(DeleteCommand).map((c) => `${String(c.args[0].input.Key?.pk)}|${String(c.args[0].input.Key?.sk)}`);
    // Configured segments and the segments the profile lists, for each of their profile ids.
    expect(single).toEqual(expect.arrayContaining(['SEG#highValue|p-ana', 'SEG#highValue|p-ana-app', 'SEG#vip|p-ana', 'SEG#vip|p-ana-app']));
  });

  it('finds nothing for someone unknown', async () => {
    table({}, new Set());
    const report = await new DynamoProfileEraser(doc, 'profiles', { segments: [], clock: () => NOW }).erase({ ...subject, profileIds: [] });
    expect(report).toMatchObject({ status: 'nothing-found', itemsAffected: 0 });
  });

  it("removes their events from the journal of a profile an unmerge split from them, and their identifiers from its records", async () => {
    const event = (messageId: string, value: string): UnifyEvent => ({ messageId, type: 'track', timestamp: '2026-11-01T00:00:00.000Z', ts: 0, identifiers: [{ type: 'email', value }], traits: {} });
    const merge = { at: 't', survivor: 'p-bob', merged: 'p-ana', rule: 'shared-identifier' as const, identifier: { type: 'email', value: 'ana@example.com' }, matchedWith: { type: 'email', value: 'bob@example.com' } };
    const bob = profile('p-bob', { version: 4, unmerges: [{ at: 't', from: 'p-bob', restored: 'p-ana', merge, events: { from: 1, restored: 1 } }] });
    table({ 'P#p-ana': [{ pk: 'P#p-ana', sk: 'P', doc: encodeProfile(profile('p-ana', { separatedFrom: ['p-bob'] })) }], 'P#p-bob': [{ pk: 'P#p-bob', sk: 'P', doc: encodeProfile(bob) }] }, new Set());
    const journal: JournalEntry[] = [
      { profileId: 'p-bob', key: 'J#1', at: 't', events: [event('e1', 'ana@example.com'), event('e2', 'bob@example.com')] },
      { profileId: 'p-bob', key: 'J#2', at: 't', events: [event('e3', 'ana@example.com')] },
      { profileId: 'p-bob', key: 'J#3', at: 't', events: [event('e4', 'bob@example.com')] },
      // A base taken after a merge that named her, and before one that did not.
      {
        profileId: 'p-bob',
        key: 'J#4',
        at: 't',
        events: [],
        base: profile('p-bob', {
          version: 2,
          merges: [merge],
          rejectedIdentifiers: [
            { type: 'email', value: 'ana@example.com', reason: 'limit', messageId: 'e1', at: 't' },
            { type: 'phone', value: '+15550100', reason: 'limit', messageId: 'e2', at: 't' },
          ],
        }),
      },
      { profileId: 'p-bob', key: 'J#5', at: 't', events: [], base: profile('p-bob', { version: 3 }) },
    ];
    const put: JournalEntry[] = [];
    const removed: string[] = [];
    const written: Profile[] = [];
    const others: Pick<ProfileStore, 'readJournal' | 'putJournal' | 'deleteJournal' | 'putProfiles'> = {
      readJournal: async () => journal,
      putJournal: async (e) => void put.push(...e),
      deleteJournal: async (e) => void removed.push(...e.map((x) => x.key)),
      putProfiles: async (w) => {
        written.push(...w.map((x) => x.profile));
        expect(w[0]?.expectedVersion).toBe(4);
        return [true];
      },
    };
    const report = await new DynamoProfileEraser(doc, 'profiles', { segments: [], others, clock: () => NOW }).erase({ ...subject, profileIds: ['p-ana'] });
    expect(put.map((e) => [e.key, e.events.map((x) => x.messageId)])).toEqual([['J#1', ['e2']], ['J#4', []]]);
    expect(removed).toEqual(['J#2']);
    const base = put[1]?.base;
    expect(base?.version).toBe(2);
    expect(base?.merges).toEqual([{ at: 't', survivor: 'p-bob', merged: 'p-ana', rule: 'shared-identifier', matchedWith: { type: 'email', value: 'bob@example.com' } }]);
    expect(base?.rejectedIdentifiers?.map((r) => r.value)).toEqual(['+15550100']);
    expect(written[0]?.unmerges?.[0]?.merge).toEqual({ at: 't', survivor: 'p-bob', merged: 'p-ana', rule: 'shared-identifier', matchedWith: { type: 'email', value: 'bob@example.com' } });
    expect(written[0]?.version).toBe(5);
    expect(report.message).toMatch(/4 items of 1 profiles split from them rewritten without them/);
  });

  it('leaves a profile without the person in its records as it is', () => {
    expect(scrubProfile(profile('p-x'), () => false)).toBeUndefined();
  });
});

describe('the local registry', () => {
  it('has one eraser per store of ERASURE_STORES, the ones absent locally reporting not-deployed', async () => {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    const dir = await mkdtemp(join(tmpdir(), 'c360-registry-'));
    const erasers = localErasers(
      {
        dataDir: dir,
        lakeDir: join(dir, 'lake'),
        onFailureDir: join(dir, 'on-failure'),
        curatedDir: join(dir, 'curated'),
        busDir: join(dir, 'bus'),
        outboxDir: join(dir, 'outbox'),
        exportsDir: join(dir, 'exports'),
      },
      { doc, tableName: 't', segments: [], activationTableName: 'a', pushTokenIdentifier: 'deviceToken', defaultPhoneRegion: 'US' },
    );
    expect(erasers.map((e) => e.store)).toEqual([...ERASURE_STORES]);
    const absent = await Promise.all(erasers.filter((e) => ['matching', 'query-results', 'redshift', 'personalize'].includes(e.store)).map((e) => e.erase(subject)));
    expect(absent.every((r) => r.status === 'not-deployed')).toBe(true);
    expect(absent.map((r) => r.store)).toEqual(['matching', 'query-results', 'redshift', 'personalize']);
  });
});
