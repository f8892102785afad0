import { describe, expect, it } from 'vitest';
import { evaluateHoldout, hitAt, ndcgAt } from '../../../lambda/activation/core/recommend/evaluate';
import { interaction, NOW } from './support';

describe('ranking metrics', () => {
  it('HitRate@k is 1 when a target is in the first k', () => {
    expect(hitAt(['a', 'b', 'c'], new Set(['c']), 3)).toBe(1);
    expect(hitAt(['a', 'b', 'c'], new Set(['c']), 2)).toBe(0);
    expect(hitAt([], new Set(['c']), 10)).toBe(0);
  });

  it('NDCG@k divides the hits discounted by rank by the ideal ordering', () => {
    // One target at rank 1: perfect.
    expect(ndcgAt(['t', 'x'], new Set(['t']), 10)).toBe(1);
    // One target at rank 2: (1/log2(3)) / 1.
    expect(ndcgAt(['x', 't'], new Set(['t']), 10)).toBeCloseTo(1 / Math.log2(3), 12);
    // Two targets at ranks 1 and 3: (1 + 1/log2(4)) / (1 + 1/log2(3)).
    expect(ndcgAt(['t1', 'x', 't2'], new Set(['t1', 't2']), 10)).toBeCloseTo((1 + 0.5) / (1 + 1 / Math.log2(3)), 12);
    // The ideal is bounded by k: three targets, k = 2, both slots hit.
    expect(ndcgAt(['t1', 't2'], new Set(['t1', 't2', 't3']), 2)).toBe(1);
    expect(ndcgAt(['x'], new Set(), 10)).toBe(0);
  });
});

describe('the time-split hold-out', () => {
  const cutoff = NOW - 10 * 24 * 3600 * 1000;
  // Before the cutoff: tent buyers also bought sleeping bags; "hit" is the most popular item.
  const before = [
    ...['a', 'b', 'c'].flatMap((p) => [interaction(p, 'tent', 'Purchase', 20), interaction(p, 'sleeping-bag', 'Purchase', 19)]),
    ...['d', 'e', 'f', 'g', 'h'].map((p) => interaction(p, 'hit', 'Purchase', 20)),
    interaction('z', 'tent', 'Purchase', 15),
  ];
  // After: z buys the sleeping bag (a new item for it), and re-buys the tent (not new: no target).
  const after = [interaction('z', 'sleeping-bag', 'Purchase', 2), interaction('z', 'tent', 'Purchase', 1), interaction('newcomer', 'hit', 'Purchase', 1)];

  it('trains before the cutoff and scores new items after it, beside the popularity baseline', () => {
    const result = evaluateHoldout([...before, ...after], cutoff, { lookbackDays: 365, maxPerProfile: 200, neighbours: 50, k: 1 });
    // Only z has interactions on both sides; the newcomer has no history, the others no new item.
    expect(result).toMatchObject({ profiles: 1, targets: 1, k: 1, trainInteractions: before.length });
    expect(result.builtIn).toEqual({ hitRate: 1, ndcg: 1 });
    // The most popular item z has not seen is "hit", not the sleeping bag.
    expect(result.popularity).toEqual({ hitRate: 0, ndcg: 0 });
  });

  it('has no test profiles when nothing happened after the cutoff', () => {
    const result = evaluateHoldout(before, cutoff, { lookbackDays: 365, maxPerProfile: 200, neighbours: 50 });
    expect(result).toMatchObject({ profiles: 0, builtIn: { hitRate: 0, ndcg: 0 } });
  });
});
