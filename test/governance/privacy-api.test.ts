/** The privacy API handler: routes, validation, normalisation, who asked, and what it answers. */
import { describe, expect, it } from 'vitest';
import type { ErasureReceipt, ErasureRequest } from '../../lambda/governance/contracts/erasure';
import { createPrivacyApi, type PrivacyApiEvent } from '../../lambda/governance/handlers/privacy-api';
import type { SuppressionRemoval } from '../../lambda/governance/usecases/erasure';

const NOW = Date.parse('2026-12-01T10:00:00.000Z');

function api(opts: { complete?: boolean } = {}) {
  const started: ErasureRequest[] = [];
  const removals: SuppressionRemoval[] = [];
  const receipts = new Map<string, ErasureReceipt>();
  let n = 0;
  const handler = createPrivacyApi({
    starter: {
      start: async (r) => {
        started.push(r);
        receipts.set(r.requestId, { requestId: r.requestId, status: opts.complete === true ? 'complete' : 'running' } as ErasureReceipt);
      },
    },
    records: { getReceipt: async (id) => receipts.get(id) },
    removeSuppression: async (r) => {
      removals.push(r);
      return { requestId: r.requestId, removed: 1 };
    },
    identifierTypes: ['userId', 'email', 'phone', 'anonymousId'],
    defaultPhoneRegion: 'US',
    defaultActor: 'local:dpo',
    newRequestId: () => `req-0000000${++n}`,
    clock: () => NOW,
  });
  return { handler, started, removals };
}

const call = (handler: (e: PrivacyApiEvent) => Promise<{ statusCode: number; body: string }>, httpMethod: string, path: string, body?: unknown, userArn?: string) =>
  handler({
    httpMethod,
    path,
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    ...(userArn === undefined ? {} : { requestContext: { identity: { userArn } } as never }),
  }).then((r) => ({ status: r.statusCode, body: JSON.parse(r.body) as Record<string, unknown> }));

describe('privacy API', () => {
  it('starts an erasure of a normalised identifier, with who asked and why, and answers 202 with the request id', async () => {
    const { handler, started } = api();
    const out = await call(handler, 'POST', '/privacy/erasures', { identifier: { type: 'email', value: ' Ana@Example.COM ' }, reason: 'ticket 9' }, 'arn:aws:iam::123456789012:role/dpo');
    expect(out).toEqual({ status: 202, body: { requestId: 'req-00000001', status: 'running', receipt: '/privacy/erasures/req-00000001' } });
    expect(started).toEqual([
      { requestId: 'req-00000001', target: { identifier: { type: 'email', value: 'ana@example.com' } }, requestedBy: 'arn:aws:iam::123456789012:role/dpo', requestedAt: '2026-12-01T10:00:00.000Z', reason: 'ticket 9' },
    ]);
  });

  it('takes a profile id, and answers complete when the erasure ran before the answer (locally)', async () => {
    const { handler, started } = api({ complete: true });
    const out = await call(handler, 'POST', '/privacy/erasures', { profileId: 'p-1' });
    expect(out.body.status).toBe('complete');
    expect(started[0]).toMatchObject({ target: { profileId: 'p-1' }, requestedBy: 'local:dpo' });
  });

  it.each([
    ['not JSON', '{', /must be JSON/],
    ['neither identifier nor profile id', { reason: 'x' }, /identifier/],
    ['both', { identifier: { type: 'email', value: 'a@b.co' }, profileId: 'p-1' }, /identifier/],
    ['an unknown identifier type', { identifier: { type: 'ssn', value: '123' } }, /not one of userId, email, phone, anonymousId/],
    ['an invalid email', { identifier: { type: 'email', value: 'not-an-email' } }, /not a valid email/],
    ['a bad profile id', { profileId: '../etc' }, /profile id/],
  ])('answers 400 for %s, without echoing the value', async (_what, body, message) => {
    const { handler, started } = api();
    const out = await call(handler, 'POST', '/privacy/erasures', body);
    expect(out.status).toBe(400);
    expect(String(out.body.message)).toMatch(message);
    expect(String(out.body.message)).not.toMatch(/not-an-email|123/);
    expect(started).toEqual([]);
  });

  it('returns a receipt by id, 404 for an unknown one and 400 for a malformed one', async () => {
    const { handler } = api();
    await call(handler, 'POST', '/privacy/erasures', { profileId: 'p-1' });
    expect((await call(handler, 'GET', '/privacy/erasures/req-00000001')).body).toMatchObject({ requestId: 'req-00000001' });
    expect((await call(handler, 'GET', '/privacy/erasures/req-99999999')).status).toBe(404);
    expect((await call(handler, 'GET', '/privacy/erasures/x')).status).toBe(400);
  });

  it('removes a suppression as its own request', async () => {
    const { handler, removals } = api();
    const out = await call(handler, 'DELETE', '/privacy/suppressions', { identifier: { type: 'phone', value: '(415) 555-0142' }, reason: 'came back, consented' });
    expect(out).toEqual({ status: 200, body: { requestId: 'req-00000001', removed: 1 } });
    expect(removals[0]).toMatchObject({ identifier: { type: 'phone', value: '+14155550142' }, requestedBy: 'local:dpo', reason: 'came back, consented' });
    expect((await call(handler, 'DELETE', '/privacy/suppressions', { profileId: 'p-1' })).status).toBe(400);
  });

  it('answers 405 for a wrong method and 404 for another path', async () => {
    const { handler } = api();
    expect((await call(handler, 'GET', '/privacy/erasures')).status).toBe(405);
    expect((await call(handler, 'POST', '/privacy/suppressions', {})).status).toBe(405);
    expect((await call(handler, 'GET', '/privacy/other')).status).toBe(404);
  });
});
