/**
 * The challenger: a random forest of CART trees (ml-random-forest's
 * RandomForestClassifier), seeded, so the same data gives the same forest.
 * The forest is stored as its `toJSON()` and loaded with
 * `RandomForestClassifier.load`.
 *
 * ml-cart (the trees under ml-random-forest) tries a split at every change
 * of label between neighbouring sorted values, and counts a node's classes
 * by looking up each label's first occurrence: both cost O(n²) per node on
 * raw values in arbitrary order. So the forest works histogram-style on
 * binned features (each feature cut into at most BINS quantile bins of the
 * training data; the edges are stored with the model), on at most
 * `maxRows` training rows (a seeded sample, stratified by label), given in
 * an order that keeps both costs linear: a short prefix alternating the
 * labels (so both classes' first occurrences are found at once in every
 * node), then the rest ordered by label (so that within one bin the labels
 * do not alternate and each bin offers at most two split points). Each tree
 * sees a seeded subset of the features (the random subspace method); the
 * rows are not bagged, since the library's bagging would shuffle them out
 * of that order and back to O(n²).
 *
 * The probability of label 1 is the mean over the trees of the share of
 * label 1 in the leaf the row falls in (the leaf's class distribution, as
 * ml-cart keeps it), which is smoother than the share of votes.
 *
 * Per-customer contributions are an approximation, and say so: a feature's
 * contribution is how much the score drops when that feature alone is
 * replaced by its training mean (score(x) - score(x with x_j = mean_j)). It
 * ignores interactions between features; it is honest about direction and
 * rough size, not an exact attribution.
 */
import { RandomForestClassifier } from 'ml-random-forest';
import { seededRandom } from '../../../shared/random';
import type { ForestParameters } from '../../contracts/propensity';

/** Most bins per feature. */
export const BINS = 16;
/** Rows of the alternating prefix (see the module comment). */
const PREFIX = 32;

export interface ForestOptions {
  /** @default 30 */
  readonly trees?: number;
  /** Share of the features each tree sees. @default 0.6 */
  readonly maxFeatures?: number;
  /** @default 6 */
  readonly maxDepth?: number;
  /** Rows at or below which a node becomes a leaf. @default 20 */
  readonly minNumSamples?: number;
  /** Training rows the trees learn from at most (a seeded sample, stratified by label). @default 1000 */
  readonly maxRows?: number;
  /** @default 42 */
  readonly seed?: number;
}

/** A forest ready to score. */
export interface Forest {
  readonly classifier: RandomForestClassifier;
  readonly binEdges: readonly (readonly number[])[];
  readonly means: readonly number[];
}

/** The quantile bin edges of each column (distinct values, at most BINS - 1 edges). */
export function binEdges(x: readonly (readonly number[])[]): number[][] {
  const d = (x[0] as readonly number[]).length;
  const edges: number[][] = [];
  for (let j = 0; j < d; j++) {
    const values = x.map((r) => r[j] as number).sort((a, b) => a - b);
    const cut = new Set<number>();
    for (let b = 1; b < BINS; b++) {
      const v = values[Math.min(values.length - 1, Math.floor((b * values.length) / BINS))] as number;
      // An edge at the minimum would leave its bin empty.
      if (v > (values[0] as number)) cut.add(v);
    }
    edges.push([...cut].sort((a, b) => a - b));
  }
  return edges;
}

/** A row as bin numbers: each value's bin is how many of its feature's edges are <= it. */
export function binRow(row: readonly number[], edges: readonly (readonly number[])[]): number[] {
  return row.map((v, j) => {
    const e = edges[j] as readonly number[];
    let lo = 0;
    let hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((e[mid] as number) <= v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  });
}

/** A seeded shuffle (Fisher-Yates) of `items`. */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * The training rows' indexes in the order the trees get them: at most
 * `maxRows`, each class in proportion; a prefix alternating 0 and 1, then
 * the remaining 0s, then the remaining 1s (each in index order).
 */
export function trainingOrder(y: readonly (0 | 1)[], maxRows: number, seed: number): number[] {
  const random = seededRandom(seed);
  const zeros = y.flatMap((l, i) => (l === 0 ? [i] : []));
  const ones = y.flatMap((l, i) => (l === 1 ? [i] : []));
  const take = (list: number[]) => {
    if (y.length <= maxRows) return list;
    const k = Math.max(1, Math.round((list.length / y.length) * maxRows));
    return shuffled(list, random).slice(0, k).sort((a, b) => a - b);
  };
  const z = take(zeros);
  const o = take(ones);
  const prefix: number[] = [];
  const n = Math.min(PREFIX / 2, z.length, o.length);
  for (let k = 0; k < n; k++) prefix.push(z[k] as number, o[k] as number);
  return [...prefix, ...z.slice(n), ...o.slice(n)];
}

/** Trains a forest on rows `x` and labels `y` (0/1). */
export function fitForest(x: readonly (readonly number[])[], y: readonly (0 | 1)[], opts: ForestOptions = {}): Forest {
  if (x.length === 0 || x.length !== y.length) throw new Error(`random forest: ${x.length} rows and ${y.length} labels`);
  const d = (x[0] as readonly number[]).length;
  const seed = opts.seed ?? 42;
  const order = trainingOrder(y, opts.maxRows ?? 1000, seed);
  const sample = order.map((i) => x[i] as readonly number[]);
  const edges = binEdges(sample);
  const rows = sample.map((r) => binRow(r, edges));
  const labels = order.map((i) => y[i] as number);
  const classifier = new RandomForestClassifier({
    nEstimators: opts.trees ?? 30,
    maxFeatures: Math.max(1, Math.min(d, Math.round(d * (opts.maxFeatures ?? 0.6)))),
    replacement: false,
    useSampleBagging: false,
    noOOB: true,
    seed,
    treeOptions: { maxDepth: opts.maxDepth ?? 6, minNumSamples: opts.minNumSamples ?? 20, gainThreshold: 0 },
  });
  classifier.train(rows, labels);
  const means = new Array<number>(d).fill(0);
  for (const row of x) for (let j = 0; j < d; j++) means[j] = (means[j] as number) + (row[j] as number) / x.length;
  return { classifier, binEdges: edges, means };
}

/** The forest as stored in a model file. */
export function forestParameters(forest: Forest): ForestParameters {
  // A plain JSON value: toJSON() holds the trees' own toJSON() objects.
  return {
    json: JSON.parse(JSON.stringify(forest.classifier.toJSON())) as unknown,
    binEdges: forest.binEdges.map((e) => [...e]),
    means: [...forest.means],
  };
}

/** A forest back from a model file. */
export function loadForest(params: ForestParameters): Forest {
  const json = params.json as Parameters<typeof RandomForestClassifier.load>[0];
  if (typeof json !== 'object' || json === null || json.name !== 'RFClassifier') throw new Error('model file: the forest is not a RandomForestClassifier model');
  return { classifier: RandomForestClassifier.load(json), binEdges: params.binEdges, means: params.means };
}

/** What scoring reads of a trained or loaded forest: each tree's feature subset and root (ml-cart's TreeNode). */
interface TreeNodeLike {
  classify(row: readonly number[]): { columns: number; get(row: number, column: number): number };
}
interface ForestInternals {
  readonly indexes: readonly (readonly number[])[];
  readonly estimators: readonly { readonly root: TreeNodeLike }[];
}

/** For each row, the mean over the trees of the share of label 1 in its leaf. */
export function forestScores(forest: Forest, rows: readonly (readonly number[])[]): number[] {
  const { indexes, estimators } = forest.classifier as unknown as ForestInternals;
  return rows.map((raw) => {
    const row = binRow(raw, forest.binEdges);
    let sum = 0;
    for (let t = 0; t < estimators.length; t++) {
      const used = indexes[t] as readonly number[];
      const leaf = (estimators[t] as { readonly root: TreeNodeLike }).root.classify(used.map((j) => row[j] as number));
      sum += leaf.columns > 1 ? leaf.get(0, 1) : 0;
    }
    return estimators.length === 0 ? 0 : sum / estimators.length;
  });
}

/** Each row's score and each feature's contribution: score(x) - score(x with that feature at its training mean). */
export function forestContributions(forest: Forest, rows: readonly (readonly number[])[]): { scores: number[]; contributions: number[][] } {
  const d = forest.means.length;
  const probes: number[][] = [];
  for (const row of rows) {
    probes.push([...row]);
    for (let j = 0; j < d; j++) {
      const probe = [...row];
      probe[j] = forest.means[j] as number;
      probes.push(probe);
    }
  }
  const all = forestScores(forest, probes);
  const scores: number[] = [];
  const contributions: number[][] = [];
  for (let i = 0; i < rows.length; i++) {
    const base = all[i * (d + 1)] as number;
    scores.push(base);
    contributions.push(Array.from({ length: d }, (_, j) => base - (all[i * (d + 1) + 1 + j] as number)));
  }
  return { scores, contributions };
}
