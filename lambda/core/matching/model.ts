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
  [0.97, 0.03], // nameOrder
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
  [0.9999, 0.0001],
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
  /** EM iterations run. */
  emIterations: number;
  /** Error-count factor φ(k) of the match class (1 = independent errors). */
  phi: number[];
  /** Expected number of matching pairs among the candidates. */
  expectedMatches: number;
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

/**
 * The match class. Independent fields would give P(pattern | match) = Π m; but
 * duplicates tend to carry a few errors each (a record with a typo in the name
 * rarely also has a wrong date), so the model is log-linear:
 *
 *   P(pattern | match) ∝ Π_f [non-exact_f ? odds_f · r_f(level) : 1] · φ(k)
 *
 * where k counts the present features that are not exact, odds_f is feature
 * f's tendency to be non-exact, r_f its distribution over the non-exact levels,
 * and φ re-weights error counts. φ ≡ 1 is the usual independence model; EM
 * learns φ from the data, so it departs from 1 only when the data ask for it.
 * The normaliser Z depends on which features are present.
 */
export interface MatchClass {
  odds: number[];
  /** r_f(level) for levels ≥ 1 (index 0 unused). */
  r: number[][];
  /** φ(k), k = 0..FEATURE_COUNT. */
  phi: number[];
}

/** Elementary symmetric polynomials of the odds of the features in `mask` (bit f = feature f). */
function elementary(odds: readonly number[], mask: number, skip = -1): number[] {
  const e = new Array<number>(FEATURE_COUNT + 1).fill(0);
  e[0] = 1;
  let deg = 0;
  for (let f = 0; f < FEATURE_COUNT; f++) {
    if ((mask & (1 << f)) === 0 || f === skip) continue;
    const o = odds[f]!;
    deg++;
    for (let j = deg; j >= 1; j--) e[j] = e[j]! + o * e[j - 1]!;
  }
  return e;
}

/** log Z for a presence mask. */
export function logNormaliser(mc: MatchClass, mask: number): number {
  const e = elementary(mc.odds, mask);
  let z = 0;
  for (let j = 0; j < e.length; j++) z += mc.phi[j]! * e[j]!;
  return Math.log(z);
}

/** Marginal m per feature and level implied by the match class (for a fully present record pair). */
export function marginalM(mc: MatchClass, active: readonly boolean[]): number[][] {
  let mask = 0;
  active.forEach((a, f) => {
    if (a) mask |= 1 << f;
  });
  const e = elementary(mc.odds, mask);
  let z = 0;
  for (let j = 0; j < e.length; j++) z += mc.phi[j]! * e[j]!;
  return FEATURES.map((feat, f) => {
    if (!active[f]) return [...DEFAULT_M[f]!];
    const ef = elementary(mc.odds, mask, f);
    let non = 0;
    for (let j = 0; j + 1 < mc.phi.length; j++) non += mc.phi[j + 1]! * ef[j]!;
    const pNon = (mc.odds[f]! * non) / z;
    return feat.levels.map((_, l) => (l === 0 ? 1 - pNon : pNon * mc.r[f]![l]!));
  });
}

export interface EstimateResult {
  match: MatchClass;
  /** Marginal m per feature and level. */
  m: number[][];
  iterations: number;
  /** Expected number of matching pairs among the candidates. */
  expectedMatches: number;
}

/**
 * Estimates the match class and the prior by EM over the candidates'
 * agreement patterns, with u fixed to the random-pair u and the prior P(match)
 * of a random pair.
 *
 * Why this is not biased by blocking: a pair's chance of becoming a candidate
 * depends (to a good approximation) only on its agreement pattern, for matches
 * and non-matches alike, so it cancels out of the posterior P(match | pattern)
 * as long as the posterior uses the population prior and population u, which
 * is what the E-step does. The M-step then learns the match class from the
 * candidates' matches, which are nearly all matches when blocking recall is high.
 */
export function estimateM(
  patterns: Map<number, number>,
  uRaw: number[][],
  active: boolean[],
  iterations: number,
  totalPairs: number,
  dependence = true,
): EstimateResult {
  const F = FEATURE_COUNT;
  const keys = [...patterns.keys()];
  const cnt = keys.map((k) => patterns.get(k)!);
  const Q = keys.length;
  const levelsOf = new Uint8Array(Q * F);
  const maskOf = new Int32Array(Q);
  const kOf = new Uint8Array(Q);
  const scratch = new Uint8Array(F);
  keys.forEach((key, q) => {
    unpackPattern(key, scratch);
    levelsOf.set(scratch, q * F);
    let mask = 0;
    let k = 0;
    for (let f = 0; f < F; f++) {
      if (!active[f] || scratch[f] === MISSING) {
        levelsOf[q * F + f] = MISSING;
        continue;
      }
      mask |= 1 << f;
      if (scratch[f] !== 0) k++;
    }
    maskOf[q] = mask;
    kOf[q] = k;
  });
  const masks = [...new Set(maskOf)];
  const P = cnt.reduce((a, b) => a + b, 0);
  const mc: MatchClass = {
    odds: DEFAULT_M.map((r) => (1 - r[0]!) / r[0]!),
    r: DEFAULT_M.map((r) => {
      const non = 1 - r[0]!;
      return r.map((x, l) => (l === 0 ? 0 : x / non));
    }),
    phi: new Array<number>(F + 1).fill(1),
  };
  let expected = Math.max(1, 0.1 * P);
  const alpha = 8;
  let it = 0;
  for (; it < Math.max(1, iterations); it++) {
    const prior = Math.min(0.5, Math.max(1e-12, expected / Math.max(1, totalPairs)));
    const u = correctU(uRaw, marginalM(mc, active), prior);
    const logU = u.map((r) => r.map(Math.log));
    const logNonExact = mc.r.map((r, f) => r.map((x) => Math.log(mc.odds[f]! * Math.max(x, 1e-12))));
    const logPhi = mc.phi.map((x) => Math.log(Math.max(x, 1e-300)));
    const logZ = new Map<number, number>();
    for (const mask of masks) logZ.set(mask, logNormaliser(mc, mask));
    const base = Math.log(prior) - Math.log(1 - prior);
    // E-step with expected counts for the M-step
    const nonExact = FEATURES.map((f) => new Array<number>(f.levels.length).fill(0));
    const byK = new Array<number>(F + 1).fill(0);
    const byMask = new Map<number, number>();
    let matches = 0;
    for (let q = 0; q < Q; q++) {
      let s = base + logPhi[kOf[q]!]! - logZ.get(maskOf[q]!)!;
      for (let f = 0; f < F; f++) {
        const l = levelsOf[q * F + f]!;
        if (l === MISSING) continue;
        s += (l === 0 ? 0 : logNonExact[f]![l]!) - logU[f]![l]!;
      }
      const w = cnt[q]! / (1 + Math.exp(-s));
      matches += w;
      byK[kOf[q]!]! += w;
      byMask.set(maskOf[q]!, (byMask.get(maskOf[q]!) ?? 0) + w);
      for (let f = 0; f < F; f++) {
        const l = levelsOf[q * F + f]!;
        if (l !== MISSING) nonExact[f]![l]! += w;
      }
    }
    // M-step: r in closed form, odds and φ by iterative proportional fitting
    const prevOdds = [...mc.odds];
    for (let f = 0; f < F; f++) {
      const row = nonExact[f]!;
      const prior0 = DEFAULT_M[f]!;
      const priorNon = 1 - prior0[0]!;
      let total = 0;
      for (let l = 1; l < row.length; l++) total += row[l]!;
      mc.r[f] = row.map((c, l) => (l === 0 ? 0 : (c + (alpha * prior0[l]!) / priorNon) / (total + alpha)));
    }
    const targetNon = nonExact.map((row, f) => {
      let t = 0;
      for (let l = 1; l < row.length; l++) t += row[l]!;
      return t + alpha * (1 - DEFAULT_M[f]![0]!);
    });
    const targetPresent = nonExact.map((row) => row.reduce((a, b) => a + b, 0) + alpha);
    for (let round = 0; round < 4; round++) {
      // odds: match each feature's expected share of non-exact
      for (let f = 0; f < F; f++) {
        if (!active[f]) continue;
        let model = 0;
        let present = 0;
        for (const [mask, wm] of byMask) {
          if ((mask & (1 << f)) === 0) continue;
          const e = elementary(mc.odds, mask);
          const ef = elementary(mc.odds, mask, f);
          let z = 0;
          for (let j = 0; j < e.length; j++) z += mc.phi[j]! * e[j]!;
          let non = 0;
          for (let j = 0; j + 1 < mc.phi.length; j++) non += mc.phi[j + 1]! * ef[j]!;
          model += (wm * mc.odds[f]! * non) / z;
          present += wm;
        }
        if (present <= 0) continue;
        const modelShare = (model + alpha * (1 - DEFAULT_M[f]![0]!)) / (present + alpha);
        const targetShare = targetNon[f]! / targetPresent[f]!;
        // odds ← odds · (target odds / model odds)
        const ratio = (targetShare / (1 - targetShare)) / (modelShare / (1 - modelShare));
        mc.odds[f] = Math.min(1e4, Math.max(1e-6, mc.odds[f]! * ratio));
      }
      if (!dependence) continue;
      // φ: match the expected distribution of error counts. φ(1) and φ(2) are
      // free; three or more errors share one factor, at most φ(2), so the sparse
      // tail cannot run away (one pseudo-match per cell keeps thin cells near 1).
      const modelK = new Array<number>(F + 1).fill(0);
      for (const [mask, wm] of byMask) {
        const e = elementary(mc.odds, mask);
        let z = 0;
        for (let j = 0; j < e.length; j++) z += mc.phi[j]! * e[j]!;
        for (let j = 0; j < e.length; j++) modelK[j]! += (wm * mc.phi[j]! * e[j]!) / z;
      }
      const clamp = (x: number): number => Math.min(1e4, Math.max(1e-4, x));
      const phi1 = clamp(mc.phi[1]! * ((byK[1]! + 1) / (modelK[1]! + 1)));
      const phi2 = clamp(mc.phi[2]! * ((byK[2]! + 1) / (modelK[2]! + 1)));
      let tailBy = 0;
      let tailModel = 0;
      for (let j = 3; j <= F; j++) {
        tailBy += byK[j]!;
        tailModel += modelK[j]!;
      }
      const tail = Math.min(phi2, clamp(mc.phi[3]! * ((tailBy + 1) / (tailModel + 1))));
      const phi0 = clamp((byK[0]! + 1) / (modelK[0]! + 1));
      mc.phi[0] = 1;
      mc.phi[1] = phi1 / phi0;
      mc.phi[2] = phi2 / phi0;
      for (let j = 3; j <= F; j++) mc.phi[j] = tail / phi0;
    }
    let delta = Math.abs(matches - expected) / Math.max(1, expected);
    for (let f = 0; f < F; f++) delta = Math.max(delta, Math.abs(Math.log(mc.odds[f]! / prevOdds[f]!)));
    expected = Math.max(1, matches);
    if (delta < 1e-5) {
      it++;
      break;
    }
  }
  return { match: mc, m: marginalM(mc, active), iterations: it, expectedMatches: expected };
}

/** A fitted model ready for scoring. */
export interface FittedModel {
  prior: number;
  u: number[][];
  /** Per feature and level, log2(m/u) with m the independence-equivalent m of the match class. */
  weights: number[][];
  /** log2 of the dependence correction for a presence mask and error count (0 under independence). */
  correction: (mask: number, k: number) => number;
}

/** Final u (random-pair u less the matches' share), weights and the dependence correction. */
export function finalModel(est: EstimateResult, uRaw: number[][], active: boolean[], priorEstimate: number): FittedModel {
  const prior = Math.min(0.5, Math.max(1e-12, priorEstimate));
  const u = correctU(uRaw, est.m, prior);
  const mc = est.match;
  const weights = FEATURES.map((f, fi) => {
    if (!active[fi]) return f.levels.map(() => 0);
    const o = mc.odds[fi]!;
    const mTilde = f.levels.map((_, l) => (l === 0 ? 1 / (1 + o) : (o * mc.r[fi]![l]!) / (1 + o)));
    return weightsFrom(mTilde, u[fi]!, f.monotone);
  });
  const cache = new Map<number, number>();
  const correction = (mask: number, k: number): number => {
    const key = mask * 32 + k;
    let c = cache.get(key);
    if (c === undefined) {
      let ci = 0;
      for (let f = 0; f < FEATURE_COUNT; f++) if ((mask & (1 << f)) !== 0) ci += Math.log(1 + mc.odds[f]!);
      c = (Math.log(Math.max(mc.phi[k]!, 1e-300)) - logNormaliser(mc, mask) + ci) / Math.LN2;
      cache.set(key, c);
    }
    return c;
  };
  return { prior, u, weights, correction };
}

/** Random-pair u less the expected contribution of true matches (floored at 5% of the raw rate). */
export function correctU(uRaw: number[][], m: number[][], prior: number): number[][] {
  return uRaw.map((row, f) => {
    const corrected = row.map((x, l) => Math.max(x - prior * m[f]![l]!, x * 0.05));
    const s = corrected.reduce((a, b) => a + b, 0);
    return corrected.map((x) => x / s);
  });
}

/**
 * Weights log2(m/u), clamped to a sane range and, for features whose levels go
 * from agreement to disagreement, forced non-increasing over the levels.
 */
export function weightsFrom(m: readonly number[], u: readonly number[], monotone = true): number[] {
  const w = m.map((mi, l) => Math.max(-30, Math.min(30, Math.log2(Math.max(mi, 1e-12) / Math.max(u[l]!, 1e-12)))));
  if (monotone) for (let l = 1; l < w.length; l++) if (w[l]! > w[l - 1]!) w[l] = w[l - 1]!;
  return w;
}
