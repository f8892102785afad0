/**
 * The collector's ingest reads Segment's and RudderStack's dialects of the
 * spec alike: event time with the same clock-skew correction, the top-level
 * channel, mobile SDK context, future events refused, contact traits
 * normalised with the value as sent kept.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ingestEvent, type IngestContext } from '../../../lambda/collection/core/ingest';
import { userAgentContext } from '../../../lambda/collection/core/user-agent';
import { LIMITS } from '../../../lambda/shared/events';

const receivedAt = Date.parse('2026-11-01T08:00:00.000Z');
const ctx: IngestContext = {
  source: 'web',
  receivedAt,
  options: { defaultPhoneRegion: 'US', parseUserAgent: true, truncateIp: true },
  newMessageId: randomUUID,
  userAgent: userAgentContext,
};

const ingest = (raw: unknown) => {
  const r = ingestEvent(raw, ctx);
  if (!r.ok) throw new Error(r.reason);
  return r.event as Record<string, any>;
};
const reasonOf = (raw: unknown) => {
  const r = ingestEvent(raw, ctx);
  return r.ok ? 'accepted' : r.reason;
};

/** What the RudderStack JavaScript SDK sends for an identify (no `timestamp`). */
const rudderIdentify = {
  type: 'identify',
  messageId: 'rs-1',
  rudderId: '8c6c2f8a-3b43-4f4c-9d0d-1f7e0b1f7f11',
  anonymousId: 'rs-anon-1',
  userId: 'rs-user-1',
  channel: 'web',
  originalTimestamp: '2026-11-01T07:30:00.000Z',
  sentAt: '2026-11-01T07:59:50.000Z',
  context: {
    library: { name: 'RudderLabs JavaScript SDK', version: '3.0.0' },
    traits: { email: 'Rudy@Example.COM', phone: '(415) 555-0112' },
  },
};

describe('ingest: Segment and RudderStack dialects', () => {
  it('takes a RudderStack event time from originalTimestamp, corrected by the sentAt skew (not the arrival time)', () => {
    const e = ingest(rudderIdentify);
    // The device clock is 10 s slow (sentAt 07:59:50, received 08:00:00): receivedAt - (sentAt - originalTimestamp).
    expect(e.timestamp).toBe('2026-11-01T07:30:10.000Z');
    expect(e.originalTimestamp).toBe('2026-11-01T07:30:00.000Z');
    expect(e.sentAt).toBe('2026-11-01T07:59:50.000Z');
    expect(e.receivedAt).toBe('2026-11-01T08:00:00.000Z');
    expect(e.rudderId).toBe(rudderIdentify.rudderId);
  });

  it('applies the same correction to a Segment timestamp, and to originalTimestamp in any zone', () => {
    const segment = ingest({ type: 'track', event: 'X', userId: 'u', timestamp: '2026-11-01T07:30:00Z', sentAt: '2026-11-01T07:59:50Z' });
    const rudder = ingest({ type: 'track', event: 'X', userId: 'u', originalTimestamp: '2026-11-01T09:30:00+02:00', sentAt: '2026-11-01T07:59:50Z' });
    expect(segment.timestamp).toBe('2026-11-01T07:30:10.000Z');
    expect(rudder.timestamp).toBe(segment.timestamp);
    expect(rudder.originalTimestamp).toBe(segment.originalTimestamp);
  });

  it('takes originalTimestamp as it is without sentAt, and prefers an explicit timestamp over it', () => {
    expect(ingest({ type: 'track', event: 'X', userId: 'u', originalTimestamp: '2026-10-30T12:00:00Z' }).timestamp).toBe('2026-10-30T12:00:00.000Z');
    const both = ingest({ type: 'track', event: 'X', userId: 'u', timestamp: '2026-10-30T12:00:00Z', originalTimestamp: '2026-10-29T12:00:00Z' });
    expect(both.timestamp).toBe('2026-10-30T12:00:00.000Z');
  });

  it('rejects an originalTimestamp or sentAt that is not a date', () => {
    expect(reasonOf({ type: 'track', event: 'X', userId: 'u', originalTimestamp: 'yesterday' })).toMatch(/originalTimestamp "yesterday" is not an ISO-8601 date/);
    expect(reasonOf({ type: 'track', event: 'X', userId: 'u', originalTimestamp: '2026-10-30T12:00:00Z', sentAt: 'now' })).toMatch(/sentAt "now" is not/);
  });

  it('puts the top-level channel into context.channel when the event has none; context.channel wins', () => {
    expect(ingest(rudderIdentify).context.channel).toBe('web');
    const both = ingest({ type: 'track', event: 'X', userId: 'u', channel: 'server', context: { channel: 'store' } });
    expect(both.context.channel).toBe('store');
    expect(both.channel).toBe('server');
    expect(ingest({ type: 'track', event: 'X', userId: 'u' }).context.channel).toBeUndefined();
    expect(reasonOf({ type: 'track', event: 'X', userId: 'u', channel: 42 })).toMatch(/^schema: channel/);
  });

  it("keeps a mobile SDK's context.device, context.app and context.os", () => {
    const e = ingest({
      type: 'screen',
      name: 'Home',
      anonymousId: 'a',
      channel: 'mobile',
      originalTimestamp: '2026-11-01T07:59:00.000Z',
      sentAt: '2026-11-01T07:59:00.000Z',
      context: {
        app: { name: 'Shop', version: '2.4.1', build: '241', namespace: 'com.example.shop' },
        device: { id: 'dev-9', manufacturer: 'Google', model: 'Pixel 8', type: 'Android' },
        os: { name: 'Android', version: '14' },
        userAgent: 'Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/UQ1A.240105.004)',
      },
    });
    expect(e.context.app).toEqual({ name: 'Shop', version: '2.4.1', build: '241', namespace: 'com.example.shop' });
    expect(e.context.device).toMatchObject({ id: 'dev-9', manufacturer: 'Google', model: 'Pixel 8', type: 'Android' });
    expect(e.context.os).toMatchObject({ name: 'Android', version: '14' });
    expect(e.context.channel).toBe('mobile');
    expect(e.timestamp).toBe('2026-11-01T08:00:00.000Z');
  });

  it('refuses an event more than the shared tolerance in the future, with the reason, in either dialect', () => {
    const threeDays = new Date(receivedAt + 3 * 86_400_000).toISOString();
    expect(reasonOf({ type: 'track', event: 'X', userId: 'u', timestamp: threeDays })).toMatch(/is more than 24 hours in the future/);
    expect(reasonOf({ type: 'track', event: 'X', userId: 'u', originalTimestamp: threeDays })).toMatch(/is more than 24 hours in the future/);
    const justInside = new Date(receivedAt + LIMITS.maxFutureSkewMs).toISOString();
    expect(reasonOf({ type: 'track', event: 'X', userId: 'u', timestamp: justInside })).toBe('accepted');
    expect(reasonOf({ type: 'track', event: 'X', userId: 'u', timestamp: '1999-12-31T23:59:59Z' })).toMatch(/is before 2000-01-01/);
  });

  it('accepts a device clock three days fast when sentAt shows the skew: the correction brings it back', () => {
    const ahead = (ms: number) => new Date(receivedAt + 3 * 86_400_000 + ms).toISOString();
    const e = ingest({ type: 'track', event: 'X', userId: 'u', originalTimestamp: ahead(-60_000), sentAt: ahead(0) });
    expect(e.timestamp).toBe('2026-11-01T07:59:00.000Z');
  });

  it('stores email and phone traits as the identifiers are, in traits and context.traits, keeping the value as sent', () => {
    const e = ingest(rudderIdentify);
    expect(e.context.traits).toEqual({ email: 'rudy@example.com', emailRaw: 'Rudy@Example.COM', phone: '+14155550112', phoneRaw: '(415) 555-0112' });
    const s = ingest({ type: 'identify', userId: 'u', traits: { phone: 4155550112, email: 'ok@example.com' } });
    expect(s.traits).toEqual({ phone: '+14155550112', phoneRaw: 4155550112, email: 'ok@example.com' });
    // What is not a phone number or an email stays as sent, with no copy.
    expect(ingest({ type: 'identify', userId: 'u', traits: { phone: 'ask reception', email: 'n/a' } }).traits).toEqual({ phone: 'ask reception', email: 'n/a' });
  });
});
