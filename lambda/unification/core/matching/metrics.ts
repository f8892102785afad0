/**
 * Pairwise evaluation of a clustering against the truth: a pair of records is
 * predicted to match when both are in the same predicted cluster, truly matches
 * when both are in the same true cluster. Counted over ALL record pairs, so
 * pairs that blocking never compared count as missed.
 */

export interface PairwiseMetrics {
  precision: number;
  recall: number;
  f1: number;
  truePositives: number;
  predictedPairs: number;
  truePairs: number;
  /** Records present in both labelings (the ones evaluated). */
  records: number;
}

type Labels = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

function entries(labels: Labels): Iterable<[string, string]> {
  return labels instanceof Map ? labels.entries() : Object.entries(labels);
}

const pairsOf = (k: number): number => (k * (k - 1)) / 2;

/**
 * Precision, recall and F1 of `predicted` (record id → cluster id) against
 * `truth` (record id → true entity id) over every pair of records labelled in
 * both. With no predicted (or no true) pairs, precision (recall) is 1.
 */
export function pairwiseMetrics(predicted: Labels, truth: Labels): PairwiseMetrics {
  const truthMap = truth instanceof Map ? truth : new Map(Object.entries(truth));
  const predSizes = new Map<string, number>();
  const truthSizes = new Map<string, number>();
  const cellSizes = new Map<string, number>();
  let records = 0;
  for (const [id, cluster] of entries(predicted)) {
    const t = truthMap.get(id);
    if (t === undefined) continue;
    records++;
    predSizes.set(cluster, (predSizes.get(cluster) ?? 0) + 1);
    truthSizes.set(t, (truthSizes.get(t) ?? 0) + 1);
    const cell = `${cluster.length}:${cluster}\u0000${t}`;
    cellSizes.set(cell, (cellSizes.get(cell) ?? 0) + 1);
  }
  let tp = 0;
  for (const k of cellSizes.values()) tp += pairsOf(k);
  let predictedPairs = 0;
  for (const k of predSizes.values()) predictedPairs += pairsOf(k);
  let truePairs = 0;
  for (const k of truthSizes.values()) truePairs += pairsOf(k);
  const precision = predictedPairs === 0 ? 1 : tp / predictedPairs;
  const recall = truePairs === 0 ? 1 : tp / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, truePositives: tp, predictedPairs, truePairs, records };
}
