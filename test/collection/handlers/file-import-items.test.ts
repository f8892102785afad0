import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { S3Event } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import { kinesisEventSink } from '../../../lambda/collection/adapters/kinesis-sink';
import { ITEMS_LANDING_PREFIX } from '../../../lambda/collection/contracts/landing';
import { createFileImport } from '../../../lambda/collection/handlers/file-import';
import { importSettings } from '../../../lambda/collection/usecases/import-file';

const s3 = mockClient(S3Client);
const kinesis = mockClient(KinesisClient);
const BUCKET = 'c360-landing-test';

function s3Event(keys: string[]): S3Event {
  return {
    Records: keys.map((key) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2026-11-02T12:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:EXAMPLE' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'req', 'x-amz-id-2': 'id2' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'landing',
        bucket: { name: BUCKET, ownerIdentity: { principalId: 'EXAMPLE' }, arn: `arn:aws:s3:::${BUCKET}` },
        object: { key, size: 100, eTag: 'etag', sequencer: '00' },
      },
    })),
  };
}

describe('file import handler and item catalog files', () => {
  beforeEach(() => {
    s3.reset();
    kinesis.reset();
  });

  it('leaves files under landing/items/ to the activation item import: not read, no events, no report, no error', async () => {
    const logged: Array<{ level: string; message: string; extra: unknown[] }> = [];
    const log = {
      info: (message: string, ...extra: unknown[]) => logged.push({ level: 'info', message, extra }),
      warn: (message: string, ...extra: unknown[]) => logged.push({ level: 'warn', message, extra }),
      error: (message: string, ...extra: unknown[]) => logged.push({ level: 'error', message, extra }),
    };
    const handler = createFileImport({
      s3: new S3Client({ region: 'us-east-1' }),
      events: kinesisEventSink(new KinesisClient({ region: 'us-east-1' }), 'c360-events', { baseDelayMs: 1, maxAttempts: 2 }),
      settings: importSettings(parseConfig({})),
      landingBucket: BUCKET,
      log,
    });
    const reports = await handler(s3Event([`${ITEMS_LANDING_PREFIX}catalog.csv`, `${ITEMS_LANDING_PREFIX}more/feed.jsonl`]));
    expect(reports).toEqual([]);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(0);
    expect(logged).toEqual([
      { level: 'info', message: 'item catalog: handled by the activation item import', extra: [{ file: 'landing/items/catalog.csv' }] },
      { level: 'info', message: 'item catalog: handled by the activation item import', extra: [{ file: 'landing/items/more/feed.jsonl' }] },
    ]);
  });

  it('still imports a source whose name only starts like items', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }));
    const handler = createFileImport({
      s3: new S3Client({ region: 'us-east-1' }),
      events: kinesisEventSink(new KinesisClient({ region: 'us-east-1' }), 'c360-events', { baseDelayMs: 1, maxAttempts: 2 }),
      settings: importSettings(parseConfig({})),
      landingBucket: BUCKET,
    });
    // landing/itemsfeed/ is another source: the import reads it (here the object is missing, so the read fails).
    await expect(handler(s3Event(['landing/itemsfeed/a.csv']))).rejects.toThrow('does not exist');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
  });
});
