/**
 * The probabilistic scorer: compares the candidate pairs, measures u on random
 * pairs, fits the model by EM (model.ts) and scores pairs as posterior log2
 * odds of being the same person, with term-frequency adjustments.
 */
import {
  compareRecords,
  FEATURES,
  FEATURE_COUNT,
  F_ATTRIBUTE,
  F_BIRTHPLACE,
  F_EMAIL,
  F_FIRST,
  F_GENDER,
  F_LAST,
  F_NID,
  F_PHONE,
  MISSING,
  type PreparedPerson,
} from './features';
import { MAX_CATEGORICAL_ATTRIBUTES } from '../../../config/unification/matching';
import { seededRandom } from '../../../shared/random';
import { DEFAULT_U, estimateModel, estimateU, finalModel, patternKey, type MatchModel, type URawCounts } from './model';

/** Random pairs measured for u (all pairs when there are fewer). */
const U_SAMPLE = 200_000;
/** Term-frequency adjustments need this many values of a field to be meaningful. */
const TF_MIN_VALUES = 1000;
/** Bound on a term-frequency adjustment, in bits. */
const TF_MAX_BITS = 8;

export const log2Odds = (p: number): number => Math.log2(p / (1 - p));


/**
 * Features whose exact-agreement u comes from value frequencies, and whether
 * exact agreement is also weighted by how rare the agreed value is (not for
 * gender: a rarely stated gender is no rarer a coincidence once stated).
 */
const TF_FEATURES: ReadonlyArray<readonly [number, (p: PreparedPerson) => string, boolean]> = [
  [F_FIRST, (p) => p.first, true],
  [F_LAST, (p) => p.last, true],
  [F_NID, (p) => p.nationalId, true],
  [F_EMAIL, (p) => p.email, true],
  [F_PHONE, (p) => p.phone, true],
  [F_GENDER, (p) => p.gender, false],
  [F_BIRTHPLACE, (p) => p.birthplaceC, true],
  ...Array.from({ length: MAX_CATEGORICAL_ATTRIBUTES }, (_, s) => [F_ATTRIBUTE + s, (p: PreparedPerson) => p.attributes[s] ?? '', true] as const),
];

/** Value frequencies of one field: the exact-agreement rate over pairs and each value's count. */
function frequencies(prepared: readonly PreparedPerson[], value: (p: PreparedPerson) => string) {
  const counts = new Map<string, number>();
  let present = 0;
  for (const p of prepared) {
    const v = value(p);
    if (v === '') continue;
    present++;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  let agreeingPairs = 0;
  for (const c of counts.values()) agreeingPairs += (c * (c - 1)) / 2;
  const totalPairs = (present * (present - 1)) / 2;
  return { counts, present, agreeingPairs, totalPairs };
}

export interface Scorer {
  model: MatchModel;
  /** Posterior log2 odds of a match for any two records. */
  scorePair: (x: number, y: number) => number;
  /** Posterior log2 odds of candidate pair k (levels computed once). */
  scoreCandidate: (k: number) => number;
  /** Per-feature levels and contributions for any two records. */
  explainPair: (x: number, y: number) => { logOdds: number; features: Array<{ name: string; level: string; weight: number }> };
  timings: { compare: number; estimate: number };
}

/**
 * Compares the candidate pairs, fits the model and returns the scoring
 * functions. `pairs` are encoded i * n + j with i < j.
 */
export function buildScorer(
  prepared: readonly PreparedPerson[],
  pairs: Float64Array,
  enabled: Uint8Array,
  options: { emIterations: number; termFrequency: boolean; categorical?: readonly string[] },
): Scorer {
  // categorical attributes go by their declared names
  const names = FEATURES.map((f, i) => (i >= F_ATTRIBUTE ? (options.categorical?.[i - F_ATTRIBUTE] ?? f.name) : f.name));
  const n = prepared.length;
  const P = pairs.length;
  const t0 = performance.now();

  // 1. agreement levels of every candidate pair, and the pattern counts
  const levels = new Uint8Array(P * FEATURE_COUNT);
  const scratch = new Uint8Array(FEATURE_COUNT);
  const keys = new Float64Array(P);
  const present = new Float64Array(FEATURE_COUNT);
  for (let k = 0; k < P; k++) {
    const code = pairs[k]!;
    const i = Math.floor(code / n);
    compareRecords(prepared[i]!, prepared[code - i * n]!, enabled, scratch);
    levels.set(scratch, k * FEATURE_COUNT);
    keys[k] = patternKey(scratch);
    for (let f = 0; f < FEATURE_COUNT; f++) if (scratch[f] !== MISSING) present[f]!++;
  }
  keys.sort(); // counting runs of a sorted array beats a hash map of large keys
  const patterns = new Map<number, number>();
  for (let k = 0; k < P; ) {
    let e = k + 1;
    while (e < P && keys[e] === keys[k]) e++;
    patterns.set(keys[k]!, e - k);
    k = e;
  }
  const t1 = performance.now();

  // 2. u from random pairs; exact agreement of names and identifiers from value frequencies
  const totalPairs = (n * (n - 1)) / 2;
  const raw: URawCounts = {
    counts: FEATURES.map((f) => new Array<number>(f.levels.length).fill(0)),
    exact: FEATURES.map(() => undefined),
  };
  const tally = (i: number, j: number): void => {
    compareRecords(prepared[i]!, prepared[j]!, enabled, scratch);
    for (let f = 0; f < FEATURE_COUNT; f++) {
      const l = scratch[f]!;
      if (l !== MISSING) raw.counts[f]![l]!++;
    }
  };
  if (totalPairs <= U_SAMPLE) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) tally(i, j);
  } else {
    const rand = seededRandom(0x5eed);
    for (let s = 0; s < U_SAMPLE; s++) {
      const i = Math.floor(rand() * n);
      let j = Math.floor(rand() * (n - 1));
      if (j >= i) j++;
      tally(i, j);
    }
  }
  // term frequencies: exact agreement on value v is worth log2(m / p_v) instead
  // of log2(m / u_exact), p_v being v's share of the records
  const tfAdj: Array<Float32Array | undefined> = FEATURES.map(() => undefined);
  for (const [f, value, byValue] of TF_FEATURES) {
    if (enabled[f] !== 1) continue;
    const fr = frequencies(prepared, value);
    if (fr.present < 2) continue;
    const alpha = 2000; // pseudo-pairs of the default, which dominates small inputs
    raw.exact[f] = (fr.agreeingPairs + alpha * DEFAULT_U[f]![0]!) / (fr.totalPairs + alpha);
    if (byValue && options.termFrequency && fr.present >= TF_MIN_VALUES && fr.agreeingPairs > 0) {
      const adj = new Float32Array(n);
      const uExact = fr.agreeingPairs / fr.totalPairs;
      prepared.forEach((p, i) => {
        const v = value(p);
        if (v === '') return;
        const share = fr.counts.get(v)! / fr.present;
        adj[i] = Math.max(-TF_MAX_BITS, Math.min(TF_MAX_BITS, Math.log2(uExact / share)));
      });
      tfAdj[f] = adj;
    }
  }
  const uRaw = estimateU(raw);

  // 3. EM and the final weights
  const active = FEATURES.map((_, f) => enabled[f] === 1 && present[f]! > 0);
  const est = estimateModel(patterns, uRaw, active, options.emIterations, totalPairs);
  const fitted = finalModel(est, uRaw, active, totalPairs);
  const { weights, relatedWeights, correction, logOdds } = fitted;
  const model: MatchModel = {
    features: FEATURES.map((feat, f) => {
      const rho = est.rho[f];
      return {
        name: names[f]!,
        levels: [...feat.levels],
        m: est.m[f]!,
        u: fitted.u[f]!,
        weights: weights[f]!,
        ...(rho && active[f] ? { related: rho } : {}),
        active: active[f]!,
      };
    }),
    prior: fitted.prior,
    priorWeight: log2Odds(fitted.prior),
    relatedPrior: fitted.relatedPrior,
    phi: est.match.phi,
    emIterations: est.iterations,
    expectedMatches: est.expectedMatches,
  };
  const t2 = performance.now();

  /** Posterior log2 odds for a pair's levels (record i supplies the term frequencies). */
  const scoreLevels = (lv: Uint8Array, offset: number, i: number): number => {
    let a = 0; // log2 P(pattern | match) / P(pattern | random)
    let b = 0; // log2 P(pattern | related) / P(pattern | random)
    let mask = 0;
    let k = 0;
    for (let f = 0; f < FEATURE_COUNT; f++) {
      const l = lv[offset + f]!;
      if (l === MISSING || !active[f]) continue;
      mask |= 1 << f;
      const w = weights[f]!;
      const rw = relatedWeights[f];
      if (l === 0) {
        const t = tfAdj[f]?.[i] ?? 0;
        a += w[0]! + t;
        if (rw) b += rw[0]! + t;
      } else {
        a += w[l]!;
        if (rw) b += rw[l]!;
        k++;
      }
    }
    return logOdds(a + correction(mask, k), b);
  };
  const scorePair = (x: number, y: number): number => {
    const i = Math.min(x, y);
    compareRecords(prepared[i]!, prepared[Math.max(x, y)]!, enabled, scratch);
    return scoreLevels(scratch, 0, i);
  };
  const scoreCandidate = (k: number): number => scoreLevels(levels, k * FEATURE_COUNT, Math.floor(pairs[k]! / n));
  const explainPair = (x: number, y: number) => {
    const i = Math.min(x, y);
    const lv = new Uint8Array(FEATURE_COUNT);
    compareRecords(prepared[i]!, prepared[Math.max(x, y)]!, enabled, lv);
    const features: Array<{ name: string; level: string; weight: number }> = [];
    let mask = 0;
    let k = 0;
    FEATURES.forEach((feat, f) => {
      const l = lv[f]!;
      if (l === MISSING || !active[f]) return;
      mask |= 1 << f;
      if (l !== 0) k++;
      features.push({ name: names[f]!, level: feat.levels[l]!, weight: weights[f]![l]! + (l === 0 ? (tfAdj[f]?.[i] ?? 0) : 0) });
    });
    features.push({ name: 'errorCount', level: String(k), weight: correction(mask, k) });
    return { logOdds: scoreLevels(lv, 0, i), features };
  };
  return { model, scorePair, scoreCandidate, explainPair, timings: { compare: t1 - t0, estimate: t2 - t1 } };
}
