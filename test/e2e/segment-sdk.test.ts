/**
 * Wire compatibility: the real Segment Node SDK (@segment/analytics-node),
 * pointed at the local runtime, sends identify, track, alias and batches of
 * calls to the HTTP collector; the profile API then shows one unified profile.
 */
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../lambda/local/runtime';
import { getJson, streamEvents, testRuntime } from '../support/runtime';

const WRITE_KEY = 'e2e-web-write-key';
const USER = 'user-e2e-1';
const VISITOR = 'anon-e2e-1';
const OTHER_DEVICE = 'anon-e2e-2';
/** The device time of the first event (fixed, in the past); the collector corrects it by sentAt, the delivery delay. */
const FIRST_VIEW = new Date('2026-02-03T04:05:06.000Z');
const DELIVERY_SLACK_MS = 60_000;

interface SentRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: { batch: Array<Record<string, unknown>>; writeKey?: string; sentAt?: string };
}

describe('Segment SDK (analytics-node) to the local runtime', () => {
  let runtime: LocalRuntime;
  const requests: SentRequest[] = [];
  const statuses: number[] = [];
  const errors: unknown[] = [];

  beforeAll(async () => {
    runtime = await testRuntime({ collection: { sources: { web: { localWriteKeys: [WRITE_KEY] } } } });
    const analytics = new Analytics({ writeKey: WRITE_KEY, host: runtime.apiUrl, flushAt: 10, flushInterval: 60_000, maxRetries: 0 });
    analytics.on('http_request', (req) => requests.push({ url: req.url, headers: req.headers, body: JSON.parse(req.body) as SentRequest['body'] }));
    analytics.on('http_response', (res) => statuses.push(res.status));
    analytics.on('error', (err) => errors.push(err));

    // 1. An anonymous visitor browses; 2. signs up (identify links the visitor to the user);
    // 3. then, in one batch: an order, a page, activity on another device and the alias that joins it.
    analytics.track({ anonymousId: VISITOR, event: 'Product Viewed', properties: { sku: 'SKU-1' }, context: { channel: 'web' }, timestamp: FIRST_VIEW });
    await analytics.flush();
    analytics.identify({
      userId: USER,
      anonymousId: VISITOR,
      traits: { email: '  Dana.Lee@Example.COM ', firstName: 'Dana', plan: 'pro' },
      context: { channel: 'web', userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1' },
    });
    await analytics.flush();
    analytics.track({ userId: USER, event: 'Order Completed', properties: { orderId: 'W-1', revenue: 42.5, currency: 'USD' } });
    analytics.page({ userId: USER, name: 'Thank You', properties: { path: '/thanks' } });
    analytics.screen({ anonymousId: OTHER_DEVICE, name: 'Home', context: { channel: 'mobile' } });
    analytics.alias({ userId: USER, previousId: OTHER_DEVICE });
    analytics.track({ userId: USER, event: 'Review Written', properties: { stars: 5 } });
    await analytics.closeAndFlush();
    await runtime.poller?.drain();
  }, 60_000);
  afterAll(async () => runtime?.stop());

  it('is accepted: three requests to /v1/batch, HTTP Basic with the write key, uncompressed JSON, all 200', () => {
    expect(errors).toEqual([]);
    expect(statuses).toEqual([200, 200, 200]);
    expect(requests.map((r) => new URL(r.url).pathname)).toEqual(['/v1/batch', '/v1/batch', '/v1/batch']);
    for (const r of requests) {
      expect(r.headers.Authorization).toBe(`Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`);
      expect(r.headers['Content-Type']).toBe('application/json');
      expect(r.headers['Content-Encoding']).toBeUndefined();
      // analytics-node also puts the key and the send time at the top of the body.
      expect(r.body.writeKey).toBe(WRITE_KEY);
      expect(typeof r.body.sentAt).toBe('string');
    }
    expect(requests.map((r) => r.body.batch.length)).toEqual([1, 1, 5]);
  });

  it('writes every call to the stream, normalised and stamped with the write key’s source, and never the key', async () => {
    const events = await streamEvents(runtime);
    expect(events).toHaveLength(7);
    expect(events.map((e) => e.type).sort()).toEqual(['alias', 'identify', 'page', 'screen', 'track', 'track', 'track']);
    for (const e of events) {
      expect(e.context).toMatchObject({ source: 'web', library: { name: '@segment/analytics-node' }, ip: '127.0.0.0' });
      expect(typeof e.receivedAt).toBe('string');
      expect(e.writeKey).toBeUndefined();
    }
    const identify = events.find((e) => e.type === 'identify');
    expect(identify?.traits).toMatchObject({ email: 'dana.lee@example.com' });
    expect(identify?.context).toMatchObject({ os: { name: 'iOS' }, device: { type: 'mobile' } });
    expect(JSON.stringify(events)).not.toContain(WRITE_KEY);
  });

  it('shows one unified profile: traits, computed counts, and every identifier joined', async () => {
    const byUser = await getJson(`${runtime.apiUrl}/profiles?userId=${USER}`);
    expect(byUser.status).toBe(200);
    const profile = byUser.body as {
      profileId: string;
      traits: Record<string, unknown>;
      identifiers: Record<string, string[]>;
      computed: Record<string, unknown>;
      channels: Record<string, number>;
    };
    expect(profile.traits).toMatchObject({ firstName: 'Dana', plan: 'pro', email: 'dana.lee@example.com' });
    expect(profile.identifiers.userId).toEqual([USER]);
    expect(profile.identifiers.email).toEqual(['dana.lee@example.com']);
    expect([...(profile.identifiers.anonymousId ?? [])].sort()).toEqual([VISITOR, OTHER_DEVICE]);
    expect(profile.computed).toMatchObject({ eventCount: 7, orderCount: 1, totalRevenue: 42.5 });
    expect(profile.channels).toMatchObject({ web: 2, mobile: 1 });
    // Dated by the device time the SDK sent (timestamp), not by when the event arrived.
    expect(Math.abs(Date.parse(profile.computed.firstSeen as string) - FIRST_VIEW.getTime())).toBeLessThan(DELIVERY_SLACK_MS);

    for (const query of [`email=${encodeURIComponent('DANA.LEE@example.com')}`, `anonymousId=${VISITOR}`, `anonymousId=${OTHER_DEVICE}`]) {
      const other = await getJson(`${runtime.apiUrl}/profiles?${query}`);
      expect(other.body.profileId, query).toBe(profile.profileId);
    }
  });

  it('keeps the device time as originalTimestamp on the stream', async () => {
    const viewed = (await streamEvents(runtime)).find((e) => e.event === 'Product Viewed');
    expect(viewed?.originalTimestamp).toBe(FIRST_VIEW.toISOString());
  });

  it('answers GET /health on the runtime port with 200 {status: "ok"}', async () => {
    const res = await getJson(`${runtime.apiUrl}/health`);
    expect(res).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('refuses a client with an unknown write key (the SDK reports the delivery failure)', async () => {
    const failures: unknown[] = [];
    const stranger = new Analytics({ writeKey: 'not-issued-key', host: runtime.apiUrl, flushAt: 1, maxRetries: 0 });
    const statusesSeen: number[] = [];
    stranger.on('http_response', (res) => statusesSeen.push(res.status));
    stranger.on('error', (err) => failures.push(err));
    stranger.track({ userId: 'intruder', event: 'Nope' });
    await stranger.closeAndFlush();
    expect(statusesSeen).toEqual([401]);
    expect(failures).toHaveLength(1);
    await runtime.poller?.drain();
    expect((await getJson(`${runtime.apiUrl}/profiles?userId=intruder`)).status).toBe(404);
  });
});
