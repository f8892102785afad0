import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import {
  IdentitiesSchema,
  MergeHistorySchema,
  PROFILE_FIELDS,
  ProfileViewSchema,
  SegmentListSchema,
  SegmentPageSchema,
  UnmergeOutcomeSchema,
  ErrorSchema,
} from '../../../lambda/client/contract';
import { profileApiOpenApi } from '../../../lambda/client/openapi';
import { parseConfig } from '../../../lambda/config';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { createProfileApi } from '../../../lambda/unification/handlers/profile-api';
import type { SegmentMembershipStore } from '../../../lambda/unification/ports';
import { unifyBatch } from '../../../lambda/unification/usecases/unify-batch';
import { unmergeProfile } from '../../../lambda/unification/usecases/unmerge';
import { identify, record, settings, track } from '../../support/events';

const config = parseConfig({});

/** The body parses with the contract's schema, and nothing in it is outside the contract. */
function conforms<S extends z.ZodMiniType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error(`the answer breaks the contract: ${JSON.stringify(parsed.error.issues)}`);
  expect(parsed.data).toEqual(body);
  return parsed.data;
}

async function apiWithData() {
  const store = new MemoryProfileStore();
  const deps = { store, quarantine: { put: async () => {} }, settings, sleep: async () => {} };
  await unifyBatch(
    [
      record(track('m1', { anonymousId: 'anon-1', context: { traits: { phone: '(415) 555-0132' } } })),
      record(identify('m2', { userId: 'u-1', traits: { email: 'ana@example.com', name: 'Ana' } })),
    ],
    'b1',
    'test',
    deps,
  );
  await unifyBatch([record(identify('m3', { userId: 'u-1', anonymousId: 'anon-1' }))], 'b2', 'test', deps);
  const membership: SegmentMembershipStore = {
    apply: async () => {},
    members: async (segment, limit, cursor) => {
      const all = ['p-a', 'p-b', 'p-c'];
      const from = cursor === undefined ? 0 : Number(cursor);
      const page = all.slice(from, from + limit);
      return { profileIds: page, ...(from + limit < all.length ? { next: String(from + limit) } : {}) };
    },
  };
  const api = createProfileApi({
    store,
    identifierTypes: settings.parse.identifierTypes,
    defaultPhoneRegion: 'US',
    segments: { vip: { description: 'big spenders' }, lapsed: {} },
    membership,
    unmerge: (request) => unmergeProfile(request, { store, settings }),
    view: config,
  });
  const get = async (path: string, query: Record<string, string> | null = null) => {
    const id = /^\/profiles\/(.+)$/.exec(path)?.[1];
    const out = await api({ httpMethod: 'GET', path, pathParameters: id ? { id } : null, queryStringParameters: query });
    return { status: out.statusCode, body: JSON.parse(out.body) as Record<string, unknown> };
  };
  return { store, api, get };
}

describe('profile API', () => {
  it('finds the one profile by any identifier, normalising the value like the consumer does', async () => {
    const { get } = await apiWithData();
    const byEmail = await get('/profiles', { email: ' ANA@example.com' });
    expect(byEmail.status).toBe(200);
    conforms(ProfileViewSchema, byEmail.body);
    expect(byEmail.body.traits).toEqual({ email: 'ana@example.com', name: 'Ana', phone: '+14155550132', phoneRaw: '(415) 555-0132' });
    const queries: Array<Record<string, string>> = [{ phone: '+1 415-555-0132' }, { userId: 'u-1' }, { anonymousId: 'anon-1' }];
    for (const query of queries) {
      expect((await get('/profiles', query)).body.profileId).toBe(byEmail.body.profileId);
    }
  });

  it('answers a merged-away id with the survivor and says which id was asked for', async () => {
    const { get, store } = await apiWithData();
    const merged = [...store.profiles.values()].find((p) => p.mergedInto !== undefined);
    const out = await get(`/profiles/${merged?.profileId}`);
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ profileId: merged?.mergedInto, requestedId: merged?.profileId });
    conforms(ProfileViewSchema, out.body);
    expect(out.body.merges).toEqual([expect.objectContaining({ merged: merged?.profileId, messageId: 'm3' })]);
  });

  it('returns clear 400 and 404 JSON errors', async () => {
    const { get, api } = await apiWithData();
    expect(await get('/profiles/0000-unknown')).toEqual({ status: 404, body: { error: 'not_found', message: 'no profile 0000-unknown' } });
    conforms(ErrorSchema, (await get('/profiles', { shoeSize: '42' })).body);
    expect(await get('/profiles', { email: 'nobody@example.com' })).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(await get('/profiles', { email: 'not an email' })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/no email can be read/) } });
    expect(await get('/profiles', null)).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    expect(await get('/profiles', { email: 'a@b.co', userId: 'u' })).toMatchObject({ status: 400 });
    expect(await get('/profiles', { shoeSize: '42' })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/unknown parameter shoeSize/) } });
    expect(await get('/profiles/bad id!')).toMatchObject({ status: 400 });
    const post = await api({ httpMethod: 'POST', path: '/profiles', pathParameters: null, queryStringParameters: null });
    expect(post.statusCode).toBe(405);
  });

  it('explains a profile: its identities, and each merge with the identifier and event that caused it', async () => {
    const { get, store } = await apiWithData();
    const survivor = [...store.profiles.values()].find((p) => p.mergedInto === undefined);
    const merged = [...store.profiles.values()].find((p) => p.mergedInto !== undefined);
    const ids = await get(`/profiles/${merged?.profileId}/identities`);
    expect(ids).toMatchObject({
      status: 200,
      body: { profileId: survivor?.profileId, requestedId: merged?.profileId, identifiers: { anonymousId: ['anon-1'], userId: ['u-1'] } },
    });
    const identities = conforms(IdentitiesSchema, ids.body);
    // One explanation per identifier held; one that was recorded names its event and time.
    expect(identities.links.map((l) => `${l.type}:${l.value}`).sort()).toEqual(
      Object.entries(identities.identifiers).flatMap(([type, values]) => values.map((v) => `${type}:${v}`)).sort(),
    );
    for (const link of identities.links.filter((l) => l.rule !== 'unrecorded')) expect(link).toMatchObject({ messageId: expect.any(String), at: expect.any(String) });
    const history = await get(`/profiles/${survivor?.profileId}/merges`);
    expect(history.status).toBe(200);
    conforms(MergeHistorySchema, history.body);
    expect(history.body.merges).toEqual([
      expect.objectContaining({ merged: merged?.profileId, rule: 'shared-identifier', messageId: 'm3', identifier: expect.any(Object), matchedWith: expect.any(Object) }),
    ]);
    expect(history.body.unmerges).toEqual([]);
  });

  it('unmerges through POST /profiles/{id}/unmerge, and answers bad requests with the reason', async () => {
    const { api, store } = await apiWithData();
    const survivor = [...store.profiles.values()].find((p) => p.mergedInto === undefined);
    const merged = [...store.profiles.values()].find((p) => p.mergedInto !== undefined);
    const post = (path: string, body: unknown) =>
      api({ httpMethod: 'POST', path, queryStringParameters: null, body: typeof body === 'string' ? body : JSON.stringify(body) }).then((r) => ({
        status: r.statusCode,
        body: JSON.parse(r.body) as Record<string, any>,
      }));
    expect(await post(`/profiles/${survivor?.profileId}/unmerge`, 'not json')).toMatchObject({ status: 400, body: { message: expect.stringContaining('must be JSON') } });
    expect(await post(`/profiles/${survivor?.profileId}/unmerge`, { restoredId: 7 })).toMatchObject({
      status: 400,
      body: { error: 'bad_request', message: 'restoredId must be the id of the profile to split back out' },
    });
    expect(await post(`/profiles/${survivor?.profileId}/unmerge`, {})).toMatchObject({ status: 400, body: { message: expect.stringContaining('restoredId') } });
    expect(await post(`/profiles/${survivor?.profileId}/unmerge`, { restoredId: merged?.profileId, reason: 'x'.repeat(1001) })).toMatchObject({
      status: 400,
      body: { message: 'reason must be a string of at most 1000 characters' },
    });
    expect(await post(`/profiles/${survivor?.profileId}/unmerge`, { restoredId: 'nobody' })).toMatchObject({ status: 404, body: { error: 'not_found' } });
    const out = await post(`/profiles/${survivor?.profileId}/unmerge`, { restoredId: merged?.profileId, reason: 'shared tablet' });
    expect(out.status).toBe(200);
    conforms(UnmergeOutcomeSchema, out.body);
    expect(out.body.survivor.computed).toHaveProperty('ordersLast90Days');
    expect(out.body.unmerge).toMatchObject({ from: survivor?.profileId, restored: merged?.profileId, reason: 'shared tablet' });
    expect(out.body.restored.profileId).toBe(merged?.profileId);
    expect(store.profiles.get(merged?.profileId as string)?.mergedInto).toBeUndefined();
    // Asking again: it is no longer merged.
    expect(await post(`/profiles/${survivor?.profileId}/unmerge`, { restoredId: merged?.profileId })).toMatchObject({ status: 404 });
    expect((await api({ httpMethod: 'GET', path: `/profiles/${survivor?.profileId}/unmerge`, queryStringParameters: null })).statusCode).toBe(405);
  });

  it('lists segments and pages through a segment\'s members', async () => {
    const { get } = await apiWithData();
    expect(conforms(SegmentListSchema, (await get('/segments')).body)).toEqual({ segments: [{ name: 'vip', description: 'big spenders' }, { name: 'lapsed' }] });
    const first = await get('/segments/vip/members', { limit: '2' });
    conforms(SegmentPageSchema, first.body);
    expect(first).toEqual({ status: 200, body: { segment: 'vip', profileIds: ['p-a', 'p-b'], next: '2' } });
    const second = await get('/segments/vip/members', { limit: '2', cursor: String(first.body.next) });
    expect(second.body).toEqual({ segment: 'vip', profileIds: ['p-c'] });
    expect(await get('/segments/unknown/members')).toMatchObject({ status: 404, body: { message: expect.stringMatching(/configured: vip, lapsed/) } });
    for (const limit of ['0', '1001', '2.5', 'ten', '']) {
      expect(await get('/segments/vip/members', { limit })).toEqual({ status: 400, body: { error: 'bad_request', message: 'limit must be an integer from 1 to 1000' } });
    }
    expect((await get('/segments/vip/members', { limit: '1000', cursor: '' })).body.profileIds).toEqual(['p-a', 'p-b', 'p-c']);
    expect(await get('/segments/vip/other')).toMatchObject({ status: 404 });
  });
});

describe('profile API: the whole customer view', () => {
  const DAY = 86_400_000;
  const ORDER_AT = Date.UTC(2026, 9, 1, 12);

  async function buyer() {
    const store = new MemoryProfileStore();
    const order = (messageId: string, revenue: number) =>
      track(messageId, { userId: 'u-9', event: 'Order Completed', timestamp: new Date(ORDER_AT).toISOString(), properties: { revenue }, context: { channel: 'web' } });
    await unifyBatch(
      [record(identify('b1', { userId: 'u-9', timestamp: new Date(ORDER_AT).toISOString(), traits: { email: 'bo@example.com' } }), ORDER_AT), record(order('b2', 400), ORDER_AT), record(order('b3', 250), ORDER_AT)],
      'b1',
      'test',
      { store, quarantine: { put: async () => {} }, settings, sleep: async () => {}, clock: () => ORDER_AT },
    );
    let nowMs = ORDER_AT;
    const api = createProfileApi({ store, identifierTypes: settings.parse.identifierTypes, defaultPhoneRegion: 'US', view: config, clock: () => nowMs });
    const get = async (query: Record<string, string>) => {
      const out = await api({ httpMethod: 'GET', path: '/profiles', queryStringParameters: query });
      return { status: out.statusCode, body: JSON.parse(out.body) as Record<string, any> };
    };
    return { store, get, at: (ms: number) => void (nowMs = ms) };
  }

  it('evaluates windowed computed traits at the request: the same stored profile answers differently as the clock alone moves', async () => {
    const h = await buyer();
    const storedBefore = JSON.stringify([...h.store.profiles.values()]);
    h.at(ORDER_AT + 10 * DAY);
    const early = await h.get({ userId: 'u-9' });
    conforms(ProfileViewSchema, early.body);
    expect(early.body.computed).toMatchObject({ ordersLast90Days: 2, orderCount: 2, lifetimeValue: 650, daysSinceLastOrder: 10 });
    expect(early.body.asOf).toBe(new Date(ORDER_AT + 10 * DAY).toISOString());
    h.at(ORDER_AT + 100 * DAY);
    const late = await h.get({ userId: 'u-9' });
    expect(late.body.computed).toMatchObject({ ordersLast90Days: 0, orderCount: 2, lifetimeValue: 650, daysSinceLastOrder: 100 });
    expect(late.body.asOf).toBe(new Date(ORDER_AT + 100 * DAY).toISOString());
    // Nothing was written between the two answers.
    expect(JSON.stringify([...h.store.profiles.values()])).toBe(storedBefore);
  });

  it('shows the segments the profile is in with their entry times, and every part of the view', async () => {
    const h = await buyer();
    const out = await h.get({ email: 'bo@example.com' });
    expect(out.status).toBe(200);
    const view = conforms(ProfileViewSchema, out.body);
    expect(view.segments).toEqual({ highValue: new Date(ORDER_AT).toISOString(), recentBuyers: new Date(ORDER_AT).toISOString() });
    expect(Object.keys(view).sort()).toEqual(['profileId', ...PROFILE_FIELDS].sort());
    expect(view.channels).toEqual({ web: 2 });
    expect(view.identifiers).toEqual({ email: ['bo@example.com'], userId: ['u-9'] });
    expect(view.consent).toEqual({});
  });

  it('answers only the fields asked for, with profileId, and refuses an unknown field naming it and the valid ones', async () => {
    const h = await buyer();
    const part = await h.get({ userId: 'u-9', fields: 'traits,segments' });
    expect(part.status).toBe(200);
    expect(Object.keys(part.body).sort()).toEqual(['profileId', 'segments', 'traits']);
    expect(part.body.traits).toEqual({ email: 'bo@example.com' });
    expect(ProfileViewSchema.safeParse(part.body).success).toBe(false);
    const one = await h.get({ userId: 'u-9', fields: ' computed ' });
    expect(Object.keys(one.body).sort()).toEqual(['computed', 'profileId']);
    const bad = await h.get({ userId: 'u-9', fields: 'traits,shoeSize' });
    expect(bad).toEqual({ status: 400, body: { error: 'bad_request', message: `unknown field "shoeSize" in fields; the fields are ${PROFILE_FIELDS.join(', ')}` } });
    expect((await h.get({ userId: 'u-9', fields: '' })).status).toBe(400);
    // The field check comes before the lookup: no profile needed to learn the fields.
    expect((await h.get({ userId: 'nobody', fields: 'shoeSize' })).status).toBe(400);
  });

  it('serves its OpenAPI description at /openapi.json', async () => {
    const store = new MemoryProfileStore();
    const api = createProfileApi({ store, identifierTypes: ['userId', 'email'], defaultPhoneRegion: 'US', view: config });
    const out = await api({ httpMethod: 'GET', path: '/openapi.json', queryStringParameters: null });
    expect(out.statusCode).toBe(200);
    expect(JSON.parse(out.body)).toEqual(profileApiOpenApi({ identifierTypes: ['userId', 'email'] }));
    expect((await api({ httpMethod: 'POST', path: '/openapi.json', queryStringParameters: null })).statusCode).toBe(405);
  });
});
