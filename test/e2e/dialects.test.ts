/**
 * Both dialects of the Segment spec, end to end on the local runtime: a
 * RudderStack-shaped identify (originalTimestamp and sentAt, no timestamp,
 * top-level channel, traits in context.traits) that arrives after a newer
 * one still loses to it, first/last seen are the event times, the top-level
 * channel is counted, and an event too far in the future is refused with the
 * reason where the sender sees it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../lambda/local/runtime';
import { getJson, quarantineEntries, streamEvents, testRuntime } from '../support/runtime';

const WRITE_KEY = 'e2e-rudder-write-key';
const USER = 'rs-user-1';
const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('Segment and RudderStack dialects on the local runtime', () => {
  let runtime: LocalRuntime;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${runtime.apiUrl}${path}`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  // Event times in the recent past; the device clock is an hour slow, which sentAt shows.
  const base = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const deviceNow = () => iso(Date.now() - HOUR);
  const rudder = (messageId: string, originalTimestamp: number, fields: Record<string, unknown>) => ({
    type: 'identify',
    messageId,
    rudderId: `rudder-${messageId}`,
    anonymousId: 'rs-anon-1',
    userId: USER,
    originalTimestamp: iso(originalTimestamp),
    context: { library: { name: 'RudderLabs JavaScript SDK', version: '3.0.0' } },
    ...fields,
  });
  const statuses: number[] = [];

  beforeAll(async () => {
    runtime = await testRuntime({ collection: { sources: { web: { localWriteKeys: [WRITE_KEY] } } } });
    // The newer identify arrives first...
    const first = await post('/v1/batch', {
      sentAt: deviceNow(),
      batch: [
        rudder('rs-new', base - 2 * DAY, { channel: 'mobile', context: { traits: { plan: 'gold', phone: '(415) 555-0112' } } }),
        { type: 'track', messageId: 'rs-track', userId: USER, event: 'Product Viewed', channel: 'web', originalTimestamp: iso(base - 5 * DAY) },
      ],
    });
    statuses.push(first.status);
    await runtime.poller?.drain();
    // ...the older one (queued offline on the device) after it.
    const second = await post('/v1/batch', {
      batch: [rudder('rs-old', base - 10 * DAY, { channel: 'web', sentAt: deviceNow(), context: { traits: { plan: 'silver', email: 'Rudy@Example.COM' } } })],
    });
    statuses.push(second.status);
    await runtime.poller?.drain();
  }, 60_000);
  afterAll(async () => runtime?.stop());

  it('stamps each event with the device time corrected by the sentAt skew, and the top-level channel as context.channel', async () => {
    expect(statuses).toEqual([200, 200]);
    const events = await streamEvents<Record<string, any>>(runtime);
    const byId = new Map(events.map((e) => [e.messageId as string, e]));
    for (const id of ['rs-new', 'rs-track', 'rs-old']) {
      const e = byId.get(id) as Record<string, any>;
      expect(e, id).toBeDefined();
      // Segment's formula: timestamp = receivedAt - (sentAt - originalTimestamp).
      expect(Date.parse(e.timestamp), id).toBe(Date.parse(e.receivedAt) - (Date.parse(e.sentAt) - Date.parse(e.originalTimestamp)));
      // An hour slow, so an hour later than the device said, and days before it arrived.
      expect(Date.parse(e.timestamp) - Date.parse(e.originalTimestamp), id).toBeGreaterThan(HOUR - 60_000);
      expect(Date.parse(e.receivedAt) - Date.parse(e.timestamp), id).toBeGreaterThan(DAY);
    }
    expect(byId.get('rs-new')?.context.channel).toBe('mobile');
    expect(byId.get('rs-track')?.context.channel).toBe('web');
    expect(byId.get('rs-old')?.context.channel).toBe('web');
    expect(byId.get('rs-old')?.rudderId).toBe('rudder-rs-old');
  });

  it('keeps the traits of the newer event, first/last seen at the event times, the channels counted and contact traits normalised', async () => {
    const events = new Map((await streamEvents<Record<string, any>>(runtime)).map((e) => [e.messageId as string, e]));
    const res = await getJson(`${runtime.apiUrl}/profiles?userId=${USER}`);
    expect(res.status).toBe(200);
    const profile = res.body as { traits: Record<string, unknown>; computed: Record<string, unknown>; channels: Record<string, number> };
    expect(profile.traits).toMatchObject({
      plan: 'gold',
      phone: '+14155550112',
      phoneRaw: '(415) 555-0112',
      email: 'rudy@example.com',
      emailRaw: 'Rudy@Example.COM',
    });
    expect(profile.computed).toMatchObject({
      eventCount: 3,
      firstSeen: events.get('rs-old')?.timestamp,
      lastSeen: events.get('rs-new')?.timestamp,
    });
    expect(profile.channels).toEqual({ web: 2, mobile: 1 });
    const byPhone = await getJson(`${runtime.apiUrl}/profiles?phone=${encodeURIComponent('(415) 555-0112')}`);
    expect(byPhone.status).toBe(200);
    const byRaw = await getJson(`${runtime.apiUrl}/profiles?phoneRaw=${encodeURIComponent('(415) 555-0112')}`);
    expect(byRaw.status).not.toBe(200);
  });

  it('refuses an event three days in the future: 400 for a single call, a per-event rejection in a batch, nothing quarantined', async () => {
    const future = iso(Date.now() + 3 * DAY);
    const single = await post('/v1/identify', { userId: 'rs-future', originalTimestamp: future, traits: { plan: 'x' } });
    expect(single.status).toBe(400);
    expect(single.body.message).toMatch(/is more than 24 hours in the future/);
    const batch = await post('/v1/batch', {
      batch: [
        { type: 'track', messageId: 'rs-ok', userId: 'rs-future', event: 'X', originalTimestamp: iso(Date.now() - HOUR) },
        { type: 'track', messageId: 'rs-ahead', userId: 'rs-future', event: 'X', timestamp: future },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.rejected).toEqual([{ index: 1, messageId: 'rs-ahead', reason: expect.stringMatching(/more than 24 hours in the future/) }]);
    await runtime.poller?.drain();
    expect(await quarantineEntries(runtime)).toEqual([]);
    const profile = await getJson(`${runtime.apiUrl}/profiles?userId=rs-future`);
    expect((profile.body.computed as Record<string, unknown>).eventCount).toBe(1);
  });
});
