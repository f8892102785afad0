import { gzipSync } from 'node:zlib';
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import { kinesisEventSink } from '../../../lambda/collection/adapters/kinesis-sink';
import { ConfigWriteKeys, SecretsManagerWriteKeys } from '../../../lambda/collection/adapters/write-keys';
import type { WriteKeys } from '../../../lambda/collection/ports';
import { COLLECTOR_LIMITS, createCollector, type CollectorDeps, type CollectorObservation } from '../../../lambda/collection/handlers/collector';
import { httpApiEvent } from '../../../lambda/local/http-api-event';
import { ingestOptionsOf } from '../../../lambda/collection/usecases/collect';

const kinesis = mockClient(KinesisClient);
const secrets = mockClient(SecretsManagerClient);

const WEB_KEY = 'web-write-key-0001';
const APP_KEY = 'app-write-key-0001';
const config = parseConfig({
  collection: {
    sources: { web: { localWriteKeys: [WEB_KEY] }, app: { localWriteKeys: [APP_KEY] } },
    corsAllowedOrigins: ['https://shop.example.com'],
  },
});
const NOW = Date.UTC(2026, 10, 1, 12, 0, 0);
const SOURCE_IP = '203.0.113.77';

type Json = Record<string, unknown>;

function collector(overrides: Partial<CollectorDeps> = {}) {
  const observed: CollectorObservation[] = [];
  const handler = createCollector({
    writeKeys: new ConfigWriteKeys(config.collection.sources),
    events: kinesisEventSink(new KinesisClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), 'events', {
      baseDelayMs: 1,
      maxAttempts: 3,
    }),
    ingest: ingestOptionsOf(config),
    corsAllowedOrigins: config.collection.corsAllowedOrigins,
    now: () => NOW,
    observe: (o) => observed.push(o),
    ...overrides,
  });
  return { handler, observed };
}

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

interface RequestOptions {
  readonly method?: string;
  /** The write key sent as HTTP Basic; null sends no Authorization header. */
  readonly key?: string | null;
  readonly headers?: Record<string, string>;
  readonly gzip?: boolean;
  /** Send the body as API Gateway does for text: a plain string. */
  readonly text?: boolean;
}

/** An API Gateway HTTP API (payload 2.0) event, as API Gateway builds it. */
function request(path: string, body: unknown, opts: RequestOptions = {}): APIGatewayProxyEventV2 {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const key = opts.key === undefined ? WEB_KEY : opts.key;
  return httpApiEvent({
    method: opts.method ?? 'POST',
    path,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'test',
      ...(key === null ? {} : { authorization: basic(key) }),
      ...(opts.gzip ? { 'content-encoding': 'gzip' } : {}),
      ...opts.headers,
    },
    body: opts.gzip && !opts.text ? gzipSync(raw) : raw,
    sourceIp: SOURCE_IP,
    now: NOW,
    ...(opts.text ? { text: true } : {}),
  });
}

/** PutRecords accepting everything; the records of every call are kept. */
function acceptAll(): Array<Array<{ key: string; event: Json }>> {
  const calls: Array<Array<{ key: string; event: Json }>> = [];
  kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
    const records = (input.Records ?? []).map((r) => ({ key: r.PartitionKey as string, event: JSON.parse(Buffer.from(r.Data as Uint8Array).toString('utf8')) as Json }));
    calls.push(records);
    return { FailedRecordCount: 0, Records: records.map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-000000000000' })) };
  });
  return calls;
}

const bodyOf = (res: { body: string }) => JSON.parse(res.body) as Json;

const context = { userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15' };
const ENDPOINTS: Array<[string, Json, Json]> = [
  ['track', { event: 'Order Completed', properties: { revenue: 12.5, email: ' Ana@Example.COM ' } }, { event: 'Order Completed', properties: { revenue: 12.5, email: 'ana@example.com' } }],
  ['identify', { traits: { email: ' Ana@Example.COM ', phone: '(503) 555-0100', country: 'France' } }, { traits: { email: 'ana@example.com', phone: '+15035550100', country: 'FR' } }],
  ['page', { name: 'Home', properties: { path: '/' } }, { name: 'Home' }],
  ['screen', { name: 'Cart' }, { name: 'Cart' }],
  ['group', { groupId: 'acme', traits: { name: 'Acme' } }, { groupId: 'acme' }],
  ['alias', { userId: 'u-1', previousId: 'anon-1' }, { previousId: 'anon-1', userId: 'u-1' }],
];

describe('HTTP collector', () => {
  beforeEach(() => {
    kinesis.reset();
    secrets.reset();
  });

  describe('endpoints', () => {
    it.each(ENDPOINTS)('POST /v1/%s writes the normalised event, stamped with its source, to the stream', async (type, fields, expected) => {
      const calls = acceptAll();
      const { handler } = collector();
      const sent = { anonymousId: 'anon-1', messageId: `m-${type}`, timestamp: '2026-11-01T11:59:00Z', context, ...fields };
      const res = await handler(request(`/v1/${type}`, sent));
      expect(res.statusCode).toBe(200);
      expect(bodyOf(res)).toMatchObject({ success: true, accepted: 1, written: 1, notWritten: 0, messageId: `m-${type}` });
      expect(calls).toHaveLength(1);
      const record = calls[0]?.[0];
      expect(record?.key).toBe('anon-1');
      expect(kinesis.commandCalls(PutRecordsCommand)[0]?.args[0].input.StreamName).toBe('events');
      expect(record?.event).toMatchObject({
        ...expected,
        type,
        messageId: `m-${type}`,
        receivedAt: new Date(NOW).toISOString(),
        timestamp: '2026-11-01T11:59:00.000Z',
        context: {
          source: 'web',
          // The caller's address, truncated to its /24.
          ip: '203.0.113.0',
          browser: { name: 'Safari' },
          os: { name: 'Mac OS' },
        },
      });
    });

    it('takes the type from the path, whatever the body says, and adds a messageId when there is none', async () => {
      const calls = acceptAll();
      const res = await collector().handler(request('/v1/identify', { type: 'track', userId: 'u-1', traits: { plan: 'pro' } }));
      expect(res.statusCode).toBe(200);
      const event = calls[0]?.[0]?.event;
      expect(event?.type).toBe('identify');
      expect(event?.messageId).toMatch(/^[0-9a-f-]{36}$/);
      expect(bodyOf(res).messageId).toBe(event?.messageId);
      // No anonymousId: the userId is the partition key.
      expect(calls[0]?.[0]?.key).toBe('u-1');
    });

    it('stamps the source the write key belongs to', async () => {
      const calls = acceptAll();
      await collector().handler(request('/v1/track', { userId: 'u-1', event: 'Opened' }, { key: APP_KEY }));
      expect((calls[0]?.[0]?.event.context as Json).source).toBe('app');
    });

    it('POST /v1/batch writes every event in one PutRecords call, each with its own type, the batch sentAt correcting device clocks', async () => {
      const calls = acceptAll();
      // The device clock is 10 minutes behind: sentAt says 11:50 when the server receives at 12:00.
      const batch = {
        sentAt: '2026-11-01T11:50:00.000Z',
        context: { library: { name: 'analytics-node', version: '3.1.0' }, channel: 'server' },
        batch: [
          { type: 'identify', userId: 'u-1', messageId: 'b-1', timestamp: '2026-11-01T11:49:00.000Z', traits: { email: 'A@B.COM' } },
          { type: 'track', userId: 'u-1', messageId: 'b-2', timestamp: '2026-11-01T11:49:30.000Z', event: 'Signed Up', context: { channel: 'web' } },
          { type: 'page', anonymousId: 'anon-9', messageId: 'b-3', name: 'Pricing' },
        ],
      };
      const res = await collector().handler(request('/v1/batch', batch));
      expect(res.statusCode).toBe(200);
      expect(bodyOf(res)).toEqual({ success: true, accepted: 3, written: 3, notWritten: 0, rejected: [] });
      expect(calls).toHaveLength(1);
      const events = calls[0]?.map((r) => r.event) ?? [];
      expect(events.map((e) => e.type)).toEqual(['identify', 'track', 'page']);
      expect(events[0]).toMatchObject({
        traits: { email: 'a@b.com' },
        originalTimestamp: '2026-11-01T11:49:00.000Z',
        timestamp: '2026-11-01T11:59:00.000Z',
        context: { source: 'web', library: { name: 'analytics-node' }, channel: 'server' },
      });
      // The event's own context wins over the batch's.
      expect((events[1]?.context as Json).channel).toBe('web');
      expect(calls[0]?.map((r) => r.key)).toEqual(['u-1', 'u-1', 'anon-9']);
    });

    it("accepts analytics.js's requests: short paths, the write key in the body, text/plain, and never writes the key to the stream", async () => {
      const calls = acceptAll();
      const { handler } = collector();
      const res = await handler(
        request('/v1/t', { writeKey: WEB_KEY, event: 'Clicked', anonymousId: 'anon-2', messageId: 'ajs-1' }, { key: null, text: true, headers: { 'content-type': 'text/plain' } }),
      );
      expect(res.statusCode).toBe(200);
      const batched = await handler(request('/v1/b', { writeKey: WEB_KEY, batch: [{ type: 'page', anonymousId: 'anon-2', writeKey: WEB_KEY }] }, { key: null }));
      expect(bodyOf(batched)).toMatchObject({ accepted: 1 });
      expect(calls.flat().map((r) => r.event.type)).toEqual(['track', 'page']);
      expect(JSON.stringify(calls)).not.toContain(WEB_KEY);
    });
  });

  describe('authentication', () => {
    it.each([
      ['no Authorization header and no writeKey', { key: null }, /missing write key/],
      ['an unknown write key', { key: 'not-a-key-we-issued' }, /unknown write key/],
      ['a Bearer token', { key: null, headers: { authorization: 'Bearer abc' } }, /malformed Authorization/],
      ['a Basic header that is not base64', { key: null, headers: { authorization: 'Basic !!!' } }, /malformed Authorization/],
      ['a Basic header with an empty user name', { key: null, headers: { authorization: `Basic ${Buffer.from(':secret').toString('base64')}` } }, /malformed Authorization/],
    ] as Array<[string, RequestOptions, RegExp]>)('refuses %s with 401 and a JSON error, writing nothing', async (_name, opts, message) => {
      const calls = acceptAll();
      const { handler, observed } = collector();
      const res = await handler(request('/v1/track', { userId: 'u-1', event: 'E' }, opts));
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toBe('application/json');
      expect(bodyOf(res)).toMatchObject({ error: 'unauthorized', message: expect.stringMatching(message) });
      expect(calls).toHaveLength(0);
      expect(observed).toEqual([expect.objectContaining({ statusCode: 401, error: 'unauthorized' })]);
    });

    it('refuses an unknown key in the header before reading the body', async () => {
      const res = await collector().handler(request('/v1/track', '{not json', { key: 'unknown-key-123' }));
      expect(res.statusCode).toBe(401);
    });

    it('answers 503, so that SDKs retry, when the write keys cannot be read', async () => {
      const failing: WriteKeys = { sourceFor: async () => Promise.reject(new Error('AccessDenied')) };
      const res = await collector({ writeKeys: failing }).handler(request('/v1/track', { userId: 'u-1', event: 'E' }));
      expect(res.statusCode).toBe(503);
      expect(bodyOf(res)).toMatchObject({ error: 'unavailable' });
    });
  });

  describe('limits and malformed requests', () => {
    const padding = (bytes: number) => 'x'.repeat(bytes);

    it('refuses an event over 32 KB with 400 naming the limit', async () => {
      const calls = acceptAll();
      const res = await collector().handler(request('/v1/track', { userId: 'u-1', event: 'E', properties: { blob: padding(COLLECTOR_LIMITS.maxEventBytes) } }));
      expect(res.statusCode).toBe(400);
      expect(bodyOf(res)).toMatchObject({ error: 'request_too_large', limitBytes: 32 * 1024, message: expect.stringContaining('32 KB') });
      expect(calls).toHaveLength(0);
    });

    it('refuses a batch request over 500 KB with 400 naming the limit', async () => {
      const events = Array.from({ length: 20 }, (_, i) => ({ type: 'track', userId: `u-${i}`, event: 'E', properties: { blob: padding(30 * 1024) } }));
      const res = await collector().handler(request('/v1/batch', { batch: events }));
      expect(res.statusCode).toBe(400);
      expect(bodyOf(res)).toMatchObject({ error: 'request_too_large', limitBytes: 500 * 1024, message: expect.stringContaining('500 KB') });
    });

    it('stops inflating a gzip bomb at the limit: 400, not an out-of-memory', async () => {
      // 64 MB of zeros, about 64 KB compressed.
      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
      expect(bomb.length).toBeLessThan(COLLECTOR_LIMITS.maxBatchBytes);
      const event = request('/v1/batch', '', { gzip: true });
      const res = await collector().handler({ ...event, body: bomb.toString('base64') });
      expect(res.statusCode).toBe(400);
      expect(bodyOf(res)).toMatchObject({ error: 'request_too_large', message: expect.stringContaining('500 KB') });
    });

    it('refuses malformed JSON, a body that is not an object, and a batch without events with 400', async () => {
      const { handler } = collector();
      const broken = await handler(request('/v1/track', '{"userId": "u-1", "event": '));
      expect(broken.statusCode).toBe(400);
      expect(bodyOf(broken)).toMatchObject({ error: 'invalid_json' });
      expect((await handler(request('/v1/track', '[1, 2]'))).statusCode).toBe(400);
      const empty = await handler(request('/v1/batch', { batch: [] }));
      expect(empty.statusCode).toBe(400);
      expect(bodyOf(empty).message).toMatch(/non-empty "batch" array/);
    });

    it('refuses a body that is not valid gzip, and an encoding it does not know', async () => {
      const { handler } = collector();
      const notGzip = await handler(request('/v1/track', { userId: 'u-1', event: 'E' }, { headers: { 'content-encoding': 'gzip' } }));
      expect(notGzip.statusCode).toBe(400);
      const brotli = await handler(request('/v1/track', { userId: 'u-1', event: 'E' }, { headers: { 'content-encoding': 'br' } }));
      expect(brotli.statusCode).toBe(415);
    });

    it('refuses an invalid single event with 400 and the reason', async () => {
      const calls = acceptAll();
      const res = await collector().handler(request('/v1/track', { event: 'No identity', messageId: 'm-x' }));
      expect(res.statusCode).toBe(400);
      expect(bodyOf(res)).toEqual({ error: 'invalid_event', messageId: 'm-x', message: 'an event needs a userId or an anonymousId' });
      expect(calls).toHaveLength(0);
    });

    it('answers unknown paths with 404 and other methods with 405', async () => {
      const { handler } = collector();
      expect((await handler(request('/v1/purchase', {}))).statusCode).toBe(404);
      expect((await handler(request('/v2/track', {}))).statusCode).toBe(404);
      expect((await handler(request('/v1/track', {}, { method: 'GET' }))).statusCode).toBe(405);
    });
  });

  describe('partial batches', () => {
    it('accepts the valid events and reports each rejected one with its index, messageId and reason; the counts add up', async () => {
      const calls = acceptAll();
      const batch = [
        { type: 'track', userId: 'u-1', messageId: 'ok-1', event: 'A' },
        { type: 'track', messageId: 'bad-1', event: 'No identity' },
        { type: 'purchase', userId: 'u-1', messageId: 'bad-2' },
        { type: 'identify', userId: 'u-2', messageId: 'ok-2', traits: {} },
        'not an event',
        { type: 'track', userId: 'u-3', messageId: 'bad-3', event: 'Huge', properties: { blob: 'x'.repeat(COLLECTOR_LIMITS.maxEventBytes) } },
        { type: 'page', anonymousId: 'anon-1', messageId: 'bad-4', timestamp: 'yesterday' },
      ];
      const res = await collector().handler(request('/v1/batch', { batch }));
      expect(res.statusCode).toBe(200);
      const body = bodyOf(res) as { accepted: number; written: number; rejected: Array<{ index: number; messageId?: string; reason: string }> };
      expect(body.rejected).toEqual([
        { index: 1, messageId: 'bad-1', reason: 'an event needs a userId or an anonymousId' },
        { index: 2, messageId: 'bad-2', reason: expect.stringMatching(/^type must be one of track, identify/) },
        { index: 4, reason: 'an event must be a JSON object' },
        { index: 5, messageId: 'bad-3', reason: expect.stringMatching(/the limit is 32768 bytes \(32 KB\)/) },
        { index: 6, messageId: 'bad-4', reason: 'timestamp "yesterday" is not an ISO-8601 date' },
      ]);
      expect(body.accepted).toBe(2);
      expect(body.written).toBe(2);
      expect(body.accepted + body.rejected.length).toBe(batch.length);
      expect(calls.flat().map((r) => r.event.messageId)).toEqual(['ok-1', 'ok-2']);
    });

    it('answers 400 with every reason when no event of a batch is valid', async () => {
      const calls = acceptAll();
      const res = await collector().handler(request('/v1/batch', { batch: [{ type: 'track', event: 'x' }, { type: 'nope' }] }));
      expect(res.statusCode).toBe(400);
      expect(bodyOf(res)).toMatchObject({ error: 'invalid_events', accepted: 0, rejected: [{ index: 0 }, { index: 1 }] });
      expect(calls).toHaveLength(0);
    });
  });

  describe('compressed bodies', () => {
    it('inflates gzip (Content-Encoding: gzip) and deflate bodies', async () => {
      const calls = acceptAll();
      const { handler } = collector();
      const batch = { batch: Array.from({ length: 50 }, (_, i) => ({ type: 'track', userId: `u-${i}`, event: 'Viewed', properties: { i } })) };
      const gz = await handler(request('/v1/batch', batch, { gzip: true }));
      expect(gz.statusCode).toBe(200);
      expect(bodyOf(gz)).toMatchObject({ accepted: 50, written: 50 });
      const { deflateSync } = await import('node:zlib');
      const deflated = request('/v1/track', '', { headers: { 'content-encoding': 'deflate' } });
      const res = await handler({ ...deflated, body: deflateSync(JSON.stringify({ userId: 'u-1', event: 'D' })).toString('base64') });
      expect(res.statusCode).toBe(200);
      expect(calls.flat()).toHaveLength(51);
    });
  });

  describe('writing to the stream', () => {
    it('retries the entries PutRecords reports as failed, and succeeds', async () => {
      const calls: string[][] = [];
      kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
        const ids = (input.Records ?? []).map((r) => JSON.parse(Buffer.from(r.Data as Uint8Array).toString()).messageId as string);
        calls.push(ids);
        const failed = calls.length === 1 ? new Set([1]) : new Set<number>();
        return {
          FailedRecordCount: failed.size,
          Records: ids.map((_, i) => (failed.has(i) ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' } : { SequenceNumber: '1', ShardId: 's' })),
        };
      });
      const { handler, observed } = collector();
      const batch = ['a', 'b', 'c'].map((m) => ({ type: 'track', userId: 'u-1', event: 'E', messageId: m }));
      const res = await handler(request('/v1/batch', { batch }));
      expect(res.statusCode).toBe(200);
      expect(bodyOf(res)).toMatchObject({ accepted: 3, written: 3, notWritten: 0 });
      expect(calls).toEqual([['a', 'b', 'c'], ['b']]);
      expect(observed[0]?.outcome?.retried).toBe(1);
    });

    it('fails with 503 saying how many events were not written when entries keep failing', async () => {
      kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
        FailedRecordCount: 1,
        Records: (input.Records ?? []).map((_, i) => (i === 0 ? { ErrorCode: 'InternalFailure', ErrorMessage: 'boom' } : { SequenceNumber: '1', ShardId: 's' })),
      }));
      const batch = ['a', 'b', 'c'].map((m) => ({ type: 'track', userId: 'u-1', event: 'E', messageId: m }));
      const res = await collector().handler(request('/v1/batch', { batch }));
      expect(res.statusCode).toBe(503);
      // First call: "a" fails; retried alone, it keeps failing (3 attempts).
      expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(3);
      expect(bodyOf(res)).toMatchObject({
        error: 'not_written',
        accepted: 3,
        written: 2,
        notWritten: 1,
        message: expect.stringMatching(/^1 of 3 accepted events could not be written to the stream \(InternalFailure: boom\); retry the request/),
      });
    });

    it('fails with 503 when the stream refuses the whole call', async () => {
      kinesis.on(PutRecordsCommand).rejects(new Error('Stream events not found'));
      const res = await collector().handler(request('/v1/track', { userId: 'u-1', event: 'E' }));
      expect(res.statusCode).toBe(503);
      expect(bodyOf(res)).toMatchObject({ accepted: 1, written: 0, notWritten: 1, message: expect.stringContaining('Stream events not found') });
    });
  });

  describe('analytics.js settings', () => {
    const settings = (key: string, headers: Record<string, string>, method = 'GET') =>
      collector().handler(request(`/v1/projects/${encodeURIComponent(key)}/settings`, '', { method, key: null, headers }));

    it('points the "Segment.io" integration at this collector: host + /v1, the scheme API Gateway saw, the write key', async () => {
      const res = await settings(WEB_KEY, { host: 'abc123.execute-api.eu-west-1.amazonaws.com', 'x-forwarded-proto': 'https' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
      const body = bodyOf(res) as { integrations: Record<string, Json>; plan: Json; metrics: Json };
      // One integration only: analytics.js loads no device-mode destination from Segment's CDN.
      expect(Object.keys(body.integrations)).toEqual(['Segment.io']);
      expect(body.integrations['Segment.io']).toMatchObject({ apiKey: WEB_KEY, apiHost: 'abc123.execute-api.eu-west-1.amazonaws.com/v1', protocol: 'https' });
      expect(body.plan).toMatchObject({ track: { __default: { enabled: true } } });
      // analytics.js's own usage metrics would go to Segment: off.
      expect(body.metrics).toEqual({ sampleRate: 0 });
    });

    it('answers http for the local server (no X-Forwarded-Proto), keeping the port', async () => {
      const res = await settings(WEB_KEY, { host: '127.0.0.1:4000' });
      expect((bodyOf(res) as { integrations: Record<string, Json> }).integrations['Segment.io']).toMatchObject({ apiHost: '127.0.0.1:4000/v1', protocol: 'http' });
    });

    it('is per source: each write key gets its own settings, and the lookup is observed with its source', async () => {
      const { handler, observed } = collector();
      const res = await handler(request(`/v1/projects/${APP_KEY}/settings/`, '', { method: 'GET', key: null, headers: { host: 'c.example.com' } }));
      expect(res.statusCode).toBe(200);
      expect((bodyOf(res) as { integrations: Record<string, Json> }).integrations['Segment.io']?.apiKey).toBe(APP_KEY);
      expect(observed).toEqual([{ path: `/v1/projects/${APP_KEY}/settings/`, statusCode: 200, source: 'app' }]);
    });

    it('answers an unknown write key with 404 and the reason, writing nothing', async () => {
      const calls = acceptAll();
      const res = await settings('not-issued-key', { host: 'c.example.com' });
      expect(res.statusCode).toBe(404);
      expect(bodyOf(res)).toMatchObject({ error: 'unknown_write_key', message: expect.stringContaining('write key') });
      expect(calls).toHaveLength(0);
    });

    it('answers 503 when the write keys cannot be read, 405 to other methods, 400 without a usable Host', async () => {
      const broken: WriteKeys = { sourceFor: () => Promise.reject(new Error('secrets down')) };
      const down = await collector({ writeKeys: broken }).handler(request(`/v1/projects/${WEB_KEY}/settings`, '', { method: 'GET', key: null, headers: { host: 'c.example.com' } }));
      expect(down.statusCode).toBe(503);
      expect((await settings(WEB_KEY, { host: 'c.example.com' }, 'POST')).statusCode).toBe(405);
      expect((await settings(WEB_KEY, { host: 'evil.example/<script>' })).statusCode).toBe(400);
      expect((await settings(WEB_KEY, {})).statusCode).toBe(400);
    });
  });

  describe('RudderStack source config', () => {
    const sourceConfig = (query: string, opts: RequestOptions = {}) =>
      collector().handler(
        httpApiEvent({
          method: opts.method ?? 'GET',
          path: '/v1/sourceConfig/',
          query: new URLSearchParams(query),
          headers: { ...(opts.key ? { authorization: basic(opts.key) } : {}), ...opts.headers },
          body: Buffer.alloc(0),
          sourceIp: SOURCE_IP,
          now: NOW,
        }),
      );

    it('answers the source of the write key, valid for the SDK (source.id, source.config, destinations), with no device-mode destination and its reports off', async () => {
      const res = await sourceConfig(`p=npm&v=3.7.0&build=modern&writeKey=${APP_KEY}&lockIntegrationsVersion=false`, { headers: { origin: 'https://shop.example.com' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('https://shop.example.com');
      const body = bodyOf(res) as { source: { id: string; writeKey: string; enabled: boolean; config: Json; destinations: unknown[] } };
      expect(body.source).toMatchObject({ id: 'app', writeKey: APP_KEY, enabled: true, destinations: [] });
      expect(body.source.config).toEqual({ statsCollection: { errors: { enabled: false }, metrics: { enabled: false } } });
    });

    it('reads the write key from HTTP Basic too, and refuses an unknown or missing key with 401 and the reason', async () => {
      expect((bodyOf(await sourceConfig('p=npm', { key: WEB_KEY })) as { source: Json }).source.id).toBe('web');
      const unknown = await sourceConfig('writeKey=not-issued-key');
      expect(unknown.statusCode).toBe(401);
      expect(bodyOf(unknown)).toMatchObject({ error: 'unauthorized', message: 'unknown write key' });
      const missing = await sourceConfig('p=npm');
      expect(missing.statusCode).toBe(401);
      expect(bodyOf(missing).message).toMatch(/writeKey/);
      expect((await sourceConfig(`writeKey=${WEB_KEY}`, { method: 'POST' })).statusCode).toBe(405);
    });
  });

  describe('CORS', () => {
    it('answers a preflight from an allowed origin with the methods and headers a browser SDK needs', async () => {
      const res = await collector().handler(request('/v1/batch', '', { method: 'OPTIONS', key: null, headers: { origin: 'https://shop.example.com' } }));
      expect(res.statusCode).toBe(204);
      expect(res.headers).toMatchObject({
        'access-control-allow-origin': 'https://shop.example.com',
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        vary: 'origin',
      });
      // Compared case-insensitively by browsers: every header Segment's and RudderStack's browser SDKs send.
      const allowed = res.headers['access-control-allow-headers']?.split(',').map((h) => h.trim().toLowerCase());
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'content-encoding', 'x-retry-count', 'anonymousid']));
    });

    it('answers the preflight of a retried analytics.js request (X-Retry-Count) with the header allowed', async () => {
      const res = await collector().handler(
        request('/v1/t', '', {
          method: 'OPTIONS',
          key: null,
          headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-retry-count' },
        }),
      );
      expect(res.statusCode).toBe(204);
      const allowed = res.headers['access-control-allow-headers']?.split(',').map((h) => h.trim());
      for (const h of ['authorization', 'content-type', 'x-retry-count']) expect(allowed).toContain(h);
    });

    it('serves the analytics.js settings cross-origin', async () => {
      const res = await collector().handler(
        request(`/v1/projects/${WEB_KEY}/settings`, '', { method: 'GET', key: null, headers: { origin: 'https://shop.example.com', host: 'collect.example.com' } }),
      );
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    });

    it('does not allow other origins, and allows any with "*"', async () => {
      const other = await collector().handler(request('/v1/track', '', { method: 'OPTIONS', key: null, headers: { origin: 'https://evil.example' } }));
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const any = await collector({ corsAllowedOrigins: ['*'] }).handler(request('/v1/track', '', { method: 'OPTIONS', key: null, headers: { origin: 'https://a.example' } }));
      expect(any.headers['access-control-allow-origin']).toBe('*');
    });

    it('adds the allowed origin to every response, refusals included', async () => {
      acceptAll();
      const { handler } = collector();
      const origin = { origin: 'https://shop.example.com' };
      const ok = await handler(request('/v1/track', { userId: 'u-1', event: 'E' }, { headers: origin }));
      const refused = await handler(request('/v1/track', { userId: 'u-1', event: 'E' }, { key: 'unknown-key-123', headers: origin }));
      expect(ok.headers['access-control-allow-origin']).toBe('https://shop.example.com');
      expect(refused.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    });
  });
});

describe('write keys', () => {
  beforeEach(() => secrets.reset());

  it('maps the config keys to their sources and refuses a key listed under two sources', async () => {
    const keys = new ConfigWriteKeys(config.collection.sources);
    expect(await keys.sourceFor(WEB_KEY)).toBe('web');
    expect(await keys.sourceFor('nobody-issued-this')).toBeUndefined();
    expect(() => new ConfigWriteKeys(parseConfig({ collection: { sources: { a: { localWriteKeys: [WEB_KEY] }, b: { localWriteKeys: [WEB_KEY] } } } }).collection.sources)).toThrow(
      /listed under both "a" and "b"/,
    );
  });

  it('reads the secret once per TTL, shares one read between concurrent lookups, and skips invalid entries', async () => {
    let now = 0;
    let value = JSON.stringify({ 'key-web-1': 'web', 'key-bad': 'Not A Source', 'key-num': 3 });
    secrets.on(GetSecretValueCommand).callsFake(() => ({ SecretString: value }));
    const invalid: number[] = [];
    const keys = new SecretsManagerWriteKeys(new SecretsManagerClient({ region: 'us-east-1' }), 'arn:secret', {
      ttlMs: 300_000,
      now: () => now,
      onInvalidEntries: (n) => invalid.push(n),
    });
    expect(await Promise.all([keys.sourceFor('key-web-1'), keys.sourceFor('key-bad'), keys.sourceFor('nope')])).toEqual(['web', undefined, undefined]);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input.SecretId).toBe('arn:secret');
    expect(invalid).toEqual([2]);

    value = JSON.stringify({ 'key-app-1': 'app' });
    now = 299_999;
    expect(await keys.sourceFor('key-app-1')).toBeUndefined();
    now = 300_000;
    expect(await keys.sourceFor('key-app-1')).toBe('app');
    expect(await keys.sourceFor('key-web-1')).toBeUndefined();
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('keeps serving the keys it has when a refresh fails, and throws when it has none', async () => {
    let now = 0;
    secrets.on(GetSecretValueCommand).resolvesOnce({ SecretString: '{"key-web-1":"web"}' }).rejects(new Error('throttled'));
    const keys = new SecretsManagerWriteKeys(new SecretsManagerClient({ region: 'us-east-1' }), 'arn:secret', { now: () => now });
    expect(await keys.sourceFor('key-web-1')).toBe('web');
    now = 10 * 60_000;
    expect(await keys.sourceFor('key-web-1')).toBe('web');
    // No retry on every request after a failure.
    expect(await keys.sourceFor('key-web-1')).toBe('web');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);

    const empty = new SecretsManagerWriteKeys(new SecretsManagerClient({ region: 'us-east-1' }), 'arn:secret');
    await expect(empty.sourceFor('key-web-1')).rejects.toThrow(/throttled/);
  });

  it('refuses a secret that is not a JSON object', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '["key"]' });
    const keys = new SecretsManagerWriteKeys(new SecretsManagerClient({ region: 'us-east-1' }), 'arn:secret');
    await expect(keys.sourceFor('key')).rejects.toThrow(/must be a JSON object/);
  });
});
