import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import { buildModel } from '../../../lambda/activation/core/recommend/co-occurrence';
import { RECOMMENDER_MODEL_KEY, type Recommendation, type RecommendationAnswer } from '../../../lambda/activation/contracts/recommendations';
import { createRecommendationsApi, parseContext, type RecommendationsApiEvent } from '../../../lambda/activation/handlers/recommendations-api';
import type { PersonalizeRecommender } from '../../../lambda/activation/ports';
import { cachedModel, NO_CONSENT_NOTE, NO_MODEL_NOTE, recommendSettings, UNKNOWN_ITEM_NOTE, type RecommendDeps } from '../../../lambda/activation/usecases/recommend';
import { FakeViews, interaction, MemoryCatalog, MemoryDocuments, MemoryInteractions, NOW, view } from './support';

const settings = recommendSettings(parseConfig({}));

function request(path: string, query?: Record<string, string>, method = 'GET'): RecommendationsApiEvent {
  return { rawPath: path, ...(query === undefined ? {} : { queryStringParameters: query }), requestContext: { http: { method } } };
}

class FakePersonalize implements PersonalizeRecommender {
  calls: Array<{ kind: string; id: string; n: number; context?: Readonly<Record<string, string>> }> = [];
  constructor(
    private readonly model: string | undefined,
    private readonly fail?: Error,
  ) {}
  async activeModel(): Promise<string | undefined> {
    return this.model;
  }
  async recommend(profileId: string, n: number, context?: Readonly<Record<string, string>>): Promise<Recommendation[]> {
    this.calls.push({ kind: 'user', id: profileId, n, ...(context === undefined ? {} : { context }) });
    if (this.fail) throw this.fail;
    return [{ itemId: 'P1', score: 0.9 }];
  }
  async similar(itemId: string, n: number): Promise<Recommendation[]> {
    this.calls.push({ kind: 'similar', id: itemId, n });
    if (this.fail) throw this.fail;
    return [{ itemId: 'S1', score: 0.5 }];
  }
}

async function setup(extra: Partial<RecommendDeps> = {}, withModel = true) {
  const views = new FakeViews().add(view('p-1')).add(view('p-no', { personalization: 'denied' }));
  const interactions = new MemoryInteractions();
  await interactions.put([interaction('p-1', 'tent')]);
  const documents = new MemoryDocuments();
  const history = ['a', 'b', 'c'].flatMap((p) => [interaction(p, 'tent'), interaction(p, 'sleeping-bag')]).concat(['d', 'e'].map((p) => interaction(p, 'hit', 'View')));
  if (withModel) await documents.put(RECOMMENDER_MODEL_KEY, buildModel(history, { nowMs: NOW, lookbackDays: 365, maxPerProfile: 200, neighbours: 50 }));
  const catalog = new MemoryCatalog();
  await catalog.put([{ itemId: 'sleeping-bag', attributes: { category: 'Camping', price: 80 }, updatedAt: '2026-10-01T00:00:00.000Z' }]);
  const api = createRecommendationsApi({ views, interactions, catalog, model: cachedModel(documents), settings, clock: () => NOW, ...extra });
  const call = async (path: string, query?: Record<string, string>, method?: string) => {
    const response = await api(request(path, query, method));
    return { status: response.statusCode, body: JSON.parse(response.body as string) as RecommendationAnswer & { error?: string; message?: string } };
  };
  return { call };
}

describe('GET /profiles/{id}/recommendations', () => {
  it('answers from the built-in co-occurrence model, with catalog attributes and without what the profile bought', async () => {
    const { call } = await setup();
    const { status, body } = await call('/profiles/p-1/recommendations', { n: '2' });
    expect(status).toBe(200);
    expect(body.source).toBe('built-in:co-occurrence');
    expect(body.profileId).toBe('p-1');
    expect(body.model).toBe(new Date(NOW).toISOString());
    expect(body.items).toHaveLength(2);
    expect(body.items[0]).toMatchObject({ itemId: 'sleeping-bag', attributes: { category: 'Camping', price: 80 } });
    expect(body.items.map((i) => i.itemId)).not.toContain('tent');
  });

  it('answers popular items, and says why, to a profile without personalization consent', async () => {
    const { call } = await setup();
    const { status, body } = await call('/profiles/p-no/recommendations');
    expect(status).toBe(200);
    expect(body).toMatchObject({ source: 'built-in:popularity', note: NO_CONSENT_NOTE });
    expect(body.items.map((i) => i.itemId)).toEqual(['sleeping-bag', 'tent', 'hit']);
  });

  it('never asks Personalize about a profile without consent', async () => {
    const personalize = new FakePersonalize('arn:aws:personalize:us-east-1:1:solution/s/1');
    const { call } = await setup({ personalize });
    await call('/profiles/p-no/recommendations');
    expect(personalize.calls).toEqual([]);
  });

  it('answers 404 for a profile no one has', async () => {
    const { call } = await setup();
    const { status, body } = await call('/profiles/nobody/recommendations');
    expect(status).toBe(404);
    expect(body.error).toBe('not_found');
  });

  it('answers 400 on a bad n, naming the range', async () => {
    const { call } = await setup();
    for (const n of ['0', '-1', 'ten', '1.5', String(settings.maxCount + 1)]) {
      const { status, body } = await call('/profiles/p-1/recommendations', { n });
      expect(status).toBe(400);
      expect(body.message).toContain(`n must be a whole number from 1 to ${settings.maxCount}`);
    }
  });

  it('answers 400 on a bad context, and on unknown parameters', async () => {
    const { call } = await setup();
    expect((await call('/profiles/p-1/recommendations', { context: '{"DEVICE_TYPE":' })).body.message).toMatch(/JSON does not parse/);
    expect((await call('/profiles/p-1/recommendations', { context: 'DEVICE_TYPE' })).status).toBe(400);
    expect((await call('/profiles/p-1/recommendations', { context: '["mobile"]' })).status).toBe(400);
    const unknown = await call('/profiles/p-1/recommendations', { limit: '3' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('unknown parameter limit');
  });

  it('answers from Personalize when its campaign has a model, passing n and the context', async () => {
    const personalize = new FakePersonalize('arn:aws:personalize:us-east-1:1:solution/s/1');
    const { call } = await setup({ personalize });
    const { status, body } = await call('/profiles/p-1/recommendations', { n: '3', context: 'DEVICE_TYPE:mobile' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ source: 'personalize', model: 'arn:aws:personalize:us-east-1:1:solution/s/1', items: [{ itemId: 'P1', score: 0.9 }] });
    expect(personalize.calls).toEqual([{ kind: 'user', id: 'p-1', n: 3, context: { DEVICE_TYPE: 'mobile' } }]);
  });

  it('falls back to the built-in recommender, with a note, when Personalize fails or has no model yet', async () => {
    const failing = await setup({ personalize: new FakePersonalize('arn:model', Object.assign(new Error('boom'), { name: 'ThrottlingException' })) });
    const failed = await failing.call('/profiles/p-1/recommendations');
    expect(failed.body.source).toBe('built-in:co-occurrence');
    expect(failed.body.note).toBe('Personalize failed (ThrottlingException): the built-in recommender answered');
    const untrained = await setup({ personalize: new FakePersonalize(undefined) });
    const answer = await untrained.call('/profiles/p-1/recommendations');
    expect(answer.body.source).toBe('built-in:co-occurrence');
    expect(answer.body.note).toBeUndefined();
  });

  it('bounds the count to the default when none is asked', async () => {
    const personalize = new FakePersonalize('arn:model');
    const { call } = await setup({ personalize });
    await call('/profiles/p-1/recommendations');
    expect(personalize.calls[0]?.n).toBe(settings.defaultCount);
  });

  it('says so when no model has been built yet', async () => {
    const { call } = await setup({}, false);
    const { status, body } = await call('/profiles/p-1/recommendations');
    expect(status).toBe(200);
    expect(body).toMatchObject({ source: 'built-in:popularity', items: [], note: NO_MODEL_NOTE });
  });
});

describe('GET /items/{id}/similar', () => {
  it('answers the neighbours of a known item', async () => {
    const { call } = await setup();
    const { status, body } = await call('/items/tent/similar', { n: '1' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ source: 'built-in:co-occurrence', itemId: 'tent', items: [{ itemId: 'sleeping-bag' }] });
  });

  it('answers popular items for an unknown item, and says so', async () => {
    const { call } = await setup();
    const { body } = await call(`/items/${encodeURIComponent('no such/item')}/similar`);
    expect(body).toMatchObject({ source: 'built-in:popularity', itemId: 'no such/item', note: UNKNOWN_ITEM_NOTE });
    expect(body.items.length).toBeGreaterThan(0);
  });

  it('answers from Personalize’s similar-items campaign when it has a model', async () => {
    const personalize = new FakePersonalize('arn:similar');
    const { call } = await setup({ personalize });
    const { body } = await call('/items/tent/similar', { n: '4' });
    expect(body).toMatchObject({ source: 'personalize', model: 'arn:similar', items: [{ itemId: 'S1' }] });
    expect(personalize.calls).toEqual([{ kind: 'similar', id: 'tent', n: 4 }]);
  });

  it('takes no context, and answers 405 to other methods and 404 to other routes', async () => {
    const { call } = await setup();
    expect((await call('/items/tent/similar', { context: 'a:b' })).status).toBe(400);
    expect((await call('/items/tent/similar', undefined, 'POST')).status).toBe(405);
    expect((await call('/items/tent')).status).toBe(404);
    expect((await call('/profiles/p-1/recommendations/extra')).status).toBe(404);
  });
});

describe('behind a REST API', () => {
  it('reads the proxy event shape too', async () => {
    const views = new FakeViews().add(view('p-1'));
    const api = createRecommendationsApi({ views, interactions: new MemoryInteractions(), model: async () => undefined, settings, clock: () => NOW });
    const ok = await api({ path: '/profiles/p-1/recommendations', httpMethod: 'GET', queryStringParameters: { n: '2' } });
    expect(ok.statusCode).toBe(200);
    expect((await api({ path: '/items/x/similar', httpMethod: 'DELETE', queryStringParameters: null })).statusCode).toBe(405);
  });
});

describe('the context parameter', () => {
  it('reads a JSON object or k:v pairs into strings', () => {
    expect(parseContext('{"DEVICE_TYPE":"mobile","HOUR":9}')).toEqual({ ok: true, context: { DEVICE_TYPE: 'mobile', HOUR: '9' } });
    expect(parseContext('DEVICE_TYPE:mobile, LOCATION:home')).toEqual({ ok: true, context: { DEVICE_TYPE: 'mobile', LOCATION: 'home' } });
    expect(parseContext('URL:https://x')).toEqual({ ok: true, context: { URL: 'https://x' } });
    expect(parseContext(undefined)).toEqual({ ok: true });
  });

  it('refuses nested values and bad keys', () => {
    expect(parseContext('{"A":{"b":1}}').ok).toBe(false);
    expect(parseContext('bad key:1').ok).toBe(false);
    expect(parseContext('A:').ok).toBe(false);
  });
});
