/**
 * Property-based fuzzing of the HTTP collector: whatever a client sends, the
 * request gets a 2xx or 4xx answer (never a crash or a 5xx), and every event
 * of a batch is either written to the stream or rejected with a reason.
 */
import { gzipSync } from 'node:zlib';
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/config';
import { kinesisEventSink } from '../../lambda/collection/adapters/kinesis-sink';
import { ConfigWriteKeys } from '../../lambda/collection/adapters/write-keys';
import { createCollector } from '../../lambda/collection/handlers/collector';
import { httpApiEvent } from '../../lambda/local/http-api-event';
import { ingestOptionsOf } from '../../lambda/collection/usecases/collect';

const KEY = 'fuzz-write-key-0001';
const config = parseConfig({ collection: { sources: { web: { localWriteKeys: [KEY] } } } });
const kinesis = mockClient(KinesisClient);
afterAll(() => kinesis.restore());
let written = 0;
kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
  const n = input.Records?.length ?? 0;
  written += n;
  return { FailedRecordCount: 0, Records: Array.from({ length: n }, (_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-000000000000' })) };
});

const collect = createCollector({
  writeKeys: new ConfigWriteKeys(config.collection.sources),
  events: kinesisEventSink(new KinesisClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), 'events', { baseDelayMs: 1, maxAttempts: 2 }),
  ingest: ingestOptionsOf(config),
  corsAllowedOrigins: ['*'],
});

function request(path: string, body: Buffer, gzip: boolean): APIGatewayProxyEventV2 {
  return httpApiEvent({
    method: 'POST',
    path,
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}`,
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    body: gzip ? gzipSync(body) : body,
    sourceIp: '198.51.100.1',
  });
}

const eventLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom('track', 'identify', 'page', 'screen', 'group', 'alias'), fc.string()),
    userId: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    anonymousId: fc.oneof(fc.uuid(), fc.string()),
    event: fc.oneof(fc.constant('Order Completed'), fc.string(), fc.integer()),
    timestamp: fc.oneof(fc.date({ noInvalidDate: true, min: new Date('2001-01-01') }).map((d) => d.toISOString()), fc.string()),
    traits: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.string()),
    context: fc.oneof(fc.record({ userAgent: fc.string(), ip: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()) }), fc.jsonValue()),
    previousId: fc.string(),
    groupId: fc.string(),
  },
  { requiredKeys: [] },
);

const validEvent = fc.record({
  type: fc.constantFrom('track', 'identify', 'page'),
  anonymousId: fc.uuid(),
  event: fc.constantFrom('Order Completed', 'Product Viewed'),
  properties: fc.record({ revenue: fc.double({ min: 0, max: 500, noNaN: true }) }),
  context: fc.record({ userAgent: fc.constantFrom('Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0', 'curl/8.0') }),
});

type Body = { kind: 'batch'; items: unknown[] } | { kind: 'other'; value: unknown };

describe('collector fuzzing', () => {
  it('answers every body with 2xx or 4xx, and accounts for every event of a batch', async () => {
    let batches = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 3, arbitrary: fc.array(fc.oneof(validEvent, eventLike), { maxLength: 20 }).map((items): Body => ({ kind: 'batch', items })) },
          { weight: 1, arbitrary: fc.oneof(fc.jsonValue(), fc.string(), fc.uint8Array({ maxLength: 300 })).map((value): Body => ({ kind: 'other', value })) },
        ),
        fc.constantFrom('/v1/batch', '/v1/track', '/v1/identify', '/v1/alias'),
        fc.boolean(),
        async (body, path, gzip) => {
          const payload = body.kind === 'batch' ? (path === '/v1/batch' ? { batch: body.items } : (body.items[0] ?? {})) : body.value;
          const bytes =
            payload instanceof Uint8Array ? Buffer.from(payload) : Buffer.from(typeof payload === 'string' ? payload : (JSON.stringify(payload) ?? 'null'));
          const before = written;
          const res = await collect(request(path, bytes, gzip));
          expect(res.statusCode, res.body).toBeLessThan(500);
          expect(res.statusCode === 200 || (res.statusCode >= 400 && res.statusCode < 500)).toBe(true);
          const answer = JSON.parse(res.body) as { accepted?: number; written?: number; rejected?: unknown[] };
          if (path === '/v1/batch' && body.kind === 'batch' && res.statusCode === 200) {
            batches++;
            expect((answer.accepted ?? 0) + (answer.rejected?.length ?? 0)).toBe(body.items.length);
          }
          if (res.statusCode === 200) expect(written - before).toBe(answer.written);
          else expect(written - before).toBe(0);
        },
      ),
      { numRuns: 400 },
    );
    expect(batches).toBeGreaterThan(20);
  });
});
