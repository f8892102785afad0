import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import type { CatalogItem } from '../../../lambda/activation/contracts/recommendations';
import { createItemImport, importLocalItemFile } from '../../../lambda/activation/handlers/item-import';
import type { PersonalizeIngest } from '../../../lambda/activation/ports';
import { importItems, ItemImportFailedError, itemImportSettings, type ItemImportReport } from '../../../lambda/activation/usecases/import-items';
import { MemoryCatalog, MemoryDocuments } from './support';

const settings = itemImportSettings(parseConfig({}));
const FILE_TIME = Date.UTC(2026, 9, 30);

class RecordingIngest implements PersonalizeIngest {
  readonly items: CatalogItem[] = [];
  async putEvents(): Promise<void> {
    throw new Error('not used');
  }
  async putItems(items: readonly CatalogItem[]): Promise<void> {
    this.items.push(...items);
  }
}

const CSV = ['item_id,category,brand,price,colour', 'SKU-1,Footwear,Trail Co,129.00,red', ',Apparel,X,10', 'SKU-3,Apparel,Merino,not-a-price', 'SKU-4,Bags,,99'].join('\n');

async function run(key: string, body: string | Buffer, extra: { catalog?: MemoryCatalog; personalize?: PersonalizeIngest; batchSize?: number } = {}) {
  const catalog = extra.catalog ?? new MemoryCatalog();
  const reports = new MemoryDocuments();
  const report = await importItems(
    { key, body: Readable.from([Buffer.from(body)]), fileTime: FILE_TIME },
    { catalog, reports, settings, ...(extra.personalize ? { personalize: extra.personalize } : {}), ...(extra.batchSize ? { batchSize: extra.batchSize } : {}) },
  );
  return { report, catalog, reports };
}

describe('the item catalog import', () => {
  it('imports the CSV rows with an id and good numbers, and reports each rejected row with its line and reason', async () => {
    const ingest = new RecordingIngest();
    const { report, catalog, reports } = await run('landing/items/catalog.csv', CSV, { personalize: ingest });
    expect(report).toMatchObject({ status: 'completed', format: 'csv', rowsRead: 4, imported: 2, rejected: 2, unapplied: 0, personalizeItems: 2 });
    expect(report.rejectedRows).toEqual([
      { line: 3, reason: 'no item id: the item_id (or itemId) column is missing or empty' },
      { line: 4, reason: 'price must be a number; got "not-a-price"' },
    ]);
    // Only the configured attributes, typed; an unconfigured column (colour) is left out.
    expect(catalog.items.get('SKU-1')).toEqual({ itemId: 'SKU-1', attributes: { category: 'Footwear', brand: 'Trail Co', price: 129 }, updatedAt: new Date(FILE_TIME).toISOString() });
    expect(catalog.items.get('SKU-4')?.attributes).toEqual({ category: 'Bags', price: 99 });
    expect(ingest.items.map((i) => i.itemId)).toEqual(['SKU-1', 'SKU-4']);
    // The report is written next to the file, outside landing/.
    expect(report.reportFile).toBe('reports/items/catalog.csv.report.json');
    expect(await reports.get<ItemImportReport>('reports/items/catalog.csv.report.json')).toEqual(report);
  });

  it('imports JSON Lines, gzipped too, with itemId as the id column and bad lines rejected by line', async () => {
    const lines = ['{"itemId":"A","category":"Camping","price":"12.5"}', '', 'not json', '{"itemId":"B","price":true}', '{"item_id":7,"brand":"Acme"}'].join('\n');
    const { report, catalog } = await run('landing/items/feed.jsonl.gz', gzipSync(lines));
    expect(report).toMatchObject({ status: 'completed', format: 'jsonl', compressed: true, rowsRead: 4, imported: 2, rejected: 2 });
    expect(report.rejectedRows.map((r) => r.line)).toEqual([3, 4]);
    expect(report.rejectedRows[0]?.reason).toMatch(/^invalid JSON/);
    expect(report.rejectedRows[1]?.reason).toBe('price must be a number; got true');
    expect(catalog.items.get('A')?.attributes).toEqual({ category: 'Camping', price: 12.5 });
    expect(catalog.items.get('7')?.attributes).toEqual({ brand: 'Acme' });
  });

  it('applies the rows in batches and counts by reason', async () => {
    const rows = ['item_id,price', ...Array.from({ length: 25 }, (_, i) => (i % 5 === 0 ? `X${i},bad` : `X${i},${i}`))].join('\n');
    const { report, catalog } = await run('landing/items/many.csv', rows, { batchSize: 7 });
    expect(report).toMatchObject({ imported: 20, rejected: 5, reasons: { 'price must be a number; got "bad"': 5 } });
    expect(catalog.items.size).toBe(20);
  });

  it('rejects a file outside landing/items/ or of an unknown type as a whole, with the reason', async () => {
    expect((await run('landing/crm/items.csv', CSV)).report).toMatchObject({ status: 'rejected', reason: expect.stringContaining('landing/items/') });
    expect((await run('landing/items/items.xlsx', CSV)).report).toMatchObject({ status: 'rejected', reason: expect.stringContaining('unsupported file type') });
  });

  it('applies the rows before a CSV syntax error and reports where it stopped', async () => {
    const { report, catalog } = await run('landing/items/broken.csv', 'item_id,price\nA,1\n"B,2\nC,3\n');
    expect(report.status).toBe('failed');
    expect(report.reason).toMatch(/^CSV syntax error/);
    expect(catalog.items.has('A')).toBe(true);
  });

  it('writes a failed report and throws when the catalog write fails, so the invocation is retried', async () => {
    const catalog = new MemoryCatalog();
    catalog.put = async () => {
      throw new Error('table unavailable');
    };
    const reports = new MemoryDocuments();
    const error = await importItems({ key: 'landing/items/c.csv', body: Readable.from([Buffer.from(CSV)]), fileTime: FILE_TIME }, { catalog, reports, settings }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ItemImportFailedError);
    expect(await reports.get('reports/items/c.csv.report.json')).toMatchObject({ status: 'failed', reason: 'writing the items failed: table unavailable' });
  });
});

describe('the item import handlers', () => {
  const s3 = mockClient(S3Client);
  let dir: string;
  beforeEach(async () => {
    s3.reset();
    dir = await mkdtemp(join(tmpdir(), 'c360-items-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('imports the object an S3 "Object Created" event names and writes the report into the landing bucket', async () => {
    const stored = new Map<string, string>();
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      if (input.Key !== 'landing/items/new catalog.csv') throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
      return { Body: Readable.from([Buffer.from(CSV)]), LastModified: new Date(FILE_TIME) } as unknown as GetObjectCommandOutput;
    });
    s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => {
      stored.set(input.Key, input.Body);
      return {};
    });
    const catalog = new MemoryCatalog();
    const handler = createItemImport({ s3: new S3Client({ region: 'us-east-1' }), landingBucket: 'landing', catalog, settings });
    // EventBridge names the key as it is; a URL-encoded one (as S3 notifications send it) is read decoded.
    const report = await handler({ detail: { bucket: { name: 'landing' }, object: { key: 'landing/items/new catalog.csv' } } });
    expect(report).toMatchObject({ file: 'landing/items/new catalog.csv', status: 'completed', imported: 2, rejected: 2 });
    expect(JSON.parse(stored.get('reports/items/new catalog.csv.report.json') as string)).toMatchObject({ imported: 2 });
    expect(await handler({ detail: { bucket: { name: 'landing' }, object: { key: 'landing/items/new+catalog.csv' } } })).toMatchObject({ file: 'landing/items/new catalog.csv' });
    s3.resetHistory();
    // Other buckets and keys outside landing/items/ are not read.
    expect(await handler({ detail: { bucket: { name: 'other' }, object: { key: 'landing/items/x.csv' } } })).toBeUndefined();
    expect(await handler({ detail: { bucket: { name: 'landing' }, object: { key: 'landing/crm/x.csv' } } })).toBeUndefined();
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('imports a local file and writes the report under the folder holding landing/', async () => {
    await mkdir(join(dir, 'landing', 'items'), { recursive: true });
    const file = join(dir, 'landing', 'items', 'catalog.csv');
    await writeFile(file, CSV);
    const catalog = new MemoryCatalog();
    const report = await importLocalItemFile(file, { root: dir, catalog, settings });
    expect(report).toMatchObject({ file: 'landing/items/catalog.csv', imported: 2, rejected: 2 });
    const written = JSON.parse(await readFile(join(dir, 'reports', 'items', 'catalog.csv.report.json'), 'utf8')) as ItemImportReport;
    expect(written.rejectedRows).toHaveLength(2);
    // A file elsewhere is imported under landing/items/<its name>.
    const outside = join(dir, 'elsewhere.jsonl');
    await writeFile(outside, '{"item_id":"Z"}\n');
    expect((await importLocalItemFile(outside, { root: dir, catalog, settings })).file).toBe('landing/items/elsewhere.jsonl');
    expect(catalog.items.has('Z')).toBe(true);
  });
});
