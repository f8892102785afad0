/**
 * Hold-out metrics of a scorer: ROC-AUC (rank-based, ties counted half),
 * PR-AUC (average precision, tied scores taken as one step), lift in the
 * top decile, and calibration (expected calibration error over 10
 * equal-width bins, with the bins). And the baseline every model must beat:
 * the recency rank.
 */
import type { ScoreModel } from '../../../config/activation';
import type { CalibrationBin, ModelMetrics } from '../../contracts/propensity';

function check(scores: readonly number[], labels: readonly (0 | 1)[]): void {
  if (scores.length !== labels.length) throw new Error(`metrics: ${scores.length} scores and ${labels.length} labels`);
}

/** 1-based ranks of `values` ascending, ties getting their average rank. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const ranks = new Array<number>(values.length).fill(0);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && (order[j + 1] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[(order[k] as readonly [number, number])[1]] = rank;
    i = j + 1;
  }
  return ranks;
}

/** The probability that a random positive scores above a random negative (a tie counts one half); NaN with a single class. */
export function rocAuc(scores: readonly number[], labels: readonly (0 | 1)[]): number {
  check(scores, labels);
  const ranks = averageRanks(scores);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) {
      positives++;
      rankSum += ranks[i] as number;
    }
  }
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Average precision: the mean, over positives, of the precision at the
 * score of each; scores tied with it count as ranked together (precision
 * at the end of the tied group). NaN without a positive.
 */
export function averagePrecision(scores: readonly number[], labels: readonly (0 | 1)[]): number {
  check(scores, labels);
  const order = scores.map((s, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  const positives = labels.filter((l) => l === 1).length;
  if (positives === 0) return Number.NaN;
  let seen = 0;
  let hits = 0;
  let sum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    const score = scores[order[i] as number] as number;
    while (j + 1 < order.length && scores[order[j + 1] as number] === score) j++;
    let groupHits = 0;
    for (let k = i; k <= j; k++) if (labels[order[k] as number] === 1) groupHits++;
    seen += j - i + 1;
    hits += groupHits;
    sum += groupHits * (hits / seen);
    i = j + 1;
  }
  return sum / positives;
}

/**
 * Positive rate of the top 10% by score (ceil(n/10) rows; ties at the edge
 * cut by input order) over the overall positive rate. NaN without a positive.
 */
export function topDecileLift(scores: readonly number[], labels: readonly (0 | 1)[]): number {
  check(scores, labels);
  const n = labels.length;
  const positives = labels.filter((l) => l === 1).length;
  if (n === 0 || positives === 0) return Number.NaN;
  const top = Math.ceil(n / 10);
  const order = scores.map((s, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  let hits = 0;
  for (let k = 0; k < top; k++) if (labels[order[k] as number] === 1) hits++;
  return hits / top / (positives / n);
}

/** 10 equal-width bins of [0, 1] (the last one closed): count, mean score, positive rate; and the ECE (count-weighted |mean - rate|). */
export function calibration(scores: readonly number[], labels: readonly (0 | 1)[], binCount = 10): { ece: number; bins: CalibrationBin[] } {
  check(scores, labels);
  const sums = Array.from({ length: binCount }, () => ({ count: 0, score: 0, positives: 0 }));
  for (let i = 0; i < scores.length; i++) {
    const s = Math.min(1, Math.max(0, scores[i] as number));
    const b = sums[Math.min(binCount - 1, Math.floor(s * binCount))] as { count: number; score: number; positives: number };
    b.count++;
    b.score += s;
    b.positives += labels[i] as number;
  }
  let ece = 0;
  const bins = sums.map((b, k) => {
    const meanScore = b.count === 0 ? 0 : b.score / b.count;
    const positiveRate = b.count === 0 ? 0 : b.positives / b.count;
    if (scores.length > 0) ece += (b.count / scores.length) * Math.abs(meanScore - positiveRate);
    return { lower: k / binCount, upper: (k + 1) / binCount, count: b.count, meanScore, positiveRate };
  });
  return { ece, bins };
}

export function metrics(scores: readonly number[], labels: readonly (0 | 1)[]): ModelMetrics {
  const c = calibration(scores, labels);
  return { rocAuc: rocAuc(scores, labels), prAuc: averagePrecision(scores, labels), topDecileLift: topDecileLift(scores, labels), ece: c.ece, calibration: c.bins };
}

/**
 * The recency baseline: each profile's rank by days since its last order,
 * as a share in (0, 1] (ties share their average rank). Churn: the longer
 * since the last order, the higher; repurchase: the shorter, the higher.
 * Its ECE treats that share as a probability, which it is not meant to be:
 * the baseline is there for ranking (ROC-AUC, PR-AUC, lift).
 */
export function recencyBaseline(daysSinceLastOrder: readonly number[], model: ScoreModel): number[] {
  const n = daysSinceLastOrder.length;
  const ranks = averageRanks(model === 'churn' ? daysSinceLastOrder : daysSinceLastOrder.map((d) => -d));
  return ranks.map((r) => r / n);
}
