/** The profile API's GET shows a profile's propensity scores, and the score events that changed none with the reason. */
import { describe, expect, it } from 'vitest';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { createProfileApi } from '../../../lambda/unification/handlers/profile-api';
import { unifyBatch } from '../../../lambda/unification/usecases/unify-batch';
import { record, settings } from '../../support/events';

const scored = (messageId: string, properties: Record<string, unknown>) => ({
  type: 'track',
  messageId,
  userId: 'u-1',
  event: 'Propensity Scored',
  timestamp: '2026-11-10T00:00:00.000Z',
  properties,
});

describe('profile API scores', () => {
  it('returns scores by model without the internal tie-breaker, and the rejected score events', async () => {
    const store = new MemoryProfileStore();
    await unifyBatch(
      [
        record(scored('s1', { model: 'churn', score: 0.77, modelVersion: 'churn-7', algorithm: 'random-forest', scoredAt: '2026-11-10T00:00:00.000Z', topFeatures: [{ feature: 'orderCount', weight: -0.2, value: 1 }] })),
        record(scored('s2', { model: 'churn', score: -0.1, modelVersion: 'churn-7', algorithm: 'random-forest', scoredAt: '2026-11-11T00:00:00.000Z', topFeatures: [] })),
      ],
      'b1',
      'test',
      { store, quarantine: { put: async () => {} }, settings, sleep: async () => {} },
    );
    const api = createProfileApi({ store, identifierTypes: settings.parse.identifierTypes, defaultPhoneRegion: 'US' });
    const out = await api({ httpMethod: 'GET', path: '/profiles', pathParameters: null, queryStringParameters: { userId: 'u-1' } });
    expect(out.statusCode).toBe(200);
    const body = JSON.parse(out.body) as Record<string, unknown>;
    expect(body.scores).toEqual({
      churn: { score: 0.77, modelVersion: 'churn-7', algorithm: 'random-forest', scoredAt: '2026-11-10T00:00:00.000Z', topFeatures: [{ feature: 'orderCount', weight: -0.2, value: 1 }] },
    });
    expect(body.rejectedScores).toEqual([{ messageId: 's2', at: '2026-11-10T00:00:00.000Z', reason: expect.stringMatching(/^score event properties: score: /) }]);
    expect((body.computed as { eventCount: number }).eventCount).toBe(2);
  });
});
