/** The profile API's consent routes: reading the state per purpose, and recording a decision as a preference event on the stream. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import type { AuditRecord } from '../../../lambda/governance/contracts/audit';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { idKey } from '../../../lambda/unification/core/identity/keys';
import { createProfileApi, type ProfileApiDeps } from '../../../lambda/unification/handlers/profile-api';
import { emptyProfile } from '../../../lambda/unification/core/profile/profile';
import { consentSettings } from '../../../lambda/unification/settings';
import { recordConsent } from '../../../lambda/unification/usecases/record-consent';
import { unifyBatch } from '../../../lambda/unification/usecases/unify-batch';
import { identify, record, settings, track } from '../../support/events';

const NOW = Date.UTC(2026, 10, 2, 12);
const consent = consentSettings(parseConfig({}));

async function harness(extra: Partial<ProfileApiDeps> = {}) {
  const store = new MemoryProfileStore();
  let n = 0;
  const deps = { store, quarantine: { put: async () => {} }, settings, clock: () => NOW, newProfileId: () => `p${++n}`, sleep: async () => {} };
  const unify = (events: Record<string, unknown>[]) => unifyBatch(events.map((e) => record(e, NOW)), `b${++n}`, 'test', deps);
  await unify([
    identify('m1', { userId: 'u-1', traits: { email: 'ana@example.com' } }),
    track('m2', { anonymousId: 'anon-9', event: 'Product Viewed' }),
  ]);
  const put: Array<Record<string, unknown>> = [];
  const audit: AuditRecord[] = [];
  const api = createProfileApi({
    store,
    identifierTypes: settings.parse.identifierTypes,
    defaultPhoneRegion: 'US',
    consent,
    events: { put: async (e) => void put.push({ ...e }) },
    audit: { append: async (r) => void audit.push(...r) },
    hasher: { profile: (id) => `h(${id})`, identifier: (id) => `h(${id.type}:${id.value})` },
    clock: () => NOW,
    ...extra,
  });
  const call = async (httpMethod: string, path: string, body?: unknown, userArn?: string) => {
    const out = await api({
      httpMethod,
      path,
      queryStringParameters: null,
      body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
      ...(userArn === undefined ? {} : { requestContext: { identity: { userArn } } as never }),
    });
    return { status: out.statusCode, body: JSON.parse(out.body) as Record<string, any> };
  };
  const idOf = (type: string, value: string) => store.owners.get(idKey(type, value));
  return { store, api, call, put, audit, unify, idOf };
}

describe('profile API consent', () => {
  it('shows every configured purpose of a profile that never decided in its default state', async () => {
    const h = await harness();
    const id = h.idOf('userId', 'u-1') as string;
    const out = await h.call('GET', `/profiles/${id}/consent`);
    expect(out.status).toBe(200);
    expect(Object.keys(out.body.purposes).sort()).toEqual(Object.keys(consent.purposes).sort());
    expect(out.body.purposes.analytics).toEqual({ status: 'granted', at: null, source: 'default', policyVersion: null, explicit: false });
    expect(out.body.purposes.marketing_email).toEqual({ status: 'denied', at: null, source: 'default', policyVersion: null, explicit: false });
    expect(out.body.history).toEqual([]);
  });

  it('records a decision as a preference event addressed by the userId, answers 202 with its messageId, and audits each purpose', async () => {
    const h = await harness();
    const id = h.idOf('userId', 'u-1') as string;
    const body = { purposes: { marketing_email: 'granted', marketing_sms: 'denied' }, policyVersion: '2026-11', source: 'support-desk' };
    const out = await h.call('PUT', `/profiles/${id}/consent`, body, 'arn:aws:iam::123456789012:role/support');
    expect(out.status).toBe(202);
    expect(out.body).toEqual({ profileId: id, messageId: expect.stringMatching(/^consent-[0-9a-f]{32}$/), status: 'accepted' });
    expect(h.put).toEqual([
      {
        type: 'track',
        event: 'Segment Consent Preference Updated',
        messageId: out.body.messageId,
        timestamp: new Date(NOW).toISOString(),
        userId: 'u-1',
        properties: {},
        context: { consent: { categoryPreferences: { marketing_email: true, marketing_sms: false }, policyVersion: '2026-11', source: 'support-desk' } },
      },
    ]);
    expect(h.audit.map((r) => [r.action, r.actor, r.subject, r.detail?.purpose, r.detail?.status])).toEqual([
      ['consent.change', 'arn:aws:iam::123456789012:role/support', `h(${id})`, 'marketing_email', 'granted'],
      ['consent.change', 'arn:aws:iam::123456789012:role/support', `h(${id})`, 'marketing_sms', 'denied'],
    ]);
    // The same request at the same time is the same event: a retried request is applied once.
    const again = await h.call('PUT', `/profiles/${id}/consent`, body);
    expect(again.body.messageId).toBe(out.body.messageId);
    expect(h.audit.at(-1)?.actor).toBe('local');
  });

  it('applies the decision once the event has gone through the pipeline: explicit, with its source and policy version', async () => {
    const h = await harness();
    const id = h.idOf('anonymousId', 'anon-9') as string;
    const out = await h.call('PUT', `/profiles/${id}/consent`, { purposes: { personalization: 'granted' } });
    // A profile without a userId is addressed by its anonymousId.
    expect(h.put[0]).toMatchObject({ anonymousId: 'anon-9' });
    expect(h.put[0]).not.toHaveProperty('userId');
    await h.unify(h.put);
    const view = await h.call('GET', `/profiles/${id}/consent`);
    expect(view.body.purposes.personalization).toEqual({ status: 'granted', at: new Date(NOW).toISOString(), source: 'api', policyVersion: '1', explicit: true });
    expect(view.body.history).toEqual([
      { purpose: 'personalization', status: 'granted', at: new Date(NOW).toISOString(), source: 'api', policyVersion: '1', messageId: out.body.messageId, explicit: true },
    ]);
    // The full profile shows the current state too.
    const profile = await h.call('GET', `/profiles/${id}`);
    expect(profile.body.consent.personalization).toMatchObject({ status: 'granted', explicit: true });
    expect(profile.body.consent.marketing_email).toMatchObject({ status: 'denied', source: 'default' });
  });

  it('refuses a body naming an unknown purpose or status with a message that names it, and records nothing', async () => {
    const h = await harness();
    const id = h.idOf('userId', 'u-1') as string;
    const bad = await h.call('PUT', `/profiles/${id}/consent`, { purposes: { marketing_fax: 'granted' } });
    expect(bad).toMatchObject({ status: 400, body: { error: 'bad_request', message: expect.stringContaining('unknown purpose "marketing_fax"') } });
    expect(bad.body.message).toContain('marketing_email');
    expect(await h.call('PUT', `/profiles/${id}/consent`, { purposes: { marketing_email: 'yes' } })).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('purposes.marketing_email') },
    });
    expect(await h.call('PUT', `/profiles/${id}/consent`, { purposes: {} })).toMatchObject({ status: 400, body: { message: expect.stringContaining('at least one purpose') } });
    expect(await h.call('PUT', `/profiles/${id}/consent`, { purposes: { analytics: 'denied' }, source: 'context' })).toMatchObject({ status: 400 });
    expect(await h.call('PUT', `/profiles/${id}/consent`, { purposes: { analytics: 'denied' }, extra: 1 })).toMatchObject({ status: 400 });
    expect(await h.call('PUT', `/profiles/${id}/consent`, 'not json')).toMatchObject({ status: 400 });
    expect(await h.call('PUT', '/profiles/nobody/consent', { purposes: { analytics: 'denied' } })).toMatchObject({ status: 404 });
    expect(await h.call('POST', `/profiles/${id}/consent`, { purposes: { analytics: 'denied' } })).toMatchObject({ status: 405 });
    expect(h.put).toEqual([]);
    expect(h.audit).toEqual([]);
  });

  it('answers 501 to a consent change when the API has no event stream', async () => {
    const h = await harness({ events: undefined });
    const id = h.idOf('userId', 'u-1') as string;
    expect(await h.call('PUT', `/profiles/${id}/consent`, { purposes: { analytics: 'denied' } })).toMatchObject({ status: 501 });
    expect((await h.call('GET', `/profiles/${id}/consent`)).status).toBe(200);
  });

  it('addresses a merged-away id\'s change to its survivor', async () => {
    const h = await harness();
    await h.unify([identify('m3', { userId: 'u-1', anonymousId: 'anon-9' })]);
    const merged = [...h.store.profiles.values()].find((p) => p.mergedInto !== undefined);
    const out = await h.call('PUT', `/profiles/${merged?.profileId}/consent`, { purposes: { advertising: 'denied' } });
    expect(out.body).toMatchObject({ profileId: merged?.mergedInto, requestedId: merged?.profileId });
    expect(h.put[0]).toMatchObject({ userId: 'u-1' });
  });

  it('refuses to record consent for a profile no event can address (no userId, no anonymousId)', async () => {
    const put: unknown[] = [];
    const profile = { ...emptyProfile('p-email-only', 'now'), identifiers: { email: ['ana@example.com'] } };
    const out = await recordConsent(profile, { purposes: { analytics: 'denied' } }, 'local', { events: { put: async (e) => void put.push(e) }, settings: consent });
    expect(out).toEqual({ ok: false, reason: 'profile p-email-only has no userId or anonymousId to address a consent event to' });
    expect(put).toEqual([]);
  });
});
