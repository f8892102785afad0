/**
 * The activation pillar's stores erased locally: the activation table in
 * dynalite (messages, interactions, deferred sends of the person's profiles,
 * contact suppressions of their addresses; everyone else's kept), the outbox
 * folder, and the audience exports folder, whose CSVs an export wrote and
 * the erasure rewrites without the person's hashed rows.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileAudienceSink } from '../../lambda/activation/adapters/file-audience-sink';
import { contactAddressHash, contactPk, DUE_PK, interactionPk, messagePk } from '../../lambda/activation/contracts/table';
import type { CustomerView } from '../../lambda/activation/ports';
import { exportAudience } from '../../lambda/activation/usecases/export-audience';
import { parseConfig } from '../../lambda/config';
import {
  ActivationTableEraser,
  audienceExportHashes,
  combinedEraser,
  contactKeys,
  dueProfile,
  localAudienceExportsEraser,
  localOutboxEraser,
} from '../../lambda/governance/adapters/activation-erasers';
import type { ErasureSubject } from '../../lambda/governance/contracts/erasure';
import { localActivationTable, type LocalActivationTable } from '../activation/exports/local-activation-table';

const NOW = Date.parse('2026-12-02T07:00:00.000Z');
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const OPTS = { pushTokenIdentifier: 'deviceToken', defaultPhoneRegion: 'US', clock: () => NOW };

const ana: ErasureSubject = {
  requestId: 'req-ana-0001',
  profileIds: ['p-ana', 'p-ana-app'],
  identifiers: [
    { type: 'deviceToken', value: 'tok-ana-1' },
    { type: 'email', value: 'ana@example.com' },
    { type: 'phone', value: '+14155550142' },
    { type: 'userId', value: 'u-ana' },
  ],
  values: ['Ana', 'Ana.Work@Example.com', 'Lopez'],
  hashes: ['h1'],
};

describe('contact keys and DUE keys', () => {
  it("are the contact suppressions' own hashes of each email, phone and device token", () => {
    const keys = contactKeys(ana, OPTS);
    expect(keys).toEqual(
      [
        contactPk('email', contactAddressHash('email', 'ana@example.com', 'US')),
        contactPk('email', contactAddressHash('email', 'Ana.Work@Example.com', 'US')),
        contactPk('sms', contactAddressHash('sms', '+14155550142', 'US')),
        contactPk('push', contactAddressHash('push', 'tok-ana-1', 'US')),
      ].sort(),
    );
  });

  it('name a deferred send by the profile after its due time, not a profile whose id only starts the same', () => {
    expect(dueProfile('2026-12-02T08:00:00.000Z#p-ana#winBack#2026-12-01', ['p-ana'])).toBe(true);
    expect(dueProfile('2026-12-02T08:00:00.000Z#p-anabel#winBack#2026-12-01', ['p-ana'])).toBe(false);
    expect(dueProfile('no-hash', ['no-hash'])).toBe(false);
  });
});

describe('ActivationTableEraser on dynalite', () => {
  let table: LocalActivationTable;
  beforeAll(async () => {
    table = await localActivationTable();
  }, 30_000);
  afterAll(async () => {
    await table?.close();
  });

  const put = async (items: Array<Record<string, unknown>>) => {
    for (let i = 0; i < items.length; i += 25) {
      await table.doc.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
  };
  const allKeys = async () => {
    const out = await table.doc.send(new ScanCommand({ TableName: table.tableName }));
    return (out.Items ?? []).map((i) => `${String(i.pk)}|${String(i.sk)}`).sort();
  };

  it("deletes the person's messages, interactions, deferred sends and contact suppressions, counts them, and keeps everyone else's", async () => {
    const messages = Array.from({ length: 30 }, (_, i) => ({ pk: messagePk('p-ana'), sk: `K#winBack#${String(i).padStart(3, '0')}`, profileId: 'p-ana' }));
    await put([
      ...messages,
      { pk: messagePk('p-ana-app'), sk: 'K#cartReminder#m1' },
      { pk: interactionPk('p-ana'), sk: '2026-11-01T00:00:00.000Z#sku-1#View' },
      { pk: interactionPk('p-ana-app'), sk: '2026-11-02T00:00:00.000Z#sku-2#Purchase' },
      { pk: DUE_PK, sk: '2026-12-02T08:00:00.000Z#p-ana#vipWelcome#o1' },
      { pk: DUE_PK, sk: '2026-12-02T08:00:00.000Z#p-bob#vipWelcome#o1' },
      { pk: contactPk('email', sha('ana@example.com')), sk: 'SUP', reason: 'bounced' },
      { pk: contactPk('sms', sha('+14155550142')), sk: 'SUP', reason: 'opted out' },
      { pk: messagePk('p-bob'), sk: 'K#winBack#o1' },
      { pk: interactionPk('p-bob'), sk: '2026-11-01T00:00:00.000Z#sku-1#View' },
      { pk: contactPk('email', sha('bob@example.com')), sk: 'SUP' },
      { pk: 'ITEM#sku-1', sk: 'ITEM' },
      { pk: 'STATE', sk: 'audience-export#vip', lastRunMs: 1 },
    ]);
    const report = await new ActivationTableEraser(table.doc, table.tableName, OPTS).erase(ana);
    expect(report).toEqual({
      store: 'activation',
      method: 'DeleteItem',
      status: 'erased',
      itemsAffected: 36,
      completedAt: new Date(NOW).toISOString(),
      message: 'messages 31, interactions 2, deferred sends 1, contact suppressions 2',
    });
    expect(await allKeys()).toEqual(
      [
        `${messagePk('p-bob')}|K#winBack#o1`,
        `${interactionPk('p-bob')}|2026-11-01T00:00:00.000Z#sku-1#View`,
        `${DUE_PK}|2026-12-02T08:00:00.000Z#p-bob#vipWelcome#o1`,
        `${contactPk('email', sha('bob@example.com'))}|SUP`,
        'ITEM#sku-1|ITEM',
        'STATE|audience-export#vip',
      ].sort(),
    );
    const again = await new ActivationTableEraser(table.doc, table.tableName, OPTS).erase(ana);
    expect(again).toMatchObject({ status: 'nothing-found', itemsAffected: 0 });
  });
});

describe('the local outbox and the activation store as one', () => {
  it("removes the person's outbox lines, deletes an emptied day file, and reports table and folder together", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'c360-outbox-'));
    const line = (o: object) => JSON.stringify(o) + '\n';
    await writeFile(join(dir, '2026-12-01.jsonl'), line({ id: 'm1', profileId: 'p-ana', to: 'a***@example.com' }) + line({ id: 'm2', profileId: 'p-bob', to: 'b***@example.com' }));
    await writeFile(join(dir, '2026-12-02.jsonl'), line({ id: 'm3', profileId: 'p-ana-app', record: { profileId: 'p-ana-app' } }));
    const table = { store: 'activation', erase: async () => ({ store: 'activation', method: 'DeleteItem', status: 'erased' as const, itemsAffected: 3, completedAt: 'x', message: 'messages 3' }) };
    const report = await combinedEraser('activation', [table, localOutboxEraser(dir, () => NOW)], () => NOW).erase(ana);
    expect(report).toMatchObject({ store: 'activation', method: 'DeleteItem + rewrite files', status: 'erased', itemsAffected: 5, objectsAffected: 2 });
    expect(report.message).toMatch(/^DeleteItem: messages 3; rewrite files: /);
    expect(await readdir(dir)).toEqual(['2026-12-01.jsonl']);
    expect(await readFile(join(dir, '2026-12-01.jsonl'), 'utf8')).toBe(line({ id: 'm2', profileId: 'p-bob', to: 'b***@example.com' }));
  });

  it('fails as a whole when one part fails', async () => {
    const ok = { store: 'activation', erase: async () => ({ store: 'activation', method: 'a', status: 'nothing-found' as const, itemsAffected: 0, completedAt: 'x' }) };
    const bad = { store: 'activation', erase: async () => ({ store: 'activation', method: 'b', status: 'failed' as const, itemsAffected: 0, completedAt: 'x', message: 'boom' }) };
    expect((await combinedEraser('activation', [ok, bad]).erase(ana)).status).toBe('failed');
  });
});

describe('audience exports, exported then erased locally', () => {
  const config = parseConfig({ activation: { audienceExports: { vip: { segment: 'highValue', formats: ['meta', 'google'] } } } });
  const view = (profileId: string, identifiers: Record<string, string[]>, traits: Record<string, unknown> = {}): CustomerView => ({
    profileId,
    identifiers,
    traits,
    computed: {},
    segments: {},
    consent: { advertising: 'granted' },
    scores: {},
    channels: {},
    enriched: {},
    createdAt: 'x',
    updatedAt: 'x',
    asOf: 'x',
  });
  const people = new Map([
    ['p-ana', view('p-ana', { email: ['ana@example.com'] }, { firstName: 'Ana', lastName: 'Lopez' })],
    ['p-ana-app', view('p-ana-app', { phone: ['+14155550142'] })],
    ['p-bob', view('p-bob', { email: ['bob@example.com'], phone: ['+14155550199'] }, { firstName: 'Ana' })],
  ]);

  async function exported(times: number[]) {
    const dir = await mkdtemp(join(tmpdir(), 'c360-exports-'));
    const sink = new FileAudienceSink(dir);
    for (const at of times) {
      await exportAudience('vip', {
        config,
        members: { members: async () => ({ profileIds: [...people.keys()] }) },
        views: { get: async (id) => people.get(id), ownerOf: async () => undefined },
        sink,
        clock: () => at,
      });
    }
    return dir;
  }

  it("hashes the person's emails and phones as every platform does", () => {
    const hashes = audienceExportHashes(ana, 'US');
    for (const h of [sha('ana@example.com'), sha('ana.work@example.com'), sha('+14155550142'), sha('14155550142')]) expect(hashes).toContain(h);
    expect(hashes).not.toContain(sha('ana'));
  });

  it("rewrites every CSV of every run without the person's rows, keeps other people's and every manifest", async () => {
    const dir = await exported([NOW - 86_400_000, NOW]);
    const csvs = async () => {
      const files = (await readdir(join(dir, 'audiences'), { recursive: true })).filter((f) => f.endsWith('.csv')).sort();
      return Promise.all(files.map(async (f) => [f, await readFile(join(dir, 'audiences', f), 'utf8')] as const));
    };
    const manifestsBefore = (await readdir(join(dir, 'audiences'), { recursive: true })).filter((f) => f.endsWith('.json')).sort();
    const before = await csvs();
    expect(before).toHaveLength(4);
    const report = await localAudienceExportsEraser(dir, 'US', () => NOW).erase(ana);
    // Ana's email row and her app profile's phone row, in two formats, in two runs.
    expect(report).toMatchObject({ store: 'audience-exports', status: 'erased', itemsAffected: 8, objectsAffected: 4 });
    for (const [name, body] of await csvs()) {
      const lines = body.trim().split('\n');
      expect(lines, name).toHaveLength(2);
      expect(body, name).toContain(sha('bob@example.com'));
      expect(body, name).not.toContain(sha('ana@example.com'));
      expect(body, name).not.toMatch(new RegExp(`${sha('+14155550142')}|${sha('14155550142')}`));
      // Bob shares Ana's first name: his row stays, name hash and all.
      expect(body, name).toContain(sha('ana'));
    }
    expect((await readdir(join(dir, 'audiences'), { recursive: true })).filter((f) => f.endsWith('.json')).sort()).toEqual(manifestsBefore);
  });

  it('finds nothing, and leaves the files as they are, for a person with no email or phone', async () => {
    const dir = await exported([NOW]);
    const before = await readFile(join(dir, 'audiences', 'vip', '20261202T070000000Z', 'meta.csv'), 'utf8');
    const report = await localAudienceExportsEraser(dir, 'US', () => NOW).erase({ ...ana, identifiers: [{ type: 'userId', value: 'u-ana' }], values: ['Ana'] });
    expect(report).toMatchObject({ status: 'nothing-found', itemsAffected: 0 });
    expect(report.message).toMatch(/no email or phone/);
    expect(await readFile(join(dir, 'audiences', 'vip', '20261202T070000000Z', 'meta.csv'), 'utf8')).toBe(before);
  });
});
