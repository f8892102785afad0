/**
 * The right to erasure end to end on the local runtime. A person is seen
 * through the HTTP collector, the stream, a CSV import, a consent event and a
 * merge, lands in the lake, the quarantine, the bus, the import's rejects and
 * the curated export; then they are erased. Afterwards a byte-level search of
 * every local store (every DynamoDB item, every file under the data folder,
 * decompressed and decoded) finds none of their identifiers, their name or
 * their profile ids, the
 * receipt's counts match what was removed, other people are untouched, and
 * their later events are dropped on every ingest path.
 */
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { inflateDocument } from '../../lambda/unification/contracts/document-deflate';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { parquetReadObjects } from 'hyparquet';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerImportCommand } from '../../bin/commands/import';
import { decodeAuditLine } from '../../lambda/governance/contracts/audit';
import type { ErasureReceipt } from '../../lambda/governance/contracts/erasure';
import { ERASURE_STORES } from '../../lambda/governance/contracts/erasure';
import { SUPPRESSED_REASON } from '../../lambda/governance/contracts/suppression';
import type { LocalRuntime } from '../../lambda/local/runtime';
import { payloadOf, sendPayloads } from '../../lambda/local/send';
import type { Profile } from '../../lambda/unification/core/profile/profile';
import { allProfiles, getJson, streamEvents, testRuntime } from '../support/runtime';

const WRITE_KEY = 'erasure-e2e-web-key';
const DAY = 86_400_000;

/** The person erased: every value they are known by, as sent and normalised. */
const ALICE = {
  userId: 'u-alicetta-7731',
  anonymousId: 'anon-alicetta-web',
  mobileId: 'anon-alicetta-mobile',
  emailSent: 'Alicetta.Zephyrine@Example.COM',
  email: 'alicetta.zephyrine@example.com',
  phoneSent: '(415) 555-0142',
  phone: '+14155550142',
  firstName: 'Alicetta',
  lastName: 'Zephyrine',
};
const ALICE_NEEDLES = [
  ALICE.userId,
  ALICE.anonymousId,
  ALICE.mobileId,
  ALICE.emailSent,
  ALICE.email,
  ALICE.phoneSent,
  ALICE.phone,
  ALICE.phone.slice(1),
  ALICE.firstName,
  ALICE.lastName,
].map((s) => s.toLowerCase());

/** Someone else, who must come out of the erasure as they went in. */
const BRUNO = { userId: 'u-bruno-5511', email: 'bruno.quartzfeld@example.org', firstName: 'Bruno', lastName: 'Quartzfeld' };

/** Base64 runs long enough to hold a value (Firehose's rawData, on-failure records): searched decoded too. */
const BASE64_RUN = /[A-Za-z0-9+/]{16,}={0,2}/g;

/** Text to search in a file: decompressed, Parquet read back into values, base64 runs decoded. */
async function searchableText(path: string): Promise<string> {
  let bytes: Buffer = await readFile(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  let text: string;
  if (bytes.subarray(0, 4).toString('latin1') === 'PAR1') {
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const rows = await parquetReadObjects({ file: ab });
    text = JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } else text = bytes.toString('utf8');
  const decoded = [...text.matchAll(BASE64_RUN)].map((m) => Buffer.from(m[0], 'base64').toString('utf8'));
  return [text, ...decoded].join('\n').toLowerCase();
}

async function filesUnder(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true });
  const files: string[] = [];
  for (const n of names) if ((await stat(join(dir, n))).isFile()) files.push(join(dir, n));
  return files.sort();
}

/** Every item of the table, with binary attributes (deflated documents) inflated, as one searchable text each. */
async function tableItems(runtime: LocalRuntime): Promise<Array<{ key: string; text: string }>> {
  const out: Array<{ key: string; text: string }> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await runtime.doc.send(new ScanCommand({ TableName: runtime.tableName, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const text = JSON.stringify(item, (_k, v: unknown) => {
        if (v instanceof Uint8Array) {
          try {
            return inflateDocument(v);
          } catch {
            return Buffer.from(v).toString('utf8');
          }
        }
        return v;
      });
      out.push({ key: `${String(item.pk)}|${String(item.sk)}`, text: text.toLowerCase() });
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return out;
}

/** Her profile ids, once known: the bus and the curated tables name her by them. */
const profileNeedles: string[] = [];
const found = (text: string) => [...ALICE_NEEDLES, ...profileNeedles].filter((n) => text.includes(n));

async function rawLakeLines(runtime: LocalRuntime): Promise<number> {
  const files = await filesUnder(join(runtime.lakeDir, 'raw')).catch(() => [] as string[]);
  let n = 0;
  for (const f of files) n += gunzipSync(await readFile(f)).toString('utf8').split('\n').filter((l) => l.trim() !== '').length;
  return n;
}

describe('erasure: a person seen on every path is gone from every local store', () => {
  let runtime: LocalRuntime;
  let importDir: string;
  let receipt: ErasureReceipt;
  let itemsBefore: number;
  let rawLinesBefore: number;
  let othersBefore: Profile[];
  let aliceIds: string[];
  const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString();

  const collect = (type: string, body: object) =>
    fetch(`${runtime.apiUrl}/v1/${type}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
      body: JSON.stringify(body),
    });
  const stream = async (events: object[]) => {
    await sendPayloads(runtime.kinesis, runtime.streamName, events.map((e) => payloadOf(JSON.stringify(e))));
    await runtime.poller?.drain();
  };
  const importCsv = async (name: string, rows: string[]) => {
    const file = join(importDir, name);
    await writeFile(file, ['customer_id,email,first_name,last_name,updated_at', ...rows].join('\n') + '\n');
    const program = new Command().exitOverride();
    registerImportCommand(program, runtime.config);
    await program.parseAsync(['node', 'c360', 'import', file, '--source', 'crm']);
    await runtime.poller?.drain();
    return JSON.parse(await readFile(`${file}.report.json`, 'utf8')) as { sent: number; rejected: number; reasons: Record<string, number> };
  };

  beforeAll(async () => {
    runtime = await testRuntime({
      collection: {
        sources: {
          web: { localWriteKeys: [WRITE_KEY] },
          crm: {
            file: {
              type: 'identify',
              userId: 'customer_id',
              email: 'email',
              timestamp: 'updated_at',
              traits: { firstName: 'first_name', lastName: 'last_name' },
            },
          },
        },
      },
    });
    importDir = await mkdtemp(join(tmpdir(), 'c360-erasure-import-'));

    // The HTTP collector: both people identify on the web.
    expect((await collect('identify', { userId: ALICE.userId, anonymousId: ALICE.anonymousId, timestamp: at(10), traits: { email: ALICE.emailSent, phone: ALICE.phoneSent, firstName: ALICE.firstName, lastName: ALICE.lastName } })).status).toBe(200);
    expect((await collect('identify', { userId: BRUNO.userId, timestamp: at(10), traits: { email: BRUNO.email, firstName: BRUNO.firstName, lastName: BRUNO.lastName } })).status).toBe(200);
    expect((await collect('track', { userId: BRUNO.userId, event: 'Order Completed', timestamp: at(3), properties: { revenue: 700, orderId: 'o-b1' } })).status).toBe(200);
    await runtime.poller?.drain();

    // The stream: a mobile profile of hers, then one event joining it to her web profile (a merge),
    // an order (segments, the bus), a consent decision and an invalid event (the quarantine).
    await stream([{ type: 'track', event: 'App Opened', messageId: 'a-m1', anonymousId: ALICE.mobileId, timestamp: at(9) }]);
    await stream([
      { type: 'track', event: 'Product Viewed', messageId: 'a-m2', anonymousId: ALICE.mobileId, userId: ALICE.userId, timestamp: at(8) },
      { type: 'track', event: 'Order Completed', messageId: 'a-o1', userId: ALICE.userId, timestamp: at(2), properties: { revenue: 600, orderId: 'o-a1' } },
      { type: 'track', event: 'Segment Consent Preference Updated', messageId: 'a-c1', userId: ALICE.userId, timestamp: at(1), context: { consent: { categoryPreferences: { Marketing: true, Analytics: true } } } },
      { type: 'track', event: 'Broken', messageId: 'a-bad', userId: ALICE.userId, timestamp: 'not a date', context: { traits: { email: ALICE.email } } },
    ]);

    // A CRM file: her row, Bruno's, and a row of hers without an id (rejected into the rejects file).
    const report = await importCsv('contacts.csv', [
      `${ALICE.userId},${ALICE.emailSent},${ALICE.firstName},${ALICE.lastName},${at(5)}`,
      `${BRUNO.userId},${BRUNO.email},${BRUNO.firstName},${BRUNO.lastName},${at(5)}`,
      `,,${ALICE.firstName},${ALICE.lastName},${at(5)}`,
    ]);
    expect(report).toMatchObject({ sent: 2, rejected: 1 });

    await runtime.poller?.drain();
    await runtime.lakePoller?.drain();
    await runtime.exportProfiles();

    const profiles = await allProfiles(runtime);
    const live = profiles.find((p) => p.mergedInto === undefined && p.identifiers.userId?.includes(ALICE.userId));
    expect(live?.mergedFrom.length, 'her mobile profile was merged into her web profile').toBeGreaterThan(0);
    aliceIds = [live?.profileId as string, ...(live?.mergedFrom ?? [])];
    profileNeedles.push(...aliceIds.map((id) => id.toLowerCase()));
    othersBefore = profiles.filter((p) => !aliceIds.includes(p.profileId));
    expect(othersBefore.some((p) => p.identifiers.userId?.includes(BRUNO.userId))).toBe(true);
    expect(live?.segments, 'her order put her in segments (membership items, bus events)').toHaveProperty('highValue');

    // The search sees her before the erasure, in the table and in the files.
    const items = await tableItems(runtime);
    itemsBefore = items.length;
    expect(items.filter((i) => found(i.text).length > 0).length).toBeGreaterThan(3);
    const files = await filesUnder(runtime.dataDir);
    const withHer = [];
    for (const f of files) if (found(await searchableText(f)).length > 0) withHer.push(f);
    for (const zone of ['lake/raw', 'lake/quarantine', 'curated', 'bus']) expect(withHer.some((f) => f.includes(join(runtime.dataDir, zone))), zone).toBe(true);
    const rejects = await searchableText(join(importDir, 'contacts.csv.rejects.csv'));
    expect(found(rejects)).toContain(ALICE.lastName.toLowerCase());
    rawLinesBefore = await rawLakeLines(runtime);

    // The request names her by her email as sent: normalised as every path normalises it.
    const res = await fetch(`${runtime.apiUrl}/privacy/erasures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: { type: 'email', value: ` ${ALICE.emailSent} ` }, reason: 'ticket 4711' }),
    });
    expect(res.status).toBe(202);
    const { requestId } = (await res.json()) as { requestId: string };
    const got = await getJson(`${runtime.apiUrl}/privacy/erasures/${requestId}`);
    expect(got.status).toBe(200);
    receipt = got.body as unknown as ErasureReceipt;
  }, 120_000);
  afterAll(async () => runtime?.stop());

  it('completes, with a report for every store and no raw identifier on the receipt', () => {
    expect(receipt.status).toBe('complete');
    expect(receipt.stores.map((s) => s.store).sort()).toEqual([...ERASURE_STORES].sort());
    expect(receipt.profiles).toBe(aliceIds.length);
    expect(found(JSON.stringify(receipt).toLowerCase())).toEqual([]);
    expect(receipt.residuals.map((r) => r.where)).toContain('event stream (Kinesis)');
  });

  it('leaves none of her identifiers or her name in any table item', async () => {
    const leftovers = (await tableItems(runtime)).filter((i) => found(i.text).length > 0);
    expect(leftovers.map((i) => ({ key: i.key, found: found(i.text) }))).toEqual([]);
  });

  it('leaves none of her identifiers or her name in any file of the data folder, nor in the import report and rejects', async () => {
    const files = [...(await filesUnder(runtime.dataDir)), join(importDir, 'contacts.csv.report.json'), join(importDir, 'contacts.csv.rejects.csv')];
    const leftovers = [];
    for (const f of files) {
      const hits = found(await searchableText(f));
      if (hits.length > 0) leftovers.push({ file: f, hits });
    }
    expect(leftovers).toEqual([]);
  });

  it('reports the items it removed: the table count and the raw lake lines match the receipt', async () => {
    const itemsAfter = (await tableItems(runtime)).length;
    const profiles = receipt.stores.find((s) => s.store === 'profiles');
    expect(profiles?.status).toBe('erased');
    expect(profiles?.itemsAffected).toBe(itemsBefore - itemsAfter);
    const raw = receipt.stores.find((s) => s.store === 'raw-lake');
    expect(raw?.itemsAffected).toBe(rawLinesBefore - (await rawLakeLines(runtime)));
    expect(raw?.itemsAffected).toBeGreaterThan(0);
    for (const store of ['quarantine', 'landing', 'curated', 'segment-events']) {
      expect(receipt.stores.find((s) => s.store === store)?.status, store).toBe('erased');
    }
    for (const store of ['matching', 'query-results', 'redshift']) {
      expect(receipt.stores.find((s) => s.store === store)?.status, store).toBe('not-deployed');
    }
  });

  it('leaves other people exactly as they were', async () => {
    const after = (await allProfiles(runtime)).filter((p) => !aliceIds.includes(p.profileId));
    expect(after).toEqual(othersBefore);
    const bruno = await getJson(`${runtime.apiUrl}/profiles?email=${BRUNO.email}`);
    expect(bruno.status).toBe(200);
  });

  it('drops her later events on every ingest path, and counts them', async () => {
    const onStream = (await streamEvents(runtime)).length;
    const http = await collect('identify', { userId: ALICE.userId, traits: { email: ALICE.email, firstName: ALICE.firstName } });
    expect(http.status).toBe(200);
    expect(await http.json()).toMatchObject({ success: true, suppressed: 1, written: 0 });
    const batch = await fetch(`${runtime.apiUrl}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
      body: JSON.stringify({ batch: [{ type: 'track', event: 'X', anonymousId: ALICE.mobileId }, { type: 'track', event: 'Y', userId: BRUNO.userId }] }),
    });
    expect(await batch.json()).toMatchObject({ success: true, suppressed: 1, written: 1 });
    expect((await streamEvents(runtime)).length).toBe(onStream + 1);

    const before = runtime.totals.suppressed;
    await stream([
      { type: 'track', event: 'Z', messageId: 'a-after-1', userId: ALICE.userId, timestamp: at(0) },
      { type: 'identify', messageId: 'a-after-2', anonymousId: 'someone-new', traits: { phone: ALICE.phoneSent }, timestamp: at(0) },
    ]);
    expect(runtime.totals.suppressed - before).toBe(2);

    const report = await importCsv('again.csv', [`${ALICE.userId},${ALICE.email},${ALICE.firstName},${ALICE.lastName},${at(0)}`]);
    expect(report).toMatchObject({ sent: 0, rejected: 1, reasons: { [SUPPRESSED_REASON]: 1 } });
    expect(found(await readFile(join(importDir, 'again.csv.rejects.csv'), 'utf8').then((t) => t.toLowerCase()))).toEqual([]);

    for (const query of [`email=${ALICE.email}`, `userId=${ALICE.userId}`, `phone=${encodeURIComponent(ALICE.phone)}`, `anonymousId=${ALICE.mobileId}`]) {
      expect((await getJson(`${runtime.apiUrl}/profiles?${query}`)).status, query).toBe(404);
    }
  });

  it('lets her back in by the identifier taken off the suppression list (an audited request), and only by it', async () => {
    const res = await fetch(`${runtime.apiUrl}/privacy/suppressions`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: { type: 'email', value: ALICE.emailSent }, reason: 'signed up again' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ removed: 1 });
    const back = await collect('identify', { anonymousId: 'anon-new-device', traits: { email: ALICE.email } });
    expect(await back.json()).toMatchObject({ success: true, written: 1 });
    const stillOut = await collect('track', { userId: ALICE.userId, event: 'E' });
    expect(await stillOut.json()).toMatchObject({ suppressed: 1, written: 0 });

    const audit = [];
    for (const f of await filesUnder(runtime.auditDir)) for (const line of (await readFile(f, 'utf8')).split('\n')) if (line.trim()) audit.push(decodeAuditLine(line));
    const actions = audit.filter((a) => a.action.startsWith('erasure.') || a.action.startsWith('suppression.')).map((a) => a.action);
    expect(actions).toEqual(['erasure.request', 'suppression.add', 'erasure.complete', 'suppression.remove']);
    expect(audit.find((a) => a.action === 'erasure.complete')?.detail?.requestId).toBe(receipt.requestId);
  });
});
