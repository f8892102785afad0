/**
 * Segment rules on propensity scores: `scores.<model>` is the probability,
 * `scores.<model>.scoredAt` when it was scored; only the trained models may
 * be named; and a score event moves a profile into (and out of) a segment
 * as the consumer applies it.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import { EXAMPLE_SEGMENTS, segmentsSchema, type SegmentRule, type SegmentsInput } from '../../../lambda/config/unification/segments';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { compileSegments, evaluateSegments, segmentsNextChangeAt, type SegmentSubject } from '../../../lambda/unification/core/segments/segments';
import { unifySettings } from '../../../lambda/unification/settings';
import { unifyBatch } from '../../../lambda/unification/usecases/unify-batch';
import { record } from '../../support/events';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20);

const subject = (scores?: SegmentSubject['scores']): SegmentSubject => ({ traits: {}, computed: {}, enriched: {}, identifiers: {}, ...(scores === undefined ? {} : { scores }) });
const holds = (rule: SegmentRule, s: SegmentSubject, now = NOW) => evaluateSegments(compileSegments(segmentsSchema.parse({ s: { rule } })), s, now).includes('s');
function problems(input: SegmentsInput | Record<string, unknown>): string[] {
  const r = segmentsSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('segment rules on scores', () => {
  const churn = (score: number, daysAgo = 1) => subject({ churn: { score, scoredAt: new Date(NOW - daysAgo * DAY).toISOString() } });

  it('compares scores.<model> as the probability', () => {
    const rule = EXAMPLE_SEGMENTS.likelyToChurn.rule as SegmentRule;
    expect(holds(rule, churn(0.7))).toBe(true);
    expect(holds(rule, churn(0.93))).toBe(true);
    expect(holds(rule, churn(0.69))).toBe(false);
    expect(holds({ attr: 'scores.churn', op: 'lt', value: 0.2 }, churn(0.1))).toBe(true);
  });

  it('treats a profile never scored as missing the score', () => {
    expect(holds({ attr: 'scores.churn', op: 'gte', value: 0 }, subject())).toBe(false);
    expect(holds({ attr: 'scores.churn', op: 'notExists' }, subject())).toBe(true);
    expect(holds({ attr: 'scores.repurchase', op: 'exists' }, churn(0.5))).toBe(false);
  });

  it('reads scores.<model>.scoredAt as a time, and names the moment a fresh score goes stale', () => {
    const fresh = { all: [{ attr: 'scores.churn', op: 'gte', value: 0.7 }, { attr: 'scores.churn.scoredAt', within: '7d' }] } as SegmentRule;
    expect(holds(fresh, churn(0.8, 2))).toBe(true);
    expect(holds(fresh, churn(0.8, 9))).toBe(false);
    const compiled = compileSegments(segmentsSchema.parse({ s: { rule: fresh } }));
    expect(segmentsNextChangeAt(compiled, churn(0.8, 2), NOW)).toBe(NOW - 2 * DAY + 7 * DAY);
  });
});

describe('segment config on scores', () => {
  it('accepts the trained models and their scoredAt', () => {
    expect(problems({ a: { rule: { attr: 'scores.churn', op: 'gte', value: 0.7 } }, b: { rule: { attr: 'scores.repurchase.scoredAt', within: '30d' } } })).toEqual([]);
    expect(problems(EXAMPLE_SEGMENTS)).toEqual([]);
  });

  it('rejects a model that is not trained, naming the models', () => {
    expect(problems({ s: { rule: { attr: 'scores.ltv', op: 'gt', value: 0.5 } } })).toEqual([
      's.rule.attr: unknown score model "ltv" in "scores.ltv": the models are churn, repurchase (scores.<model> is its probability, 0 to 1)',
    ]);
    expect(() => parseConfig({ unification: { segments: { s: { rule: { attr: 'scores.unknown', op: 'gte', value: 0.5 } } } } })).toThrow(/unknown score model "unknown".*churn, repurchase/);
  });

  it('rejects fields of a score other than scoredAt, and a bare scores root', () => {
    expect(problems({ s: { rule: { attr: 'scores.churn.modelVersion', op: 'eq', value: 'x' } } })[0]).toMatch(/its only field is scores\.churn\.scoredAt/);
    expect(problems({ s: { rule: { attr: 'scores', op: 'exists' } } })[0]).toMatch(/names no attribute: write e\.g\. "scores\.churn"/);
  });
});

describe('segment membership follows score events', () => {
  const settings = unifySettings(parseConfig({}));
  const scored = (messageId: string, score: number, scoredAt: string) => ({
    type: 'track',
    messageId,
    userId: 'u-1',
    event: 'Propensity Scored',
    timestamp: scoredAt,
    properties: { model: 'churn', score, modelVersion: 'churn-1', algorithm: 'logistic-regression', scoredAt, topFeatures: [] },
  });

  it('enters likelyToChurn when a high churn score arrives, and leaves it when a later, lower one does', async () => {
    const store = new MemoryProfileStore();
    const deps = { store, quarantine: { put: async () => {} }, settings, clock: () => NOW, newProfileId: () => 'p-1', sleep: async () => {} };
    const live = () => [...store.profiles.values()].find((p) => p.mergedInto === undefined);
    await unifyBatch([record({ type: 'identify', messageId: 'i', userId: 'u-1', timestamp: '2026-11-01T00:00:00.000Z', traits: { tier: 'gold' } }, NOW)], 'b0', 'test', deps);
    expect(live()?.segments ?? {}).not.toHaveProperty('likelyToChurn');
    await unifyBatch([record(scored('s1', 0.82, '2026-11-10T00:00:00.000Z'), NOW)], 'b1', 'test', deps);
    expect(live()?.segments).toHaveProperty('likelyToChurn', new Date(NOW).toISOString());
    // An older scoring arriving late changes nothing.
    await unifyBatch([record(scored('s0', 0.1, '2026-11-01T00:00:00.000Z'), NOW)], 'b2', 'test', deps);
    expect(live()?.segments).toHaveProperty('likelyToChurn');
    await unifyBatch([record(scored('s2', 0.3, '2026-11-17T00:00:00.000Z'), NOW)], 'b3', 'test', deps);
    expect(live()?.segments ?? {}).not.toHaveProperty('likelyToChurn');
  });
});
