import { describe, expect, it } from 'vitest';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { createProfileApi } from '../../../lambda/unification/handlers/profile-api';
import type { SegmentMembershipStore } from '../../../lambda/unification/ports';
import { unifyBatch } from '../../../lambda/unification/usecases/unify-batch';
import { unmergeProfile } from '../../../lambda/unification/usecases/unmerge';
import { identify, record, settings, track } from '../../support/events';

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
    expect(out.body.merges).toEqual([expect.objectContaining({ merged: merged?.profileId, messageId: 'm3' })]);
  });

  it('returns clear 400 and 404 JSON errors', async () => {
    const { get, api } = await apiWithData();
    expect(await get('/profiles/0000-unknown')).toEqual({ status: 404, body: { error: 'not_found', message: 'no profile 0000-unknown' } });
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
    const history = await get(`/profiles/${survivor?.profileId}/merges`);
    expect(history.status).toBe(200);
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
    expect(await post(`/profiles/${survivor?.profileId}/unmerge`, 'not json')).toMatchObject({ status: 400 });
    expect(await post(`/profiles/${survivor?.profileId}/unmerge`, { restoredId: 7 })).toMatchObject({ status: 400 });
    expect(await post(`/profiles/${survivor?.profileId}/unmerge`, { restoredId: 'nobody' })).toMatchObject({ status: 404, body: { error: 'not_found' } });
    const out = await post(`/profiles/${survivor?.profileId}/unmerge`, { restoredId: merged?.profileId, reason: 'shared tablet' });
    expect(out.status).toBe(200);
    expect(out.body.unmerge).toMatchObject({ from: survivor?.profileId, restored: merged?.profileId, reason: 'shared tablet' });
    expect(out.body.restored.profileId).toBe(merged?.profileId);
    expect(store.profiles.get(merged?.profileId as string)?.mergedInto).toBeUndefined();
    // Asking again: it is no longer merged.
    expect(await post(`/profiles/${survivor?.profileId}/unmerge`, { restoredId: merged?.profileId })).toMatchObject({ status: 404 });
    expect((await api({ httpMethod: 'GET', path: `/profiles/${survivor?.profileId}/unmerge`, queryStringParameters: null })).statusCode).toBe(405);
  });

  it('lists segments and pages through a segment\'s members', async () => {
    const { get } = await apiWithData();
    expect((await get('/segments')).body).toEqual({ segments: [{ name: 'vip', description: 'big spenders' }, { name: 'lapsed' }] });
    const first = await get('/segments/vip/members', { limit: '2' });
    expect(first).toEqual({ status: 200, body: { segment: 'vip', profileIds: ['p-a', 'p-b'], next: '2' } });
    const second = await get('/segments/vip/members', { limit: '2', cursor: String(first.body.next) });
    expect(second.body).toEqual({ segment: 'vip', profileIds: ['p-c'] });
    expect(await get('/segments/unknown/members')).toMatchObject({ status: 404, body: { message: expect.stringMatching(/configured: vip, lapsed/) } });
    expect(await get('/segments/vip/members', { limit: '0' })).toMatchObject({ status: 400 });
    expect(await get('/segments/vip/other')).toMatchObject({ status: 404 });
  });
});
