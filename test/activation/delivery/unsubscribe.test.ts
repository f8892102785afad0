import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  signedUnsubscribeUrl,
  signUnsubscribeToken,
  UNSUBSCRIBE_TOKEN_MAX_AGE_MS,
  unsubscribePurposes,
  unsubscribeUrl,
  verifyUnsubscribeToken,
  type UnsubscribeClaims,
} from '../../../lambda/activation/core/unsubscribe';
import { createUnsubscribeHandler, isOneClickBody } from '../../../lambda/activation/handlers/unsubscribe';
import type { UnsubscribeSettings } from '../../../lambda/activation/usecases/unsubscribe';
import { MemoryEvents, MemoryViews, NOW, view } from './support';

const KEY = randomBytes(32);
const claims: UnsubscribeClaims = { profileId: 'p-ana', purposes: ['marketing_email'], campaign: 'winBack', channel: 'email', issuedAt: NOW - 60_000 };

describe('unsubscribe tokens', () => {
  it('verifies what it signed', () => {
    const token = signUnsubscribeToken(claims, KEY);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyUnsubscribeToken(token, KEY, NOW)).toEqual({ ok: true, claims });
  });

  it('refuses a tampered payload, a tampered signature and another key', () => {
    const token = signUnsubscribeToken(claims, KEY);
    const [payload, sig] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ v: 1, p: 'p-bo', u: ['marketing_email'], c: 'winBack', h: 'email', t: claims.issuedAt })).toString('base64url');
    expect(verifyUnsubscribeToken(`${forged}.${sig}`, KEY, NOW)).toMatchObject({ ok: false, reason: expect.stringContaining('signature does not match') });
    const flipped = `${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(verifyUnsubscribeToken(`${payload}.${flipped}`, KEY, NOW).ok).toBe(false);
    expect(verifyUnsubscribeToken(token, randomBytes(32), NOW).ok).toBe(false);
    expect(verifyUnsubscribeToken('no-dot-here', KEY, NOW)).toMatchObject({ ok: false, reason: expect.stringContaining('malformed') });
  });

  it('expires after 90 days and refuses links from the future', () => {
    const token = signUnsubscribeToken(claims, KEY);
    expect(verifyUnsubscribeToken(token, KEY, claims.issuedAt + UNSUBSCRIBE_TOKEN_MAX_AGE_MS).ok).toBe(true);
    expect(verifyUnsubscribeToken(token, KEY, claims.issuedAt + UNSUBSCRIBE_TOKEN_MAX_AGE_MS + 1)).toMatchObject({ ok: false, reason: expect.stringContaining('expired') });
    expect(verifyUnsubscribeToken(token, KEY, claims.issuedAt - 3_600_000)).toMatchObject({ ok: false, reason: expect.stringContaining('future') });
  });

  it('refuses to sign claims no link may carry, and short keys', () => {
    expect(() => signUnsubscribeToken({ ...claims, purposes: [] }, KEY)).toThrow(/at least one consent purpose/);
    expect(() => signUnsubscribeToken({ ...claims, profileId: 'ana@example.org' }, KEY)).toThrow(/not a c360 profile id/);
    expect(() => signUnsubscribeToken(claims, randomBytes(16))).toThrow(/at least 32/);
  });

  it('builds the public link under the endpoint', () => {
    expect(unsubscribeUrl('https://u.example.com/', 'a.b')).toBe('https://u.example.com/unsubscribe?token=a.b');
    expect(unsubscribeUrl('https://u.example.com/prod/unsubscribe', 'a.b')).toBe('https://u.example.com/prod/unsubscribe?token=a.b');
    const url = new URL(signedUnsubscribeUrl('https://u.example.com', claims, KEY));
    expect(verifyUnsubscribeToken(url.searchParams.get('token') as string, KEY, NOW).ok).toBe(true);
  });

  it('denies the campaign purpose, else the channel marketing purposes', () => {
    const uses = { email: ['marketing_email'], sms: ['marketing_sms'] };
    expect(unsubscribePurposes({ channel: 'email', purpose: 'newsletter' }, uses)).toEqual(['newsletter']);
    expect(unsubscribePurposes({ channel: 'sms' }, uses)).toEqual(['marketing_sms']);
  });
});

describe('unsubscribe endpoint', () => {
  const settings: UnsubscribeSettings = { preferenceEvent: 'Segment Consent Preference Updated', policyVersion: '3', purposes: ['marketing_email', 'marketing_sms', 'analytics'] };
  function setup() {
    const views = new MemoryViews().add(view('p-ana', { userId: ['u-ana'], email: ['ana@example.org'] }));
    const events = new MemoryEvents();
    const observed: unknown[] = [];
    const handler = createUnsubscribeHandler({ key: async () => KEY, views, events, settings, clock: () => NOW, observe: (o) => observed.push(o) });
    return { handler, events, observed };
  }
  const request = (method: string, token: string | undefined, body?: string, base64 = false): APIGatewayProxyEventV2 =>
    ({
      version: '2.0',
      routeKey: `${method} /unsubscribe`,
      rawPath: '/unsubscribe',
      rawQueryString: token === undefined ? '' : `token=${encodeURIComponent(token)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      ...(token === undefined ? {} : { queryStringParameters: { token } }),
      requestContext: { http: { method, path: '/unsubscribe', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' } },
      ...(body === undefined ? {} : { body: base64 ? Buffer.from(body).toString('base64') : body }),
      isBase64Encoded: base64,
    }) as unknown as APIGatewayProxyEventV2;

  it('shows a confirmation form on GET and changes nothing', async () => {
    const { handler, events } = setup();
    const res = await handler(request('GET', signUnsubscribeToken(claims, KEY)));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('<form method="post"');
    expect(res.body).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(events.events).toEqual([]);
  });

  it('records the one-click POST as a consent decision denying the link purposes', async () => {
    const { handler, events, observed } = setup();
    const res = await handler(request('POST', signUnsubscribeToken(claims, KEY), 'List-Unsubscribe=One-Click', true));
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('You are unsubscribed');
    expect(events.events).toHaveLength(2);
    expect(events.events[0]).toMatchObject({
      type: 'track',
      event: 'Segment Consent Preference Updated',
      userId: 'u-ana',
      timestamp: new Date(NOW).toISOString(),
      context: { consent: { categoryPreferences: { marketing_email: false }, policyVersion: '3', source: 'unsubscribe-link' } },
    });
    expect(events.events[1]).toMatchObject({ event: 'Unsubscribed', userId: 'u-ana', properties: { campaign: 'winBack', channel: 'email', purposes: ['marketing_email'] } });
    expect(observed).toEqual([{ method: 'POST', statusCode: 200, campaign: 'winBack' }]);
  });

  it('answers a bad or expired token with 400 and puts nothing on the stream', async () => {
    const { handler, events } = setup();
    const tampered = `${signUnsubscribeToken(claims, KEY)}x`;
    const bad = await handler(request('POST', tampered, 'List-Unsubscribe=One-Click'));
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Nothing was changed');
    const expired = signUnsubscribeToken({ ...claims, issuedAt: NOW - UNSUBSCRIBE_TOKEN_MAX_AGE_MS - 1 }, KEY);
    const old = await handler(request('POST', expired, 'List-Unsubscribe=One-Click'));
    expect(old.statusCode).toBe(400);
    expect(old.body).toContain('expired');
    expect((await handler(request('GET', undefined))).statusCode).toBe(400);
    expect(events.events).toEqual([]);
  });

  it('requires the RFC 8058 body on POST', async () => {
    const { handler, events } = setup();
    const res = await handler(request('POST', signUnsubscribeToken(claims, KEY), 'unsubscribe=yes'));
    expect(res.statusCode).toBe(400);
    expect(events.events).toEqual([]);
  });

  it('answers 404 for a link whose profile is gone', async () => {
    const { handler, events } = setup();
    const res = await handler(request('POST', signUnsubscribeToken({ ...claims, profileId: 'p-erased' }, KEY), 'List-Unsubscribe=One-Click'));
    expect(res.statusCode).toBe(404);
    expect(events.events).toEqual([]);
  });

  it('reads REST API proxy events (payload 1.0) too', async () => {
    const { handler, events } = setup();
    const token = signUnsubscribeToken(claims, KEY);
    const rest = { resource: '/unsubscribe', path: '/unsubscribe', httpMethod: 'POST', queryStringParameters: { token }, body: 'List-Unsubscribe=One-Click', isBase64Encoded: false };
    expect((await handler(rest)).statusCode).toBe(200);
    expect(events.events.map((e) => e.event)).toEqual(['Segment Consent Preference Updated', 'Unsubscribed']);
    expect((await handler({ ...rest, httpMethod: 'GET', queryStringParameters: null, body: null })).statusCode).toBe(400);
  });

  it('refuses other methods', async () => {
    const { handler } = setup();
    const res = await handler(request('DELETE', signUnsubscribeToken(claims, KEY)));
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, POST');
  });

  it('reads the one-click body form-encoded or multipart', () => {
    expect(isOneClickBody({ body: 'List-Unsubscribe=One-Click', isBase64Encoded: false })).toBe(true);
    const multipart = '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n';
    expect(isOneClickBody({ body: multipart, isBase64Encoded: false })).toBe(true);
    expect(isOneClickBody({ body: 'List-Unsubscribe=Nope', isBase64Encoded: false })).toBe(false);
  });
});
