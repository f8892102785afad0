/**
 * Propensity scores on the profile: the score event folds into
 * `profile.scores[model]`, the latest scoredAt winning (ties by messageId)
 * whatever the arrival order, merges keep the latest per model, and a
 * malformed score event is an ordinary event that changes no score but is
 * recorded with its reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SCORE_EVENT, type ScoreEventProperties } from '../../../lambda/activation/contracts/events';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { emptyProfile, mergeProfiles, type Profile } from '../../../lambda/unification/core/profile/profile';
import { plainView } from '../fixtures/plain-view';
import { readScore, SCORE_EVENT_NAME, scoreEventPropertiesSchema } from '../../../lambda/unification/core/profile/scores';
import { unifyBatch } from '../../../lambda/unification/usecases/unify-batch';
import { record, settings } from '../../support/events';

const NOW = Date.UTC(2026, 10, 20);

function scoreProps(overrides: Partial<ScoreEventProperties> & Record<string, unknown> = {}): ScoreEventProperties {
  return {
    model: 'churn',
    score: 0.42,
    modelVersion: 'churn-2026-11-01T00:00:00.000Z',
    algorithm: 'logistic-regression',
    scoredAt: '2026-11-10T00:00:00.000Z',
    topFeatures: [{ feature: 'daysSinceLastOrder', weight: 1.2, value: 95 }],
    ...overrides,
  } as ScoreEventProperties;
}

function scoreEvent(messageId: string, props: object, userId = 'u-1'): Record<string, unknown> {
  return { type: 'track', messageId, userId, event: SCORE_EVENT, timestamp: '2026-11-15T00:00:00.000Z', properties: props, context: { channel: 'server' } };
}

async function unify(events: readonly Record<string, unknown>[], batchSize = events.length): Promise<Profile[]> {
  const store = new MemoryProfileStore();
  let n = 0;
  const deps = { store, quarantine: { put: async () => {} }, settings, clock: () => NOW, newProfileId: () => `p-${++n}`, sleep: async () => {} };
  for (let i = 0; i < events.length; i += batchSize) {
    const out = await unifyBatch(events.slice(i, i + batchSize).map((e) => record(e, NOW)), `b${i}`, 'test', deps);
    expect(out.quarantined).toBe(0);
  }
  return [...store.profiles.values()].filter((p) => p.mergedInto === undefined);
}

describe('the score event contract', () => {
  it('is the event the activation pillar produces, and its properties pass the consumer schema', () => {
    expect(SCORE_EVENT_NAME).toBe(SCORE_EVENT);
    const props: ScoreEventProperties = scoreProps({ model: 'repurchase', algorithm: 'random-forest' });
    expect(scoreEventPropertiesSchema.safeParse(props).success).toBe(true);
    // And what the schema accepts is a ScoreEventProperties (this does not compile when the two drift apart).
    const parsed = scoreEventPropertiesSchema.parse(props);
    const asProduced: ScoreEventProperties = parsed;
    expect(asProduced).toEqual(props);
  });

  it('names what is wrong with a malformed score', () => {
    const bad = (props: object) => {
      const read = readScore({ messageId: 'm', type: 'track', name: SCORE_EVENT, timestamp: '2026-11-15T00:00:00.000Z', properties: props as Record<string, unknown> });
      return 'rejected' in read ? read.rejected.reason : undefined;
    };
    expect(bad(scoreProps({ score: 1.5 }))).toMatch(/^score event properties: score: /);
    expect(bad(scoreProps({ model: 'ltv' as never }))).toMatch(/model/);
    expect(bad(scoreProps({ scoredAt: 'yesterday' }))).toMatch(/scoredAt: an ISO-8601 time/);
    expect(bad({ score: 0.5 })).toMatch(/model/);
    expect(bad(scoreProps())).toBeUndefined();
  });
});

describe('scores on the profile', () => {
  it('folds a score event into profile.scores, and the event counts like any other', async () => {
    const [p] = await unify([scoreEvent('s1', scoreProps())]);
    const { model: _model, ...stored } = scoreProps();
    expect(p?.scores?.churn).toEqual({ ...stored, messageId: 's1' });
    expect(p?.computed.eventCount).toBe(1);
    expect(p?.channels).toEqual({ server: 1 });
    expect(plainView(p as Profile).scores).toEqual({ churn: stored });
  });

  it('keeps the latest scoredAt per model, whatever order the events arrive in', async () => {
    const older = scoreEvent('s-old', scoreProps({ score: 0.9, scoredAt: '2026-11-01T00:00:00.000Z' }));
    const newer = scoreEvent('s-new', scoreProps({ score: 0.2, scoredAt: '2026-11-08T00:00:00.000Z' }));
    const other = scoreEvent('s-rep', scoreProps({ model: 'repurchase', score: 0.6, scoredAt: '2026-10-01T00:00:00.000Z' }));
    for (const order of [[older, newer, other], [newer, other, older], [other, older, newer]]) {
      for (const batch of [1, 3]) {
        const [p] = await unify(order, batch);
        expect(p?.scores?.churn?.score).toBe(0.2);
        expect(p?.scores?.repurchase?.score).toBe(0.6);
        expect(p?.computed.eventCount).toBe(3);
      }
    }
  });

  it('breaks a tie between two scorings of the same time by messageId, in either order', async () => {
    const a = scoreEvent('s-a', scoreProps({ score: 0.1 }));
    const b = scoreEvent('s-b', scoreProps({ score: 0.7 }));
    expect((await unify([a, b], 1))[0]?.scores?.churn?.score).toBe(0.7);
    expect((await unify([b, a], 1))[0]?.scores?.churn?.score).toBe(0.7);
  });

  it('ignores a malformed score event for the scores, records it with the reason, and still counts it', async () => {
    const good = scoreEvent('s-good', scoreProps({ score: 0.3 }));
    const bad = scoreEvent('s-bad', scoreProps({ score: 1.5, scoredAt: '2026-11-30T00:00:00.000Z' }));
    const shapeless = scoreEvent('s-shape', { model: 'churn' });
    const [p] = await unify([good, bad, shapeless]);
    expect(p?.scores?.churn?.score).toBe(0.3);
    expect(p?.computed.eventCount).toBe(3);
    expect(p?.rejectedScores?.map((r) => r.messageId).sort()).toEqual(['s-bad', 's-shape']);
    expect(p?.rejectedScores?.every((r) => r.reason.startsWith('score event properties: '))).toBe(true);
    expect(plainView(p as Profile).rejectedScores).toHaveLength(2);
    // Only bad input is recorded.
    const [clean] = await unify([good]);
    expect(clean?.rejectedScores).toBeUndefined();
  });

  it('is a plain track event when its name is not the score event', async () => {
    const [p] = await unify([{ ...scoreEvent('x', scoreProps()), event: 'Propensity Viewed' }]);
    expect(p?.scores).toBeUndefined();
    expect(p?.rejectedScores).toBeUndefined();
  });

  it('keeps the latest score per model when two profiles merge', async () => {
    const merged = await unify([
      scoreEvent('a1', scoreProps({ score: 0.9, scoredAt: '2026-11-09T00:00:00.000Z' }), 'u-a'),
      scoreEvent('b1', scoreProps({ score: 0.1, scoredAt: '2026-11-02T00:00:00.000Z' }), 'u-b'),
      scoreEvent('b2', scoreProps({ model: 'repurchase', score: 0.55, scoredAt: '2026-11-03T00:00:00.000Z' }), 'u-b'),
    ]);
    expect(merged).toHaveLength(2);
    // Either side as the survivor.
    const [a, b] = merged as [Profile, Profile];
    const record = { at: '2026-11-20T00:00:00.000Z', survivor: a.profileId, merged: b.profileId, rule: 'matched' as const };
    for (const [s, l] of [[a, b], [b, a]] as const) {
      const m = mergeProfiles(s, l, { ...record, survivor: s.profileId, merged: l.profileId });
      expect(m.scores?.churn?.score).toBe(0.9);
      expect(m.scores?.repurchase?.score).toBe(0.55);
    }
    const empty = emptyProfile('p-empty', '2026-11-20T00:00:00.000Z');
    expect(mergeProfiles(empty, a, { ...record, survivor: 'p-empty', merged: a.profileId }).scores).toEqual(a.scores);
    expect(mergeProfiles(a, empty, { ...record, merged: 'p-empty' }).scores).toEqual(a.scores);
  });

  it('gives the same scores for any permutation and duplication of score events, in any batching', async () => {
    const specs = fc.array(
      fc.record({
        model: fc.constantFrom('churn', 'repurchase'),
        // Few distinct times, so ties happen.
        day: fc.integer({ min: 1, max: 3 }),
        score: fc.integer({ min: 0, max: 100 }).map((n) => n / 100),
        valid: fc.boolean(),
        person: fc.integer({ min: 0, max: 1 }),
      }),
      { minLength: 1, maxLength: 12 },
    );
    const toEvents = (list: Array<{ model: string; day: number; score: number; valid: boolean; person: number }>) =>
      list.map((s, i) =>
        scoreEvent(
          `s-${i}`,
          scoreProps({ model: s.model as 'churn', score: s.valid ? s.score : s.score + 2, scoredAt: new Date(Date.UTC(2026, 10, s.day)).toISOString() }),
          `u-${s.person}`,
        ),
      );
    const summary = (profiles: Profile[]) =>
      profiles
        .map((p) => ({ ids: p.identifiers, scores: p.scores ?? {}, rejected: p.rejectedScores ?? [], events: p.computed.eventCount }))
        .sort((x, y) => (JSON.stringify(x.ids) < JSON.stringify(y.ids) ? -1 : 1));
    await fc.assert(
      fc.asyncProperty(
        specs.chain((list) => {
          const events = toEvents(list);
          return fc.tuple(
            fc.constant(events),
            fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
            fc.array(fc.integer({ min: 0, max: events.length - 1 }), { maxLength: 4 }),
            fc.integer({ min: 1, max: 5 }),
          );
        }),
        async ([events, permuted, repeats, batch]) => {
          const expected = summary(await unify(events));
          const again = [...permuted, ...repeats.map((i) => events[i] as Record<string, unknown>)];
          expect(summary(await unify(again, batch))).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});
