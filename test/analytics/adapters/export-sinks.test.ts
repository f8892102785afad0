import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileExportSink } from '../../../lambda/analytics/adapters/file-export-sink';
import { S3ExportSink } from '../../../lambda/analytics/adapters/s3-export-sink';

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

const KEY = 'exports/profiles/export_id=20261201T220000Z/part-00.parquet';

describe('S3ExportSink', () => {
  it("puts each file under its key as Parquet, leaving encryption to the bucket's default key", async () => {
    s3.on(PutObjectCommand).resolves({});
    const body = new Uint8Array([80, 65, 82, 49]);
    await new S3ExportSink(new S3Client({ region: 'us-east-1' }), 'curated-bucket').put(KEY, body);
    const [call] = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(call).toEqual({ Bucket: 'curated-bucket', Key: KEY, Body: body, ContentType: 'application/vnd.apache.parquet' });
    expect(call).not.toHaveProperty('ServerSideEncryption');
    expect(call).not.toHaveProperty('SSEKMSKeyId');
  });

  it('surfaces a failed put', async () => {
    s3.on(PutObjectCommand).rejects(new Error('Access Denied'));
    await expect(new S3ExportSink(new S3Client({ region: 'us-east-1' }), 'b').put(KEY, new Uint8Array(1))).rejects.toThrow('Access Denied');
  });
});

describe('FileExportSink', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-sink-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('writes the file under its key, replacing an earlier one, and leaves no temporary file behind', async () => {
    const sink = new FileExportSink(dir);
    await sink.put(KEY, new Uint8Array([1, 2, 3]));
    await sink.put(KEY, new Uint8Array([4, 5]));
    expect([...(await readFile(join(dir, KEY)))]).toEqual([4, 5]);
    expect(await readdir(join(dir, 'exports/profiles/export_id=20261201T220000Z'))).toEqual(['part-00.parquet']);
  });

  it('refuses a key that leaves its folder', async () => {
    const sink = new FileExportSink(join(dir, 'inner'));
    await expect(sink.put('../outside.parquet', new Uint8Array(1))).rejects.toThrow(/leaves the export folder/);
    await expect(sink.put('exports/../../outside.parquet', new Uint8Array(1))).rejects.toThrow(/leaves the export folder/);
    await expect(sink.put('/etc/x.parquet', new Uint8Array(1))).rejects.toThrow(/leaves the export folder/);
    expect(await readdir(dir)).not.toContain('outside.parquet');
  });
});
