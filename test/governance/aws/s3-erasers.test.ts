import { gunzipSync, gzipSync } from 'node:zlib';
import { DeleteObjectsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parquetReadObjects } from 'hyparquet';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeParquet } from '../../../lambda/analytics/adapters/parquet-encoder';
import { IDENTITY_COLUMNS } from '../../../lambda/analytics/contracts/curated';
import { REWRITE_MARKER, S3FileEraser } from '../../../lambda/governance/adapters/s3-file-eraser';
import {
  curatedEraser,
  landingEraser,
  quarantineEraser,
  queryResultsEraser,
  rawLakeEraser,
  segmentEventsEraser,
} from '../../../lambda/governance/adapters/s3-store-erasers';
import type { ErasureSubject } from '../../../lambda/governance/contracts/erasure';
import { FakeS3 } from './fake-s3';

const s3mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'eu-west-1' });
const LAKE = 'lake';
const clock = () => Date.UTC(2026, 11, 2, 10);

const alice: ErasureSubject = {
  requestId: 'req-00000001',
  profileIds: ['p-alice'],
  identifiers: [
    { type: 'email', value: 'alice@example.com' },
    { type: 'userId', value: 'u-alice' },
  ],
  values: ['Alice', 'Liddell'],
  hashes: ['h1', 'h2'],
};

const jsonl = (...records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';
const gz = (text: string) => new Uint8Array(gzipSync(text));
const gunzipText = (b: Uint8Array) => gunzipSync(b).toString('utf8');

let fake: FakeS3;
beforeEach(() => {
  s3mock.reset();
  fake = new FakeS3({ pageSize: 2 });
  fake.install(s3mock);
});

describe('S3FileEraser', () => {
  it('rewrites only the objects that held the person, keeping gzip, content type and encoding, and counts records and objects', async () => {
    const key = 'raw/source=web/dt=2026-11-01/a.jsonl.gz';
    fake.put(LAKE, key, gz(jsonl({ userId: 'u-alice', n: 1 }, { userId: 'u-bob', n: 2 }, { traits: { email: 'ALICE@example.com' } })), {
      contentType: 'application/x-ndjson',
      contentEncoding: 'gzip',
    });
    const other = 'raw/source=web/dt=2026-11-01/b.jsonl.gz';
    fake.put(LAKE, other, gz(jsonl({ userId: 'u-bob' })));
    const otherVersion = fake.current(LAKE, other)?.versionId;

    const report = await rawLakeEraser(s3, LAKE, { clock }).erase(alice);

    expect(report).toMatchObject({ store: 'raw-lake', status: 'erased', itemsAffected: 2, objectsAffected: 1, completedAt: '2026-12-02T10:00:00.000Z' });
    const rewritten = fake.current(LAKE, key);
    expect(rewritten).toMatchObject({ contentType: 'application/x-ndjson', contentEncoding: 'gzip', metadata: { [REWRITE_MARKER]: alice.requestId } });
    expect(gunzipText(rewritten?.body as Uint8Array)).toBe('{"userId":"u-bob","n":2}\n');
    // The other object was not written again.
    expect(fake.versions(LAKE, other).map((v) => v.versionId)).toEqual([otherVersion]);
    expect(s3mock.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it("deletes the rewritten key's older versions, so no version keeps the person's bytes", async () => {
    const key = 'raw/source=web/dt=2026-11-01/a.jsonl.gz';
    fake.put(LAKE, key, gz(jsonl({ userId: 'u-alice', v: 'old' }, { userId: 'u-bob' })));
    fake.put(LAKE, key, gz(jsonl({ userId: 'u-alice', v: 'new' }, { userId: 'u-bob' })));

    await rawLakeEraser(s3, LAKE).erase(alice);

    const versions = fake.versions(LAKE, key);
    expect(versions).toHaveLength(1);
    expect(gunzipText(versions[0]?.body as Uint8Array)).toBe('{"userId":"u-bob"}\n');
  });

  it('deletes an older version that holds the person when the current object does not', async () => {
    const key = 'profiles/snapshot/part-00.csv';
    fake.put(LAKE, key, 'profile_id,email\np-alice,alice@example.com\np-bob,bob@example.com\n');
    const clean = fake.put(LAKE, key, 'profile_id,email\np-bob,bob@example.com\n');

    const report = await new S3FileEraser(s3, 'matching', [{ bucket: LAKE, prefix: 'profiles/snapshot/' }]).erase(alice);

    expect(fake.versions(LAKE, key).map((v) => v.versionId)).toEqual([clean]);
    expect(report).toMatchObject({ status: 'erased', itemsAffected: 0, objectsAffected: 1 });
    expect(s3mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('deletes an object left with no records, with every version', async () => {
    const key = 'quarantine/source=web/dt=2026-11-01/batch-1.jsonl';
    fake.put(LAKE, key, jsonl({ reason: 'bad', record: { userId: 'u-alice' } }));
    fake.put(LAKE, key, jsonl({ reason: 'bad', record: { userId: 'u-alice' } }, { reason: 'bad', record: { email: 'alice@example.com' } }));

    const report = await quarantineEraser(s3, LAKE).erase(alice);

    expect(fake.versions(LAKE, key)).toEqual([]);
    expect(report).toMatchObject({ status: 'erased', itemsAffected: 2, objectsAffected: 1 });
  });

  it("finds the person in Firehose's processing-failed output (base64 rawData, gzip)", async () => {
    const rawData = Buffer.from(JSON.stringify({ userId: 'u-alice', type: 'track' })).toString('base64');
    const key = 'quarantine/source=firehose/dt=2026-11-01/processing-failed-1.jsonl.gz';
    fake.put(LAKE, key, gz(jsonl({ errorCode: 'DynamicPartitioning.MetadataExtractionFailed', rawData }, { errorCode: 'x', rawData: Buffer.from('{"userId":"u-bob"}').toString('base64') })));

    const report = await quarantineEraser(s3, LAKE).erase(alice);

    expect(report.itemsAffected).toBe(1);
    expect(gunzipText(fake.current(LAKE, key)?.body as Uint8Array)).not.toContain(rawData);
  });

  it('reads every key when versions span listing pages', async () => {
    for (let i = 0; i < 4; i++) {
      fake.put(LAKE, `raw/k${i}.jsonl`, jsonl({ userId: 'u-alice', i }, { userId: 'u-bob', i }));
      fake.put(LAKE, `raw/k${i}.jsonl`, jsonl({ userId: 'u-alice', i, again: true }, { userId: 'u-bob', i }));
    }

    const report = await rawLakeEraser(s3, LAKE).erase(alice);

    expect(report).toMatchObject({ itemsAffected: 4, objectsAffected: 4 });
    expect(fake.allText(LAKE)).not.toContain('u-alice');
    for (let i = 0; i < 4; i++) expect(fake.versions(LAKE, `raw/k${i}.jsonl`)).toHaveLength(1);
  });

  it('reports nothing-found and writes nothing when no object holds the person', async () => {
    fake.put(LAKE, 'raw/a.jsonl', jsonl({ userId: 'u-bob' }));
    const report = await rawLakeEraser(s3, LAKE).erase(alice);
    expect(report).toMatchObject({ status: 'nothing-found', itemsAffected: 0, objectsAffected: 0 });
    expect(s3mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(s3mock.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });

  it('fails the report for an object it cannot read, and still erases the others', async () => {
    fake.put(LAKE, 'raw/broken.jsonl.gz', new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]));
    fake.put(LAKE, 'raw/ok.jsonl', jsonl({ userId: 'u-alice' }, { userId: 'u-bob' }));

    const report = await rawLakeEraser(s3, LAKE).erase(alice);

    expect(report).toMatchObject({ status: 'failed', itemsAffected: 1, objectsAffected: 1 });
    expect(report.message).toContain('1 objects could not be read');
    expect(fake.allText(LAKE)).not.toContain('u-alice');
  });

  it('keeps the rewritten object in a bucket without versioning', async () => {
    s3mock.reset();
    fake = new FakeS3({ unversioned: [LAKE] });
    fake.install(s3mock);
    fake.put(LAKE, 'raw/a.jsonl', jsonl({ userId: 'u-alice' }, { userId: 'u-bob' }));

    await rawLakeEraser(s3, LAKE).erase(alice);

    expect(new TextDecoder().decode(fake.current(LAKE, 'raw/a.jsonl')?.body)).toBe('{"userId":"u-bob"}\n');
  });
});

describe('the stores', () => {
  it('raw-lake touches raw/ only, quarantine quarantine/ only', async () => {
    fake.put(LAKE, 'raw/a.jsonl', jsonl({ userId: 'u-alice' }, { userId: 'u-bob' }));
    fake.put(LAKE, 'quarantine/b.jsonl', jsonl({ userId: 'u-alice' }, { userId: 'u-bob' }));

    await rawLakeEraser(s3, LAKE).erase(alice);
    expect(new TextDecoder().decode(fake.current(LAKE, 'quarantine/b.jsonl')?.body)).toContain('u-alice');

    await quarantineEraser(s3, LAKE).erase(alice);
    expect(fake.allText(LAKE)).not.toContain('u-alice');
  });

  it('landing erases batch files and their reports and rejected rows', async () => {
    const LANDING = 'landing-bucket';
    fake.put(LANDING, 'landing/crm/customers.csv', 'email,first_name\nalice@example.com,Alice\nbob@example.com,Bob\n', { contentType: 'text/csv' });
    fake.put(LANDING, 'reports/crm/customers.csv.rejects.csv', 'line,reason,email\n3,invalid phone,alice@example.com\n');
    fake.put(LANDING, 'reports/crm/customers.csv.report.json', JSON.stringify({ file: 'landing/crm/customers.csv', rowsRead: 3, warnings: ['Alice Liddell has no email'] }));

    const report = await landingEraser(s3, LANDING).erase(alice);

    expect(report).toMatchObject({ store: 'landing', status: 'erased', itemsAffected: 3, objectsAffected: 3 });
    expect(new TextDecoder().decode(fake.current(LANDING, 'landing/crm/customers.csv')?.body)).toBe('email,first_name\nbob@example.com,Bob\n');
    expect(fake.current(LANDING, 'reports/crm/customers.csv.rejects.csv')).toBeUndefined();
    expect(JSON.parse(new TextDecoder().decode(fake.current(LANDING, 'reports/crm/customers.csv.report.json')?.body))).toMatchObject({ rowsRead: 3, warnings: ['[erased]'] });
    expect(fake.allText(LANDING).toLowerCase()).not.toMatch(/alice@example\.com|liddell/);
  });

  it("curated rewrites the exports' Parquet without the person's rows", async () => {
    const CURATED = 'curated';
    const key = 'exports/identities/export_id=20261201T220000Z/part-00.parquet';
    fake.put(
      CURATED,
      key,
      encodeParquet(IDENTITY_COLUMNS, [
        { profile_id: 'p-alice', identifier_type: 'email', identifier_value: 'alice@example.com' },
        { profile_id: 'p-bob', identifier_type: 'email', identifier_value: 'bob@example.com' },
      ]),
      { contentType: 'application/vnd.apache.parquet' },
    );

    const report = await curatedEraser(s3, CURATED).erase(alice);

    expect(report).toMatchObject({ store: 'curated', itemsAffected: 1, objectsAffected: 1 });
    const body = fake.current(CURATED, key)?.body as Uint8Array;
    const rows = await parquetReadObjects({ file: body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer });
    expect(rows).toEqual([{ profile_id: 'p-bob', identifier_type: 'email', identifier_value: 'bob@example.com' }]);
    expect(fake.versions(CURATED, key)).toHaveLength(1);
  });

  it('segment-events covers the history and its delivery errors, and leaves the exports to curated', async () => {
    const CURATED = 'curated';
    fake.put(CURATED, 'segment_events/dt=2026-11-01/s-1.gz', gz(jsonl({ segment: 'vip', profileid: 'p-alice', change: 'entered' }, { segment: 'vip', profileid: 'p-bob', change: 'entered' })));
    fake.put(CURATED, 'errors/segment_events/processing-failed/dt=2026-11-01/e-1', jsonl({ rawData: Buffer.from('{"profileId":"p-alice"}').toString('base64') }));
    fake.put(CURATED, 'exports/profiles/export_id=1/part-00.csv', 'profile_id\np-alice\n');

    const report = await segmentEventsEraser(s3, CURATED).erase(alice);

    expect(report).toMatchObject({ store: 'segment-events', itemsAffected: 2, objectsAffected: 2 });
    expect(gunzipText(fake.current(CURATED, 'segment_events/dt=2026-11-01/s-1.gz')?.body as Uint8Array)).not.toContain('p-alice');
    expect(fake.current(CURATED, 'errors/segment_events/processing-failed/dt=2026-11-01/e-1')).toBeUndefined();
    expect(fake.current(CURATED, 'exports/profiles/export_id=1/part-00.csv')).toBeDefined();
  });

  it('query-results deletes every result object and version (they are caches)', async () => {
    const RESULTS = 'results';
    fake.put(RESULTS, 'athena/q1.csv', '"email"\n"bob@example.com"\n');
    fake.put(RESULTS, 'athena/q1.csv.metadata', 'x');
    fake.put(RESULTS, 'athena/q2.csv', 'a');
    fake.put(RESULTS, 'athena/q2.csv', 'b');
    fake.markDeleted(RESULTS, 'athena/q3.csv');

    const report = await queryResultsEraser(s3, RESULTS, { clock }).erase(alice);

    expect(fake.buckets.get(RESULTS)?.size).toBe(0);
    expect(report).toMatchObject({ store: 'query-results', method: 'delete objects', status: 'erased', objectsAffected: 3 });
    const again = await queryResultsEraser(s3, RESULTS).erase(alice);
    expect(again.status).toBe('nothing-found');
  });
});
