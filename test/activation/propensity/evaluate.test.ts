/** The metrics on hand-worked examples. */
import { describe, expect, it } from 'vitest';
import { averagePrecision, averageRanks, calibration, metrics, recencyBaseline, rocAuc, topDecileLift } from '../../../lambda/activation/core/propensity/evaluate';

describe('ROC-AUC', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 when every score ties', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
  });

  it('counts a tied positive-negative pair as one half', () => {
    // Pairs (pos, neg): (0.8 vs 0.1) win, (0.8 vs 0.5) win, (0.5 vs 0.1) win, (0.5 vs 0.5) tie → 3.5 / 4.
    expect(rocAuc([0.1, 0.5, 0.5, 0.8], [0, 0, 1, 1])).toBe(0.875);
  });

  it('is NaN with a single class', () => {
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNaN();
  });

  it('ranks ties by their average rank', () => {
    expect(averageRanks([3, 1, 3, 2])).toEqual([3.5, 1, 3.5, 2]);
  });
});

describe('PR-AUC (average precision)', () => {
  it('is 1 when the positives come first', () => {
    expect(averagePrecision([0.9, 0.8, 0.1], [1, 1, 0])).toBe(1);
  });
  it('averages the precision at each positive', () => {
    // Ranked: 1 (p@1 = 1), 0, 1 (p@3 = 2/3) → (1 + 2/3) / 2.
    expect(averagePrecision([0.9, 0.5, 0.1], [1, 0, 1])).toBeCloseTo(5 / 6, 12);
  });
  it('takes tied scores as one step', () => {
    // All tied: precision 1/2 at the end of the group, for each positive.
    expect(averagePrecision([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0])).toBe(0.5);
  });
});

describe('top-decile lift', () => {
  it('is the top tenth positive rate over the overall rate', () => {
    // 20 rows, 4 positives (rate 0.2); the top 2 by score are both positive → 1 / 0.2 = 5.
    const scores = Array.from({ length: 20 }, (_, i) => i / 20);
    const labels = scores.map((_, i) => (i >= 18 || i === 3 || i === 7 ? 1 : 0)) as (0 | 1)[];
    expect(topDecileLift(scores, labels)).toBe(5);
    // Reversed scores: the top 2 are negatives.
    expect(topDecileLift(scores.map((s) => -s), labels)).toBe(0);
  });
});

describe('calibration', () => {
  it('bins scores into ten equal-width bins and weighs each gap by its count', () => {
    // Bin [0.2, 0.3): two scores averaging 0.25, one positive (rate 0.5); bin [0.9, 1]: two at 0.95 and 1, both positive.
    const { ece, bins } = calibration([0.2, 0.3 - 1e-9, 0.95, 1], [0, 1, 1, 1]);
    expect(bins).toHaveLength(10);
    expect(bins[2]).toMatchObject({ lower: 0.2, count: 2, positiveRate: 0.5 });
    expect(bins[2]?.meanScore).toBeCloseTo(0.25, 6);
    expect(bins[9]).toMatchObject({ count: 2, meanScore: 0.975, positiveRate: 1 });
    expect(ece).toBeCloseTo((2 / 4) * 0.25 + (2 / 4) * 0.025, 6);
  });

  it('weighs only the gap between a bin mean score and its positive rate: 0 when they match', () => {
    expect(calibration([0.5, 0.5, 0.05, 0.05], [1, 0, 0, 0]).ece).toBeCloseTo(0.025, 12);
    expect(calibration([0, 0, 1, 1], [0, 0, 1, 1]).ece).toBe(0);
  });

  it('reports every metric together', () => {
    const m = metrics([0.1, 0.9], [0, 1]);
    expect(m).toMatchObject({ rocAuc: 1, prAuc: 1, topDecileLift: 2 });
    expect(m.calibration).toHaveLength(10);
  });
});

describe('the recency baseline', () => {
  it('ranks longer since the last order higher for churn, and shorter for repurchase', () => {
    expect(recencyBaseline([10, 40, 20, 40], 'churn')).toEqual([0.25, 0.875, 0.5, 0.875]);
    expect(recencyBaseline([10, 40, 20, 40], 'repurchase')).toEqual([1, 0.375, 0.75, 0.375]);
  });
});
