import { describe, expect, it } from 'vitest';
import { MemoryProfileStore } from '../../lambda/adapters/memory-profile-store';
import { createProfileApi } from '../../lambda/handlers/profile-api-handler';
import { unifyBatch } from '../../lambda/usecases/unify-batch';
import { identify, record, settings, track } from '../support/events';

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
  const api = createProfileApi({ store, identifierTypes: settings.parse.identifierTypes, defaultPhoneRegion: 'US' });
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
    expect(byEmail.body.traits).toEqual({ email: 'ana@example.com', name: 'Ana', phone: '(415) 555-0132' });
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
});
