import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ingestEvent, normalizeCountry, truncateIp, type IngestContext } from '../../../lambda/collection/core/ingest';
import { userAgentContext } from '../../../lambda/collection/core/user-agent';

const ctx: IngestContext = {
  source: 'web',
  receivedAt: Date.parse('2026-11-01T08:00:00.000Z'),
  options: { defaultPhoneRegion: 'US', parseUserAgent: true, truncateIp: true },
  newMessageId: randomUUID,
  userAgent: userAgentContext,
};
const iphone =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1';

const ingest = (raw: unknown, extra: Partial<IngestContext> = {}) => {
  const r = ingestEvent(raw, { ...ctx, ...extra });
  if (!r.ok) throw new Error(r.reason);
  return r.event as Record<string, any>;
};

describe('ingest normalisation', () => {
  it('stamps receivedAt, the source and a messageId when the client sent none', () => {
    const e = ingest({ type: 'track', event: 'Signed Up', anonymousId: 'a1', context: { source: 'spoofed' } });
    expect(e.receivedAt).toBe('2026-11-01T08:00:00.000Z');
    expect(e.context.source).toBe('web');
    expect(e.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.timestamp).toBe(e.receivedAt);
    expect(ingest({ type: 'track', event: 'X', anonymousId: 'a1', messageId: 'keep-me' }).messageId).toBe('keep-me');
  });

  it('corrects the device clock by how far sentAt is from receivedAt, as Segment does', () => {
    const e = ingest({ type: 'track', event: 'X', userId: 'u', timestamp: '2026-11-01T10:00:00+02:00', sentAt: '2026-11-01T08:00:05Z' });
    expect(e.timestamp).toBe('2026-11-01T07:59:55.000Z');
    expect(e.originalTimestamp).toBe('2026-11-01T08:00:00.000Z');
    expect(e.sentAt).toBe('2026-11-01T08:00:05.000Z');
  });

  it('normalises emails, phones and country codes in traits and context.traits', () => {
    const e = ingest({
      type: 'identify',
      userId: 'u',
      traits: { email: ' Ana@Example.COM ', phone: '(415) 555-0132', country: 'Germany', address: { country: 'fra' } },
      context: { traits: { phone: '+44 20 7946 0958' } },
    });
    expect(e.traits).toEqual({
      email: 'ana@example.com',
      emailRaw: ' Ana@Example.COM ',
      phone: '+14155550132',
      phoneRaw: '(415) 555-0132',
      country: 'DE',
      address: { country: 'FR' },
    });
    expect(e.context.traits.phone).toBe('+442079460958');
    expect(normalizeCountry('us')).toBe('US');
    expect(normalizeCountry('Atlantis')).toBeUndefined();
  });

  it('parses the user agent into device, os and browser, keeping what a mobile SDK sent itself', () => {
    const e = ingest({ type: 'page', anonymousId: 'a', context: { userAgent: iphone } });
    expect(e.context.device).toEqual({ type: 'mobile', vendor: 'Apple', model: 'iPhone' });
    expect(e.context.os).toEqual({ name: 'iOS', version: '17.2' });
    expect(e.context.browser).toEqual({ name: 'Mobile Safari', version: '17.2' });
    const sdk = ingest({ type: 'screen', anonymousId: 'a', context: { userAgent: iphone, device: { model: 'iPhone15,2', id: 'dev-1' } } });
    expect(sdk.context.device).toEqual({ type: 'mobile', vendor: 'Apple', model: 'iPhone15,2', id: 'dev-1' });
  });

  it('truncates the IP after the geo lookup has seen the whole address', () => {
    const seen: string[] = [];
    const e = ingest(
      { type: 'page', anonymousId: 'a' },
      { ip: '203.0.113.77', geo: (ip) => (seen.push(ip), { city: 'Lyon', country: 'France' }) },
    );
    expect(seen).toEqual(['203.0.113.77']);
    expect(e.context.ip).toBe('203.0.113.0');
    expect(e.context.location).toEqual({ city: 'Lyon', country: 'FR' });
    expect(truncateIp('2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe('2001:db8:85a3::');
    expect(ingest({ type: 'page', anonymousId: 'a', context: { ip: '198.51.100.9' } }, { options: { ...ctx.options, truncateIp: false } }).context.ip).toBe(
      '198.51.100.9',
    );
  });

  it('passes fields it does not know through untouched', () => {
    const e = ingest({ type: 'track', event: 'X', userId: 'u', integrations: { All: false }, custom: { nested: [1, { a: 2 }] } });
    expect(e.integrations).toEqual({ All: false });
    expect(e.custom).toEqual({ nested: [1, { a: 2 }] });
  });

  it.each([
    [[1, 2], /must be a JSON object/],
    [{ type: 'purchase', userId: 'u' }, /type must be one of/],
    [{ type: 'track', userId: 'u' }, /^schema: event/],
    [{ type: 'track', event: 'X' }, /needs a userId or an anonymousId/],
    [{ type: 'track', event: 'X', userId: 'u', timestamp: 'soon' }, /timestamp "soon" is not an ISO-8601 date/],
    [{ type: 'track', event: 'X', userId: 'u', properties: { blob: 'x'.repeat(33_000) } }, /limit is 32768 bytes/],
  ])('rejects %j with a reason', (raw, reason) => {
    const r = ingestEvent(raw, ctx);
    expect(r.ok ? 'accepted' : r.reason).toMatch(reason);
  });
});
