import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'csv-parse/sync';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import { kinesisEventSink } from '../../../lambda/collection/adapters/kinesis-sink';
import type { ImportReport } from '../../../lambda/collection/core/import-report';
import { createFileImport, decodeS3Key } from '../../../lambda/collection/handlers/file-import';
import { ImportFailedError, importSettings } from '../../../lambda/collection/usecases/import-file';
import raw from '../../../c360.config';

const s3 = mockClient(S3Client);
const kinesis = mockClient(KinesisClient);
const BUCKET = 'c360-landing-test';
const settings = importSettings(parseConfig(raw));

function s3Event(key: string, { bucket = BUCKET, eventName = 'ObjectCreated:Put', versionId = 'v1' } = {}): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2026-11-02T12:00:00.000Z',
        eventName,
        userIdentity: { principalId: 'AWS:EXAMPLE' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'req', 'x-amz-id-2': 'id2' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'landing',
          bucket: { name: bucket, ownerIdentity: { principalId: 'EXAMPLE' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key, size: 100, eTag: 'etag', versionId, sequencer: '00' },
        },
      },
    ],
  };
}

/** The bucket behind the mock: GetObject streams the stored bytes; PutObject and multipart uploads store them. */
function fakeBucket(objects: Record<string, Buffer | string>) {
  const stored = new Map<string, Buffer>(Object.entries(objects).map(([k, v]) => [k, Buffer.from(v)]));
  const uploads = new Map<string, { key: string; parts: Map<number, Buffer> }>();
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = stored.get(input.Key);
    if (body === undefined) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    // Streamed in small chunks, as S3 sends it.
    const chunks = Array.from({ length: Math.ceil(body.length / 1024) }, (_, i) => body.subarray(i * 1024, (i + 1) * 1024));
    return { Body: Readable.from(chunks), LastModified: new Date('2026-11-01T00:00:00Z'), ContentLength: body.length } as unknown as GetObjectCommandOutput;
  });
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string | Buffer }) => {
    stored.set(input.Key, Buffer.from(input.Body));
    return {};
  });
  s3.on(CreateMultipartUploadCommand).callsFake((input: { Key: string }) => {
    const id = `upload-${uploads.size + 1}`;
    uploads.set(id, { key: input.Key, parts: new Map() });
    return { UploadId: id };
  });
  s3.on(UploadPartCommand).callsFake((input: { UploadId: string; PartNumber: number; Body: Buffer }) => {
    uploads.get(input.UploadId)?.parts.set(input.PartNumber, Buffer.from(input.Body));
    return { ETag: `etag-${input.PartNumber}` };
  });
  s3.on(CompleteMultipartUploadCommand).callsFake((input: { UploadId: string; MultipartUpload: { Parts: Array<{ PartNumber: number }> } }) => {
    const upload = uploads.get(input.UploadId);
    if (upload === undefined) throw new Error('NoSuchUpload');
    stored.set(upload.key, Buffer.concat(input.MultipartUpload.Parts.map((p) => upload.parts.get(p.PartNumber) as Buffer)));
    return {};
  });
  return stored;
}

/** A stream that takes everything. */
function fakeStream() {
  const events: Array<Record<string, any>> = [];
  kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
    for (const r of input.Records ?? []) events.push(JSON.parse(Buffer.from(r.Data as Uint8Array).toString()));
    return { FailedRecordCount: 0, Records: (input.Records ?? []).map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-0' })) };
  });
  return events;
}

const handler = (extra: Partial<Parameters<typeof createFileImport>[0]> = {}) =>
  createFileImport({
    s3: new S3Client({ region: 'us-east-1' }),
    events: kinesisEventSink(new KinesisClient({ region: 'us-east-1' }), 'c360-events', { baseDelayMs: 1, maxAttempts: 2 }),
    settings,
    landingBucket: BUCKET,
    clock: () => Date.parse('2026-11-02T12:00:00.000Z'),
    ...extra,
  });

const CSV = [
  'receipt_id,phone,purchased_at,total,store,sku',
  'R-1,503-905-1305,2026-10-05T18:00:00Z,129.90,Portland,SKU-1',
  'R-2,,2026-10-05T18:05:00Z,abc,Portland,SKU-2',
  'R-3,,2026-10-06,15,Salem,SKU-3',
].join('\n');

describe('file import handler (S3 notification → import)', () => {
  beforeEach(() => {
    s3.reset();
    kinesis.reset();
  });

  it('imports the object an event names, URL-encoded key included, and writes its report and rejects under reports/', async () => {
    const key = 'landing/pos/March export + 2026.csv';
    const stored = fakeBucket({ [key]: CSV });
    const events = fakeStream();

    // S3 event keys are URL-encoded, spaces as "+", a literal "+" as %2B.
    const reports = await handler()(s3Event('landing/pos/March+export+%2B+2026.csv'));

    const get = s3.commandCalls(GetObjectCommand)[0]?.args[0].input;
    expect(get).toEqual({ Bucket: BUCKET, Key: key, VersionId: 'v1' });
    expect(events.map((e) => [e.messageId, e.properties.total, e.context.source])).toEqual([
      ['pos:R-1', 129.9, 'pos'],
      ['pos:R-3', 15, 'pos'],
    ]);
    expect(kinesis.commandCalls(PutRecordsCommand)[0]?.args[0].input).toMatchObject({
      StreamName: 'c360-events',
      Records: [{ PartitionKey: 'R-1' }, { PartitionKey: 'R-3' }],
    });

    const report = JSON.parse(stored.get('reports/pos/March export + 2026.csv.report.json')?.toString() ?? 'null') as ImportReport;
    expect(report).toMatchObject({
      file: key,
      source: 'pos',
      status: 'completed',
      rowsRead: 3,
      sent: 2,
      rejected: 1,
      reasons: { 'column "total" is not a number': 1 },
      rejectsFile: `s3://${BUCKET}/reports/pos/March export + 2026.csv.rejects.csv`,
      reportFile: `s3://${BUCKET}/reports/pos/March export + 2026.csv.report.json`,
    });
    expect(reports).toEqual([report]);
    const rejects = parse(stored.get('reports/pos/March export + 2026.csv.rejects.csv') as Buffer, { columns: true });
    expect(rejects).toEqual([
      { receipt_id: 'R-2', phone: '', purchased_at: '2026-10-05T18:05:00Z', total: 'abc', store: 'Portland', sku: 'SKU-2', _line: '3', _reason: 'column "total" is not a number' },
    ]);
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.Key, p.ContentType])).toEqual([
      ['reports/pos/March export + 2026.csv.rejects.csv', 'text/csv'],
      ['reports/pos/March export + 2026.csv.report.json', 'application/json'],
    ]);
    // Nothing is written under landing/, so the import's own outputs start no import.
    expect(puts.every((p) => p.Key?.startsWith('reports/'))).toBe(true);
  });

  it('decodes keys as S3 notifications encode them', () => {
    expect(decodeS3Key('landing/crm/a+b%2Bc%20d.csv')).toBe('landing/crm/a b+c d.csv');
    expect(decodeS3Key('landing/crm/caf%C3%A9.csv')).toBe('landing/crm/café.csv');
  });

  it('streams a large rejects file to S3 as a multipart upload', async () => {
    // 30,000 rows without an identifier, about 6 MB of rejects: two 5 MiB parts.
    const filler = 'x'.repeat(150);
    const lines = ['receipt_id,phone,purchased_at,total,store,sku'];
    for (let i = 0; i < 30_000; i++) lines.push(`,,2026-10-05,1,${filler},SKU-${i}`);
    const key = 'landing/pos/bad.csv.gz';
    const stored = fakeBucket({ [key]: gzipSync(lines.join('\n')) });
    fakeStream();

    await handler({ partBytes: 5 * 1024 * 1024 })(s3Event(key));

    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      Bucket: BUCKET,
      Key: 'reports/pos/bad.csv.gz.rejects.csv',
      ContentType: 'text/csv',
    });
    expect(s3.commandCalls(UploadPartCommand).map((c) => c.args[0].input.PartNumber)).toEqual([1, 2]);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(1);
    const rejects = parse(stored.get('reports/pos/bad.csv.gz.rejects.csv') as Buffer, { columns: true }) as Array<Record<string, string>>;
    expect(rejects).toHaveLength(30_000);
    expect(rejects[29_999]).toMatchObject({ sku: 'SKU-29999', _line: '30001', _reason: 'missing identifier: column "receipt_id" is empty' });
    const report = JSON.parse(stored.get('reports/pos/bad.csv.gz.report.json')?.toString() ?? 'null') as ImportReport;
    expect(report).toMatchObject({ status: 'completed', rowsRead: 30_000, sent: 0, rejected: 30_000 });
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('writes a report rejecting the file of an unknown source', async () => {
    const stored = fakeBucket({ 'landing/erp/orders.jsonl': '{"id":1}\n' });
    fakeStream();
    const [report] = await handler()(s3Event('landing/erp/orders.jsonl'));
    expect(report).toMatchObject({ status: 'rejected', source: 'erp', rowsRead: 0 });
    expect(JSON.parse(stored.get('reports/erp/orders.jsonl.report.json')?.toString() ?? 'null')).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/^unknown source "erp"/),
    });
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('ignores other buckets, other event types and folder markers', async () => {
    fakeBucket({});
    fakeStream();
    const run = handler();
    expect(await run(s3Event('landing/crm/a.csv', { bucket: 'someone-else' }))).toEqual([]);
    expect(await run(s3Event('landing/crm/a.csv', { eventName: 'ObjectRemoved:Delete' }))).toEqual([]);
    expect(await run(s3Event('landing/crm/'))).toEqual([]);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('stops before the invocation times out, leaving a failed report that says so', async () => {
    const key = 'landing/pos/receipts.csv';
    const stored = fakeBucket({ [key]: CSV });
    const events = fakeStream();
    let remaining = 40_000;
    const context = { getRemainingTimeInMillis: () => (remaining -= 15_000) };
    const err = await handler({ batchSize: 1 })(s3Event(key), context).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportFailedError);
    const report = JSON.parse(stored.get('reports/pos/receipts.csv.report.json')?.toString() ?? 'null') as ImportReport;
    expect(report).toMatchObject({ status: 'failed', rowsRead: 1, sent: 1, unsent: 0 });
    expect(report.reason).toMatch(/^stopped before the time limit after 1 rows/);
    expect(events).toHaveLength(1);
  });

  it('fails the invocation when the stream keeps refusing records, after writing a failed report', async () => {
    const key = 'landing/pos/receipts.csv';
    const stored = fakeBucket({ [key]: CSV });
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: input.Records?.length ?? 0,
      Records: (input.Records ?? []).map(() => ({ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' })),
    }));
    const err = await handler()(s3Event(key)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportFailedError);
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(2);
    const report = JSON.parse(stored.get('reports/pos/receipts.csv.report.json')?.toString() ?? 'null') as ImportReport;
    expect(report).toMatchObject({ status: 'failed', rowsRead: 3, sent: 0, rejected: 1, unsent: 2 });
  });
});
