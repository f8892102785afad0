/**
 * Wire compatibility: RudderStack's Node SDK (@rudderstack/rudder-sdk-node),
 * its data plane URL the local runtime, sends a gzip-compressed batch of
 * identify, track and page in RudderStack's dialect (`originalTimestamp`,
 * `sentAt`, top-level `channel: "server"`) to the HTTP collector; the
 * profile API then shows one unified profile with the device's event times
 * and the channel.
 */
import Analytics from '@rudderstack/rudder-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../lambda/local/runtime';
import { getJson, testRuntime } from '../support/runtime';

const WRITE_KEY = 'e2e-rudder-write-key';
const USER = 'rs-user-1';
const VISITOR = 'rs-anon-1';
/** The device times the events carry (fixed, in the past: the collector corrects them by sentAt, the delivery delay). */
const SIGNED_UP = new Date('2026-03-04T10:00:00.000Z');
const ORDERED = new Date('2026-03-05T18:30:00.000Z');

/** How far the collector's clock-skew correction may move a device time: the delivery delay, well under a minute here. */
const DELIVERY_SLACK_MS = 60_000;

describe('RudderStack SDK (rudder-sdk-node) to the local runtime', () => {
  let runtime: LocalRuntime;
  const errors: unknown[] = [];

  beforeAll(async () => {
    runtime = await testRuntime({ collection: { sources: { backend: { localWriteKeys: [WRITE_KEY] } } } });
    const client = new Analytics(WRITE_KEY, {
      dataPlaneUrl: runtime.apiUrl,
      flushAt: 100,
      flushInterval: 60_000,
      retryCount: 0,
      logLevel: 'error',
      errorHandler: (err) => errors.push(err),
    });
    // RudderStack's device time is `originalTimestamp`: set it as the SDK does when it queues an event.
    const at = (originalTimestamp: Date) => ({ originalTimestamp }) as Record<string, unknown>;
    client.identify({ userId: USER, anonymousId: VISITOR, traits: { email: ' Rae.Stone@Example.com ', firstName: 'Rae', plan: 'team' }, ...at(SIGNED_UP) });
    client.track({ userId: USER, event: 'Order Completed', properties: { orderId: 'R-1', revenue: 19.99, currency: 'EUR' }, ...at(ORDERED) });
    client.page({ anonymousId: VISITOR, name: 'Pricing', properties: { path: '/pricing' }, ...at(SIGNED_UP) });
    await client.flush();
    await runtime.poller?.drain();
  }, 60_000);
  afterAll(async () => runtime?.stop());

  it('is accepted: no delivery error', () => {
    expect(errors).toEqual([]);
  });

  it('shows one unified profile: traits and every identifier joined', async () => {
    const res = await getJson(`${runtime.apiUrl}/profiles?userId=${USER}`);
    expect(res.status).toBe(200);
    const profile = res.body as { profileId: string; traits: Record<string, unknown>; identifiers: Record<string, string[]>; computed: Record<string, unknown> };
    expect(profile.traits).toMatchObject({ firstName: 'Rae', plan: 'team', email: 'rae.stone@example.com' });
    expect(profile.identifiers.userId).toEqual([USER]);
    expect(profile.identifiers.anonymousId).toEqual([VISITOR]);
    expect(profile.identifiers.email).toEqual(['rae.stone@example.com']);
    expect(profile.computed).toMatchObject({ eventCount: 3, orderCount: 1, totalRevenue: 19.99 });
    const byVisitor = await getJson(`${runtime.apiUrl}/profiles?anonymousId=${VISITOR}`);
    expect(byVisitor.body.profileId).toBe(profile.profileId);
  });

  it("dates the events by the device's originalTimestamp (corrected by sentAt), not by when they arrived", async () => {
    const { body } = await getJson(`${runtime.apiUrl}/profiles?userId=${USER}`);
    const computed = body.computed as { firstSeen: string; lastSeen: string };
    expect(Math.abs(Date.parse(computed.firstSeen) - SIGNED_UP.getTime())).toBeLessThan(DELIVERY_SLACK_MS);
    expect(Math.abs(Date.parse(computed.lastSeen) - ORDERED.getTime())).toBeLessThan(DELIVERY_SLACK_MS);
  });

  it('counts the events under the top-level channel RudderStack sends ("server")', async () => {
    const { body } = await getJson(`${runtime.apiUrl}/profiles?userId=${USER}`);
    expect(body.channels).toEqual({ server: 3 });
  });
});
