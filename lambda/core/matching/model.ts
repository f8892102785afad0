/**
 * The Fellegi–Sunter model: per feature and agreement level, m = P(level | same
 * person) and u = P(level | different people), and the prior probability that
 * two records match.
 *
 * - u is measured on random record pairs (nearly all of which are different
 *   people); the exact level of name, date and identifier features is computed
 *   exactly from value frequencies.
 * - m and the match prior are estimated unsupervised by expectation–maximisation
 *   over the candidate pairs' agreement patterns, with weak Dirichlet priors so
 *   that small inputs fall back to sensible defaults.
 * - Weights are log2(m/u), forced to decrease from the strongest level to
 *   disagreement; a missing feature contributes 0.
 */
import { FEATURES, FEATURE_COUNT, MISSING } from './features';

/** Default m per level (used as the EM starting point and prior). */
export const DEFAULT_M: readonly (readonly number[])[] = [
  [0.86, 0.07, 0.04, 0.03], // firstName
  [0.86, 0.07, 0.04, 0.03], // lastName
  [0.85, 0.1, 0.05], // middleName
  [0.9, 0.05, 0.05], // birthYear
  [0.92, 0.03, 0.05], // birthMonth
  [0.9, 0.05, 0.05], // birthDay
  [0.75, 0.08, 0.05, 0.12], // address
  [0.75, 0.1, 0.05, 0.03, 0.07], // locality
  [0.94, 0.03, 0.03], // nationalId
  [0.9, 0.04, 0.06], // email
  [0.88, 0.04, 0.08], // phone
];

/** Default u per level (prior for small inputs). */
export const DEFAULT_U: readonly (readonly number[])[] = [
  [0.01, 0.005, 0.02, 0.965],
  [0.005, 0.005, 0.015, 0.975],
  [0.05, 0.1, 0.85],
  [0.02, 0.05, 0.93],
  [0.083, 0.005, 0.912],
  [0.033, 0.07, 0.897],
  [0.0005, 0.001, 0.01, 0.9885],
  [0.002, 0.004, 0.02, 0.1, 0.874],
  [0.00001, 0.0001, 0.99989],
  [0.00001, 0.0001, 0.99989],
  [0.00001, 0.0001, 0.99989],
];

export interface FeatureModel {
  name: string;
  levels: string[];
  m: number[];
  u: number[];
  /** log2(m/u) per level, non-increasing. */
  weights: number[];
  active: boolean;
}

export interface MatchModel {
  features: FeatureModel[];
  /** P(match) for a random pair of records. */
  prior: number;
  /** log2 odds of the prior. */
  priorWeight: number;
  /** EM iterations over all sessions. */
  emIterations: number;
  /** The EM sessions (one per blocking pass) that contributed to m. */
  sessions: Array<{ pass: string; pairs: number; matchShare: number }>;
}

/** Agreement patterns (one level per feature, MISSING as 7) packed into an integer, with counts. */
export function patternKey(levels: Uint8Array): number {
  let key = 0;
  for (let f = FEATURE_COUNT - 1; f >= 0; f--) {
    const l = levels[f]!;
    key = key * 8 + (l === MISSING ? 7 : l);
  }
  return key;
}

export function unpackPattern(key: number, out: Uint8Array): void {
  for (let f = 0; f < FEATURE_COUNT; f++) {
    const l = key % 8;
    out[f] = l === 7 ? MISSING : l;
    key = Math.floor(key / 8);
  }
}

/** Counts of levels per feature (from random pairs) plus exact-agreement rates known from frequencies. */
export interface URawCounts {
  counts: number[][];
  /** Exact-level probability computed from value frequencies, or undefined to use the counts. */
  exact: Array<number | undefined>;
}

/** u per level: exact from frequencies where known, the rest from the random-pair counts, lightly smoothed. */
export function estimateU(raw: URawCounts): number[][] {
  return FEATURES.map((f, fi) => {
    const k = f.levels.length;
    const counts = raw.counts[fi]!;
    const prior = DEFAULT_U[fi]!;
    const alpha = 2;
    const exact = raw.exact[fi];
    if (exact === undefined) {
      const total = counts.reduce((s, c) => s + c, 0);
      return prior.map((p, l) => (counts[l]! + alpha * p) / (total + alpha));
    }
    // levels 1..k-1 from the sample, rescaled to 1 - exact
    let rest = 0;
    for (let l = 1; l < k; l++) rest += counts[l]!;
    let priorRest = 0;
    for (let l = 1; l < k; l++) priorRest += prior[l]!;
    const u = [exact];
    for (let l = 1; l < k; l++) u.push(((counts[l]! + (alpha * prior[l]!) / priorRest) / (rest + alpha)) * (1 - exact));
    return u;
  });
}

/**
 * EM over aggregated agreement patterns: returns m per feature and level and
 * the share of matches among the pairs. `u0` (random-pair u) seeds and
 * regularises the candidate-pair u, which EM estimates too but which is not
 * used for scoring (blocking makes candidate non-matches agree more often than
 * random ones).
 */
export function runEm(
  patterns: Map<number, number>,
  u0: number[][],
  active: boolean[],
  iterations: number,
): EmResult {
  const keys = [...patterns.keys()];
  const counts = keys.map((k) => patterns.get(k)!);
  const P = keys.length;
  const F = FEATURE_COUNT;
  const levelsOf = new Uint8Array(P * F);
  const tmp = new Uint8Array(F);
  keys.forEach((k, p) => {
    unpackPattern(k, tmp);
    levelsOf.set(tmp, p * F);
  });
  const total = counts.reduce((s, c) => s + c, 0);
  let m = DEFAULT_M.map((r) => [...r]);
  let u = u0.map((r) => [...r]);
  let share = 0.1;
  const mWeight = new Array<number>(F).fill(0);
  if (total === 0) return { m, share: 0, iterations: 0, mWeight };
  // prior strength in pseudo-pairs: weak, but it dominates tiny inputs
  const alphaM = 8;
  const alphaU = 8;
  const posterior = new Float64Array(P);
  let it = 0;
  for (; it < iterations; it++) {
    // E-step
    const logShare = Math.log(share);
    const logNot = Math.log(1 - share);
    const logM = m.map((r) => r.map(Math.log));
    const logU = u.map((r) => r.map(Math.log));
    let expectedMatches = 0;
    for (let p = 0; p < P; p++) {
      let lm = logShare;
      let lu = logNot;
      for (let f = 0; f < F; f++) {
        if (!active[f]) continue;
        const l = levelsOf[p * F + f]!;
        if (l === MISSING) continue;
        lm += logM[f]![l]!;
        lu += logU[f]![l]!;
      }
      const w = 1 / (1 + Math.exp(lu - lm));
      posterior[p] = w;
      expectedMatches += w * counts[p]!;
    }
    // M-step
    const newM = FEATURES.map((f) => new Array<number>(f.levels.length).fill(0));
    const newU = FEATURES.map((f) => new Array<number>(f.levels.length).fill(0));
    for (let p = 0; p < P; p++) {
      const w = posterior[p]! * counts[p]!;
      const nw = (1 - posterior[p]!) * counts[p]!;
      for (let f = 0; f < F; f++) {
        const l = levelsOf[p * F + f]!;
        if (l === MISSING) continue;
        newM[f]![l]! += w;
        newU[f]![l]! += nw;
      }
    }
    for (let f = 0; f < F; f++) mWeight[f] = newM[f]!.reduce((a, b) => a + b, 0);
    let delta = 0;
    const nextM = newM.map((row, f) => {
      const s = row.reduce((a, b) => a + b, 0);
      return row.map((c, l) => (c + alphaM * DEFAULT_M[f]![l]!) / (s + alphaM));
    });
    const nextU = newU.map((row, f) => {
      const s = row.reduce((a, b) => a + b, 0);
      return row.map((c, l) => (c + alphaU * u0[f]![l]!) / (s + alphaU));
    });
    for (let f = 0; f < F; f++) {
      for (let l = 0; l < nextM[f]!.length; l++) delta = Math.max(delta, Math.abs(nextM[f]![l]! - m[f]![l]!));
    }
    m = nextM;
    u = nextU;
    const nextShare = Math.min(0.999, Math.max(1e-6, (expectedMatches + 0.5) / (total + 1)));
    delta = Math.max(delta, Math.abs(nextShare - share));
    share = nextShare;
    if (delta < 1e-6) {
      it++;
      break;
    }
  }
  return { m, share, iterations: it, mWeight };
}

export interface EmResult {
  m: number[][];
  /** Estimated share of matches among the pairs. */
  share: number;
  iterations: number;
  /** Per feature, the expected number of matching pairs on which the feature was present. */
  mWeight: number[];
}

export interface EstimateResult {
  m: number[][];
  iterations: number;
  /** Expected number of matching pairs among the candidates. */
  expectedMatches: number;
  /** Per session (blocking pass that first produced the pairs): pair count and match share. */
  sessions: Array<{ session: number; pairs: number; share: number }>;
}

/**
 * Estimates m (and the match share) by EM over the candidate pairs.
 *
 * Each pair belongs to one session: the first blocking pass that produced it.
 * In a session the features its pass blocked on agree by construction, so they
 * are masked there (as in Splink's EM training sessions). m is shared by all
 * sessions, so every true pair counts once and a feature masked in one session
 * is learnt from the others. u is not estimated: it is the random-pair u (less
 * the matches' own share), which keeps the mixture identifiable even when a
 * session has a single informative feature. Each session has its own match
 * share, since blocking on an identifier yields mostly matches and a
 * sorted-neighbourhood window mostly non-matches.
 */
export function estimateM(
  levels: Uint8Array,
  sessionOf: Uint8Array,
  blocked: ReadonlyArray<readonly number[]>,
  uRaw: number[][],
  active: boolean[],
  iterations: number,
  totalPairs: number,
): EstimateResult {
  const F = FEATURE_COUNT;
  const P = sessionOf.length;
  const S = blocked.length;
  // aggregate (session, masked pattern) → count
  const maps = Array.from({ length: S }, () => new Map<number, number>());
  const scratch = new Uint8Array(F);
  for (let k = 0; k < P; k++) {
    const si = sessionOf[k]!;
    scratch.set(levels.subarray(k * F, k * F + F));
    for (const f of blocked[si]!) scratch[f] = MISSING;
    const key = patternKey(scratch);
    const map = maps[si]!;
    map.set(key, (map.get(key) ?? 0) + 1);
  }
  const sess: number[] = [];
  const cnt: number[] = [];
  const keysAll: number[] = [];
  maps.forEach((map, si) => {
    for (const [key, c] of map) {
      sess.push(si);
      cnt.push(c);
      keysAll.push(key);
    }
  });
  const Q = keysAll.length;
  const levelsOf = new Uint8Array(Q * F);
  keysAll.forEach((key, q) => {
    unpackPattern(key, scratch);
    levelsOf.set(scratch, q * F);
  });
  const sessionPairs = new Array<number>(S).fill(0);
  for (let q = 0; q < Q; q++) sessionPairs[sess[q]!]! += cnt[q]!;

  let m = DEFAULT_M.map((r) => [...r]);
  let share = new Array<number>(S).fill(0.1);
  let expected = 0.1 * P;
  const alphaM = 8;
  const posterior = new Float64Array(Q);
  let it = 0;
  for (; it < Math.max(1, iterations); it++) {
    const prior = Math.min(0.5, Math.max(1e-12, expected / Math.max(1, totalPairs)));
    const u = correctU(uRaw, m, prior);
    const logM = m.map((r) => r.map(Math.log));
    const logU = u.map((r) => r.map(Math.log));
    const logShare = share.map(Math.log);
    const logNot = share.map((x) => Math.log(1 - x));
    for (let q = 0; q < Q; q++) {
      const si = sess[q]!;
      let lm = logShare[si]!;
      let lu = logNot[si]!;
      for (let f = 0; f < F; f++) {
        if (!active[f]) continue;
        const l = levelsOf[q * F + f]!;
        if (l === MISSING) continue;
        lm += logM[f]![l]!;
        lu += logU[f]![l]!;
      }
      posterior[q] = 1 / (1 + Math.exp(lu - lm));
    }
    const newM = FEATURES.map((f) => new Array<number>(f.levels.length).fill(0));
    const matches = new Array<number>(S).fill(0);
    for (let q = 0; q < Q; q++) {
      const w = posterior[q]! * cnt[q]!;
      matches[sess[q]!]! += w;
      for (let f = 0; f < F; f++) {
        const l = levelsOf[q * F + f]!;
        if (l !== MISSING) newM[f]![l]! += w;
      }
    }
    const nextM = newM.map((row, f) => {
      const total = row.reduce((a, b) => a + b, 0);
      return row.map((c, l) => (c + alphaM * DEFAULT_M[f]![l]!) / (total + alphaM));
    });
    let delta = 0;
    for (let f = 0; f < F; f++) for (let l = 0; l < nextM[f]!.length; l++) delta = Math.max(delta, Math.abs(nextM[f]![l]! - m[f]![l]!));
    const nextShare = share.map((_, si) => Math.min(0.999, Math.max(1e-6, (matches[si]! + 0.05) / (sessionPairs[si]! + 1))));
    for (let si = 0; si < S; si++) delta = Math.max(delta, Math.abs(nextShare[si]! - share[si]!));
    m = nextM;
    share = nextShare;
    expected = matches.reduce((a, b) => a + b, 0);
    if (delta < 1e-6) {
      it++;
      break;
    }
  }
  return {
    m,
    iterations: it,
    expectedMatches: expected,
    sessions: share.map((x, si) => ({ session: si, pairs: sessionPairs[si]!, share: x })).filter((x) => x.pairs > 0),
  };
}

/** Final u (random-pair u less the matches' share) and weights for a fitted m and prior. */
export function finalModel(
  m: number[][],
  uRaw: number[][],
  active: boolean[],
  priorEstimate: number,
): { prior: number; u: number[][]; weights: number[][] } {
  const prior = Math.min(0.5, Math.max(1e-12, priorEstimate));
  const u = correctU(uRaw, m, prior);
  const weights = FEATURES.map((f, fi) => (active[fi] ? weightsFrom(m[fi]!, u[fi]!) : f.levels.map(() => 0)));
  return { prior, u, weights };
}

/** Random-pair u less the expected contribution of true matches (floored at 5% of the raw rate). */
export function correctU(uRaw: number[][], m: number[][], prior: number): number[][] {
  return uRaw.map((row, f) => {
    const corrected = row.map((x, l) => Math.max(x - prior * m[f]![l]!, x * 0.05));
    const s = corrected.reduce((a, b) => a + b, 0);
    return corrected.map((x) => x / s);
  });
}

/** Weights log2(m/u), forced non-increasing over levels and clamped to a sane range. */
export function weightsFrom(m: readonly number[], u: readonly number[]): number[] {
  const w = m.map((mi, l) => Math.max(-30, Math.min(30, Math.log2(Math.max(mi, 1e-12) / Math.max(u[l]!, 1e-12)))));
  for (let l = 1; l < w.length; l++) if (w[l]! > w[l - 1]!) w[l] = w[l - 1]!;
  return w;
}
