import { describe, expect, it } from 'vitest';
import { parseEvent, REVENUE_SCALE, type ParseResult } from '../../lambda/shared/events';
import { normalizeEmail, normalizePhone } from '../../lambda/shared/normalize';
import { parseOptions } from '../support/events';

const now = Date.UTC(2026, 10, 2);
const parse = (event: unknown): ParseResult =>
  parseEvent(typeof event === 'string' ? event : JSON.stringify(event), Date.UTC(2026, 10, 1, 12), { ...parseOptions, now });
const reason = (r: ParseResult) => (r.ok ? 'accepted' : r.reason);

describe('identifier normalisation', () => {
  it('lower-cases and trims emails and refuses what is not an email', () => {
    expect(normalizeEmail('  Ana.Silva@Example.COM ')).toBe('ana.silva@example.com');
    expect(normalizeEmail('not-an-email')).toBeUndefined();
    expect(normalizeEmail(42)).toBeUndefined();
  });

  it('writes phone numbers in E.164, reading national numbers in the default region', () => {
    expect(normalizePhone('(415) 555-0132', 'US')).toBe('+14155550132');
    expect(normalizePhone('+44 20 7946 0958', 'US')).toBe('+442079460958');
    expect(normalizePhone('020 7946 0958', 'GB')).toBe('+442079460958');
    expect(normalizePhone('12345', 'US')).toBeUndefined();
  });
});

describe('parseEvent', () => {
  it('accepts a track event and extracts normalised identifiers from every place Segment puts them', () => {
    const r = parse({
      type: 'track',
      messageId: 'm-1',
      event: 'Order Completed',
      userId: ' u-1 ',
      anonymousId: 'a-1',
      timestamp: '2026-11-01T09:00:00+02:00',
      properties: { revenue: 19.99 },
      context: { traits: { email: 'Ana@Example.com', phone: '(415) 555-0132' }, channel: 'web' },
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event.timestamp).toBe('2026-11-01T07:00:00.000Z');
    expect(r.event.identifiers).toEqual([
      { type: 'userId', value: 'u-1' },
      { type: 'email', value: 'ana@example.com' },
      { type: 'phone', value: '+14155550132' },
      { type: 'anonymousId', value: 'a-1' },
    ]);
    expect(r.event.revenue).toBe(199_900);
    expect((r.event.revenue ?? 0) / REVENUE_SCALE).toBe(19.99);
    expect(r.event.channel).toBe('web');
  });

  it('derives a stable messageId from the payload when a producer sends none', () => {
    const event = { type: 'identify', userId: 'u-1', traits: { plan: 'pro' }, timestamp: '2026-11-01T00:00:00Z' };
    const a = parse(event);
    const b = parse(event);
    expect(a.ok && b.ok && a.event.messageId === b.event.messageId).toBe(true);
    expect(a.ok && a.event.messageId.startsWith('sha256-')).toBe(true);
  });

  it('uses the record arrival time when the event has no timestamp', () => {
    const r = parse({ type: 'page', messageId: 'm', anonymousId: 'a' });
    expect(r.ok && r.event.timestamp).toBe('2026-11-01T12:00:00.000Z');
  });

  it.each([
    ['{"type":"track"', /^invalid JSON/],
    ['[1,2]', /must be a JSON object/],
    [{ type: 'purchase', messageId: 'm', userId: 'u' }, /type must be one of track, identify/],
    [{ type: 'track', messageId: 'm', userId: 'u' }, /^schema: event/],
    [{ type: 'track', messageId: 'm', event: 'X' }, /needs a userId or an anonymousId/],
    [{ type: 'identify', messageId: 'm', userId: 'u', traits: 'vip' }, /^schema: traits/],
    [{ type: 'identify', messageId: 'm', userId: { id: 1 } }, /^schema: userId/],
    [{ type: 'track', messageId: 'm', userId: 'u', event: 'X', timestamp: 'yesterday' }, /not an ISO-8601 date/],
    [{ type: 'track', messageId: 'm', userId: 'u', event: 'X', timestamp: '2030-01-01T00:00:00Z' }, /in the future/],
    [{ type: 'track', messageId: 'm', userId: 'u', event: 'X', timestamp: '1970-01-01T00:00:00Z' }, /before 2000/],
    [{ type: 'track', messageId: 'm', userId: 'u', event: 'Order Completed', properties: { revenue: 'lots' } }, /revenue .* must be a number/],
    [{ type: 'alias', messageId: 'm', userId: 'u' }, /^schema: previousId/],
    [{ type: 'identify', messageId: 'm', userId: 'null', traits: { email: 'noreply@shop.com' } }, /no usable identifier: userId "null", email "noreply@shop.com" are blocked values/],
  ])('rejects %j with a reason', (input, expected) => {
    expect(reason(parse(input))).toMatch(expected);
  });

  it('rejects events over 32 KB and events carrying too many identifiers', () => {
    expect(reason(parse({ type: 'track', messageId: 'm', userId: 'u', event: 'X', properties: { blob: 'x'.repeat(33_000) } }))).toMatch(
      /limit is 32768 bytes/,
    );
    const externalIds = Array.from({ length: 60 }, (_, i) => ({ id: `d-${i}`, type: 'deviceId' }));
    const r = parseEvent(JSON.stringify({ type: 'track', messageId: 'm', userId: 'u', event: 'X', context: { externalIds } }), now, {
      ...parseOptions,
      identifierTypes: [...parseOptions.identifierTypes, 'deviceId'],
      now,
    });
    expect(reason(r)).toMatch(/61 identifiers; the limit is 50/);
  });

  it('reads custom identifier types from traits and context.externalIds', () => {
    const r = parseEvent(
      JSON.stringify({ type: 'identify', messageId: 'm', userId: 'u', traits: { loyaltyId: 'L-9' }, context: { externalIds: [{ id: 'L-7', type: 'loyaltyId' }] } }),
      now,
      { ...parseOptions, identifierTypes: ['userId', 'loyaltyId'], now },
    );
    expect(r.ok && r.event.identifiers).toEqual([
      { type: 'userId', value: 'u' },
      { type: 'loyaltyId', value: 'L-9' },
      { type: 'loyaltyId', value: 'L-7' },
    ]);
  });
});

describe('parseEvent: the dialects a producer may write to the stream', () => {
  // parse() gives the record an arrival time of 2026-11-01T12:00:00Z and processes it at `now`.
  it('takes a RudderStack event time from originalTimestamp, corrected by the sentAt skew against the arrival time', () => {
    const r = parse({ type: 'track', messageId: 'm', userId: 'u', event: 'X', originalTimestamp: '2026-11-01T11:00:00Z', sentAt: '2026-11-01T11:59:30Z' });
    expect(r.ok && r.event.timestamp).toBe('2026-11-01T11:00:30.000Z');
    const noSentAt = parse({ type: 'track', messageId: 'm', userId: 'u', event: 'X', originalTimestamp: '2026-10-31T11:00:00+01:00' });
    expect(noSentAt.ok && noSentAt.event.timestamp).toBe('2026-10-31T10:00:00.000Z');
  });

  it('takes timestamp as final when it is there (the collector has corrected it already)', () => {
    const r = parse({
      type: 'track',
      messageId: 'm',
      userId: 'u',
      event: 'X',
      timestamp: '2026-11-01T10:00:10.000Z',
      originalTimestamp: '2026-11-01T10:00:00.000Z',
      sentAt: '2026-11-01T10:00:05.000Z',
    });
    expect(r.ok && r.event.timestamp).toBe('2026-11-01T10:00:10.000Z');
  });

  it('quarantines an originalTimestamp too far in the future, or one that is not a date', () => {
    expect(reason(parse({ type: 'track', messageId: 'm', userId: 'u', event: 'X', originalTimestamp: '2026-11-05T00:00:00Z' }))).toMatch(
      /more than 24 hours in the future/,
    );
    expect(reason(parse({ type: 'track', messageId: 'm', userId: 'u', event: 'X', originalTimestamp: 'soon' }))).toMatch(/originalTimestamp "soon" is not/);
    expect(reason(parse({ type: 'track', messageId: 'm', userId: 'u', event: 'X', originalTimestamp: '2026-11-01T00:00:00Z', sentAt: 7 }))).toMatch(/^schema: sentAt/);
  });

  it('counts the top-level channel where context.channel is absent; context.channel wins', () => {
    const top = parse({ type: 'track', messageId: 'm', userId: 'u', event: 'X', channel: 'web' });
    expect(top.ok && top.event.channel).toBe('web');
    const both = parse({ type: 'track', messageId: 'm', userId: 'u', event: 'X', channel: 'server', context: { channel: 'store' } });
    expect(both.ok && both.event.channel).toBe('store');
    const none = parse({ type: 'track', messageId: 'm', userId: 'u', event: 'X', channel: '' });
    expect(none.ok && none.event.channel).toBeUndefined();
  });

  it('stores email and phone traits normalised, the values as sent kept as emailRaw/phoneRaw, which are never identifiers', () => {
    const event = {
      type: 'identify',
      messageId: 'm',
      userId: 'u',
      traits: { phone: '(415) 555-0112', plan: 'pro' },
      context: { traits: { email: ' Rudy@Example.COM' } },
    };
    const r = parse(event);
    expect(r.ok && r.event.traits).toEqual({ email: 'rudy@example.com', emailRaw: ' Rudy@Example.COM', phone: '+14155550112', phoneRaw: '(415) 555-0112', plan: 'pro' });
    // Even configured as identifier types, the raw copies link nothing.
    const raw = parseEvent(JSON.stringify(event), now, { ...parseOptions, identifierTypes: ['userId', 'phone', 'phoneRaw', 'emailRaw'], now });
    expect(raw.ok && raw.event.identifiers).toEqual([
      { type: 'userId', value: 'u' },
      { type: 'phone', value: '+14155550112' },
    ]);
  });
});
