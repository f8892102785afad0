/**
 * The Fellegi–Sunter model, fitted without labels.
 *
 * - u = P(level | different people) is measured on random record pairs (nearly
 *   all of which are different people); the exact level of names and
 *   identifiers comes from value frequencies, which is exact and noise-free.
 * - m = P(level | same person) and the prior are estimated by
 *   expectation–maximisation over the candidate pairs' agreement patterns,
 *   with u fixed and population priors (see estimateModel for why blocking
 *   then does not bias the estimate), and weak Dirichlet priors so that small
 *   inputs fall back to sensible defaults.
 * - The match class is not forced to independent errors: an error-count factor
 *   φ(k) lets EM learn that duplicates carry few errors each (see MatchClass).
 * - A third class, "related" (relatives sharing a home), agrees on the context
 *   features (surname, address, locality, email, phone) but is as different as
 *   strangers on the personal ones (given name, date of birth, identifiers).
 *   Without it, EM folds households into the match class, and one shared
 *   address (worth ~30 bits under independence) outweighs a different given
 *   name and date of birth.
 * - A missing feature contributes nothing.
 */
import { MAX_CATEGORICAL_ATTRIBUTES } from '../../../config/unification/matching';
import { FEATURES, FEATURE_COUNT, MISSING } from './features';

const perAttribute = <T,>(value: () => T): T[] => Array.from({ length: MAX_CATEGORICAL_ATTRIBUTES }, value);

/** Default m per level (used as the EM starting point and prior). */
export const DEFAULT_M: readonly (readonly number[])[] = [
  [0.86, 0.07, 0.04, 0.03], // firstName
  [0.86, 0.07, 0.04, 0.03], // lastName
  [0.85, 0.1, 0.05], // middleName
  [0.9, 0.04, 0.03, 0.03], // birthYear
  [0.92, 0.03, 0.05], // birthMonth
  [0.9, 0.05, 0.05], // birthDay
  [0.75, 0.08, 0.05, 0.12], // address
  [0.75, 0.1, 0.05, 0.03, 0.07], // locality
  [0.94, 0.03, 0.03], // nationalId
  [0.9, 0.04, 0.06], // email
  [0.88, 0.04, 0.08], // phone
  [0.97, 0.03], // nameOrder
  [0.97, 0.03], // gender
  [0.85, 0.07, 0.08], // birthplace
  // categorical attributes: occupations change and get written differently
  ...perAttribute(() => [0.85, 0.15]),
];

/** Default u per level (prior for small inputs). */
export const DEFAULT_U: readonly (readonly number[])[] = [
  [0.01, 0.005, 0.02, 0.965],
  [0.005, 0.005, 0.015, 0.975],
  [0.05, 0.1, 0.85],
  [0.02, 0.02, 0.2, 0.76],
  [0.083, 0.005, 0.912],
  [0.033, 0.07, 0.897],
  [0.0005, 0.001, 0.01, 0.9885],
  [0.002, 0.004, 0.02, 0.1, 0.874],
  [0.00001, 0.0001, 0.99989],
  [0.00001, 0.0001, 0.99989],
  [0.00001, 0.0001, 0.99989],
  [0.9999, 0.0001],
  [0.5, 0.5], // gender
  [0.02, 0.01, 0.97], // birthplace
  ...perAttribute(() => [0.1, 0.9]),
];

/** Default ρ per level for the related class (context features only; personal ones follow u). */
export const DEFAULT_R: readonly (readonly number[] | undefined)[] = [
  undefined, // firstName
  [0.75, 0.05, 0.02, 0.18], // lastName
  undefined,
  undefined,
  undefined,
  undefined,
  [0.6, 0.1, 0.05, 0.25], // address
  [0.7, 0.1, 0.05, 0.05, 0.1], // locality
  undefined,
  [0.15, 0.05, 0.8], // email
  [0.35, 0.02, 0.63], // phone
  undefined, // nameOrder
  undefined, // gender
  [0.5, 0.05, 0.45], // birthplace
  ...perAttribute(() => undefined),
];

export interface FeatureModel {
  name: string;
  levels: string[];
  m: number[];
  u: number[];
  /** log2(m/u) per level (m independence-equivalent; see the errorCount term of explanations). */
  weights: number[];
  /** Related class: ρ per level (context features), else undefined. */
  related?: number[];
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
  /** P(related, not the same person) for a random pair. */
  relatedPrior: number;
  /** Expected number of matching pairs among the candidates. */
  expectedMatches: number;
}

/** Digits of a pattern key per feature: its levels plus one for MISSING. */
const RADIX = FEATURES.map((f) => f.levels.length + 1);
if (RADIX.reduce((a, b) => a * b, 1) >= Number.MAX_SAFE_INTEGER) throw new Error('agreement patterns no longer fit a safe integer');

/** An agreement pattern (one level per feature, MISSING as the last digit) packed into a mixed-radix integer (< 2^53). */
export function patternKey(levels: Uint8Array): number {
  let key = 0;
  for (let f = FEATURE_COUNT - 1; f >= 0; f--) {
    const l = levels[f]!;
    const r = RADIX[f]!;
    key = key * r + (l === MISSING ? r - 1 : l);
  }
  return key;
}

export function unpackPattern(key: number, out: Uint8Array): void {
  for (let f = 0; f < FEATURE_COUNT; f++) {
    const r = RADIX[f]!;
    const l = key % r;
    out[f] = l === r - 1 ? MISSING : l;
    key = Math.floor(key / r);
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
 * The match class. Independent fields would give P(pattern | match) = Π m; but
 * duplicates tend to carry a few errors each (a record with a typo in the name
 * rarely also has a wrong date), so the model is log-linear:
 *
 *   P(pattern | match) ∝ Π_f [non-exact_f ? odds_f · r_f(level) : 1] · φ(k)
 *
 * where k counts the present features that are not exact, odds_f is feature
 * f's tendency to be the one non-exact feature, r_f its distribution over the
 * non-exact levels, and φ re-weights error counts, with φ(0) = φ(1) = 1 (which
 * fixes the scale). φ ≡ 1 is the usual independence model; EM learns φ(2) and
 * a geometric tail from the data, so it departs from 1 only when the data ask
 * for it (RLdata's duplicates carry one error each: φ(2) ≈ 0.001). The
 * normaliser Z depends on which features are present.
 */
export interface MatchClass {
  odds: number[];
  /** r_f(level) for levels ≥ 1 (index 0 unused). */
  r: number[][];
  /** φ(k), k = 0..FEATURE_COUNT. */
  phi: number[];
}

/**
 * Elementary symmetric polynomials of the odds of the features in `mask` (bit
 * f = feature f), optionally leaving feature `skip` out, written into `out`.
 */
function elementary(odds: readonly number[], mask: number, skip = -1, out = new Float64Array(FEATURE_COUNT + 1)): Float64Array {
  out.fill(0);
  out[0] = 1;
  let deg = 0;
  for (let f = 0; f < FEATURE_COUNT; f++) {
    if ((mask & (1 << f)) === 0 || f === skip) continue;
    const o = odds[f]!;
    deg++;
    for (let j = deg; j >= 1; j--) out[j] = out[j]! + o * out[j - 1]!;
  }
  return out;
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
  /** Related class: ρ per level for context features (undefined for personal ones). */
  rho: Array<number[] | undefined>;
  iterations: number;
  /** Expected numbers of matching and of related pairs among the candidates. */
  expectedMatches: number;
  expectedRelated: number;
}

/**
 * Fits the match and related classes by EM over the candidates' agreement
 * patterns, with u fixed to the random-pair u and class priors that are
 * population rates (expected pairs / all pairs).
 *
 * Why this is not biased by blocking: a pair's chance of becoming a candidate
 * depends (to a good approximation) only on its agreement pattern, whatever its
 * class, so it cancels out of the posterior P(class | pattern) as long as the
 * posterior uses population priors and the population u, which is what the
 * E-step does. The M-step then learns each class from the candidates, which
 * hold nearly all matches (and households) when blocking recall is high.
 */
export function estimateModel(
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
    let mask = 0;
    let k = 0;
    for (let f = 0; f < F; f++) {
      const l = !active[f] ? MISSING : scratch[f]!;
      levelsOf[q * F + f] = l;
      if (l === MISSING) continue;
      mask |= 1 << f;
      if (l !== 0) k++;
    }
    maskOf[q] = mask;
    kOf[q] = k;
  });
  const masks = [...new Set(maskOf)];
  const P = cnt.reduce((a, b) => a + b, 0);
  const mPrior = DEFAULT_M;
  const mc: MatchClass = {
    odds: mPrior.map((r) => (1 - r[0]!) / r[0]!),
    r: mPrior.map((r) => {
      const non = 1 - r[0]!;
      return r.map((x, l) => (l === 0 ? 0 : x / non));
    }),
    phi: new Array<number>(F + 1).fill(1),
  };
  let rho: Array<number[] | undefined> = DEFAULT_R.map((r) => (r ? [...r] : undefined));
  const hasContext = FEATURES.some((f, fi) => f.context && active[fi]);
  let expected = Math.max(1, 0.1 * P);
  let expectedRelated = hasContext ? Math.max(1, 0.02 * P) : 0;
  const alpha = 8;
  let it = 0;
  for (; it < Math.max(1, iterations); it++) {
    const lambdaM = Math.min(0.5, Math.max(1e-12, expected / Math.max(1, totalPairs)));
    const lambdaR = hasContext ? Math.min(0.3, Math.max(1e-12, expectedRelated / Math.max(1, totalPairs))) : 0;
    const m = marginalM(mc, active);
    const u = correctU(uRaw, m, rho, lambdaM, lambdaR);
    const logU = u.map((r) => r.map(Math.log));
    const logNonExact = mc.r.map((r, f) => r.map((x) => Math.log(mc.odds[f]! * Math.max(x, 1e-12))));
    const logRho = rho.map((r) => r?.map((x) => Math.log(Math.max(x, 1e-12))));
    const logPhi = mc.phi.map((x) => Math.log(Math.max(x, 1e-300)));
    const logZ = new Map<number, number>();
    for (const mask of masks) logZ.set(mask, logNormaliser(mc, mask));
    const baseM = Math.log(lambdaM);
    const baseR = lambdaR > 0 ? Math.log(lambdaR) : -Infinity;
    const baseU = Math.log(1 - lambdaM - lambdaR);
    const nonExact = FEATURES.map((f) => new Array<number>(f.levels.length).fill(0));
    const relatedCounts = FEATURES.map((f) => new Array<number>(f.levels.length).fill(0));
    const byK = new Array<number>(F + 1).fill(0);
    const byMask = new Map<number, number>();
    let matches = 0;
    let related = 0;
    for (let q = 0; q < Q; q++) {
      let lm = baseM + logPhi[kOf[q]!]! - logZ.get(maskOf[q]!)!;
      let lr = baseR;
      let lu = baseU;
      for (let f = 0; f < F; f++) {
        const l = levelsOf[q * F + f]!;
        if (l === MISSING) continue;
        const uu = logU[f]![l]!;
        lm += l === 0 ? 0 : logNonExact[f]![l]!;
        lu += uu;
        const lrf = logRho[f];
        lr += lrf ? lrf[l]! : uu;
      }
      const top = Math.max(lm, lr, lu);
      const em = Math.exp(lm - top);
      const er = Math.exp(lr - top);
      const eu = Math.exp(lu - top);
      const total = em + er + eu;
      const wm = (cnt[q]! * em) / total;
      const wr = (cnt[q]! * er) / total;
      matches += wm;
      related += wr;
      byK[kOf[q]!]! += wm;
      byMask.set(maskOf[q]!, (byMask.get(maskOf[q]!) ?? 0) + wm);
      for (let f = 0; f < F; f++) {
        const l = levelsOf[q * F + f]!;
        if (l === MISSING) continue;
        nonExact[f]![l]! += wm;
        relatedCounts[f]![l]! += wr;
      }
    }
    // M-step, match class: r in closed form, odds and φ by iterative proportional fitting
    const prevOdds = [...mc.odds];
    for (let f = 0; f < F; f++) {
      const row = nonExact[f]!;
      const prior0 = mPrior[f]!;
      const priorNon = 1 - prior0[0]!;
      let total = 0;
      for (let l = 1; l < row.length; l++) total += row[l]!;
      mc.r[f] = row.map((c, l) => (l === 0 ? 0 : (c + (alpha * prior0[l]!) / priorNon) / (total + alpha)));
    }
    fitOddsAndPhi(mc, mPrior, nonExact, byK, byMask, active, alpha, dependence);
    // related class
    rho = rho.map((r, f) => {
      if (!r) return undefined;
      const row = relatedCounts[f]!;
      const total = row.reduce((a, b) => a + b, 0);
      return row.map((c, l) => (c + alpha * DEFAULT_R[f]![l]!) / (total + alpha));
    });
    let delta = Math.abs(matches - expected) / Math.max(1, expected);
    if (hasContext) delta = Math.max(delta, Math.abs(related - expectedRelated) / Math.max(1, expectedRelated));
    for (let f = 0; f < F; f++) delta = Math.max(delta, Math.abs(Math.log(mc.odds[f]! / prevOdds[f]!)));
    expected = Math.max(1, matches);
    expectedRelated = hasContext ? Math.max(1, related) : 0;
    if (delta < 1e-4) {
      it++;
      break;
    }
  }
  return { match: mc, m: marginalM(mc, active), rho, iterations: it, expectedMatches: expected, expectedRelated };
}

/** IPF step of the match class: odds to the features' non-exact shares, φ to the error-count distribution. */
function fitOddsAndPhi(
  mc: MatchClass,
  mPrior: readonly (readonly number[])[],
  nonExact: number[][],
  byK: number[],
  byMask: Map<number, number>,
  active: boolean[],
  alpha: number,
  dependence: boolean,
): void {
  const F = FEATURE_COUNT;
  const targetNon = nonExact.map((row, f) => {
    let t = 0;
    for (let l = 1; l < row.length; l++) t += row[l]!;
    return t + alpha * (1 - mPrior[f]![0]!);
  });
  const targetPresent = nonExact.map((row) => row.reduce((a, b) => a + b, 0) + alpha);
  const e = new Float64Array(F + 1);
  const ef = new Float64Array(F + 1);
  const modelNon = new Float64Array(F);
  const presentW = new Float64Array(F);
  for (let round = 0; round < 3; round++) {
    // simultaneous update of all odds from the current model's non-exact shares
    modelNon.fill(0);
    presentW.fill(0);
    for (const [mask, wm] of byMask) {
      elementary(mc.odds, mask, -1, e);
      let z = 0;
      for (let j = 0; j < e.length; j++) z += mc.phi[j]! * e[j]!;
      for (let f = 0; f < F; f++) {
        if (!active[f] || (mask & (1 << f)) === 0) continue;
        elementary(mc.odds, mask, f, ef);
        let non = 0;
        for (let j = 0; j + 1 < mc.phi.length; j++) non += mc.phi[j + 1]! * ef[j]!;
        modelNon[f]! += (wm * mc.odds[f]! * non) / z;
        presentW[f]! += wm;
      }
    }
    for (let f = 0; f < F; f++) {
      if (!active[f] || presentW[f]! <= 0) continue;
      const modelShare = (modelNon[f]! + alpha * (1 - mPrior[f]![0]!)) / (presentW[f]! + alpha);
      const targetShare = targetNon[f]! / targetPresent[f]!;
      const ratio = targetShare / (1 - targetShare) / (modelShare / (1 - modelShare));
      mc.odds[f] = Math.min(1e4, Math.max(1e-6, mc.odds[f]! * ratio));
    }
    if (!dependence) continue;
    // φ(0) = φ(1) = 1 fixes the scale (odds·c with φ(k)·c^-k is the same
    // distribution), so the odds are single-error odds and φ only says whether
    // duplicates carry two or more errors more or less often than independent
    // errors would. φ(2) is free; the sparse tail is geometric, φ(k) =
    // φ(2)·ρ^(k-2) with ρ ≤ 1, so it cannot run away (one pseudo-match per
    // cell keeps thin cells near independence).
    const modelK = new Array<number>(F + 1).fill(0);
    for (const [mask, wm] of byMask) {
      elementary(mc.odds, mask, -1, e);
      let z = 0;
      for (let j = 0; j < e.length; j++) z += mc.phi[j]! * e[j]!;
      for (let j = 0; j < e.length; j++) modelK[j]! += (wm * mc.phi[j]! * e[j]!) / z;
    }
    const clamp = (x: number): number => Math.min(1e3, Math.max(1e-4, x));
    const phi2 = clamp(mc.phi[2]! * ((byK[2]! + 1) / (modelK[2]! + 1)));
    let tailBy = 0;
    let tailModel = 0;
    for (let j = 3; j <= F; j++) {
      tailBy += byK[j]!;
      tailModel += modelK[j]!;
    }
    const rhoOld = mc.phi[2]! > 0 ? mc.phi[3]! / mc.phi[2]! : 1;
    const rho = Math.min(1, Math.max(1e-3, rhoOld * ((tailBy + 1) / (tailModel + 1))));
    mc.phi[0] = 1;
    mc.phi[1] = 1;
    mc.phi[2] = phi2;
    for (let j = 3; j <= F; j++) mc.phi[j] = phi2 * Math.pow(rho, j - 2);
  }
}

/** A fitted model ready for scoring. */
export interface FittedModel {
  /** Population priors: match, related. */
  prior: number;
  relatedPrior: number;
  u: number[][];
  /** Per feature and level, log2(m/u), m being the independence-equivalent m of the match class. */
  weights: number[][];
  /** Per context feature and level, log2(ρ/u) (related vs random); undefined for personal features. */
  relatedWeights: Array<number[] | undefined>;
  /** log2 of the match class's dependence correction for a presence mask and error count (0 under independence). */
  correction: (mask: number, k: number) => number;
  /**
   * Posterior log2-odds of a match from the two log2 likelihood ratios:
   * match vs random (`a`, including the correction) and related vs random (`b`).
   */
  logOdds: (a: number, b: number) => number;
}

/** Final u (random-pair u less the other classes' share), weights and scoring functions. */
export function finalModel(est: EstimateResult, uRaw: number[][], active: boolean[], totalPairs: number): FittedModel {
  const prior = Math.min(0.5, Math.max(1e-12, est.expectedMatches / Math.max(1, totalPairs)));
  const relatedPrior = Math.min(0.3, Math.max(0, est.expectedRelated / Math.max(1, totalPairs)));
  const u = correctU(uRaw, est.m, est.rho, prior, relatedPrior);
  const mc = est.match;
  const weights = FEATURES.map((f, fi) => {
    if (!active[fi]) return f.levels.map(() => 0);
    const o = mc.odds[fi]!;
    const mTilde = f.levels.map((_, l) => (l === 0 ? 1 / (1 + o) : (o * mc.r[fi]![l]!) / (1 + o)));
    return weightsFrom(mTilde, u[fi]!, f.monotone);
  });
  const relatedWeights = est.rho.map((r, fi) => (r && active[fi] ? r.map((x, l) => Math.log2(Math.max(x, 1e-12) / Math.max(u[fi]![l]!, 1e-12))) : undefined));
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
  const lp = Math.log2(prior);
  const lu = 1 - prior - relatedPrior;
  const logOdds = (a: number, b: number): number => lp + a - Math.log2(lu + relatedPrior * Math.pow(2, Math.min(b, 1000)));
  return { prior, relatedPrior, u, weights, relatedWeights, correction, logOdds };
}

/**
 * Random-pair u less the share of the other classes: random pairs include a
 * few matches (and relatives), which would otherwise inflate u for agreement.
 * Floored at 5% of the raw rate.
 */
export function correctU(uRaw: number[][], m: number[][], rho: Array<number[] | undefined>, lambdaM: number, lambdaR: number): number[][] {
  return uRaw.map((row, f) => {
    const r = rho[f];
    const rest = 1 - lambdaM - (r ? lambdaR : 0);
    const corrected = row.map((x, l) => Math.max((x - lambdaM * m[f]![l]! - (r ? lambdaR * r[l]! : 0)) / rest, x * 0.05));
    const s = corrected.reduce((a, b) => a + b, 0);
    return corrected.map((x) => x / s);
  });
}

/**
 * Weights log2(m/u), clamped to a sane range. For features whose levels go from
 * agreement to disagreement, the non-exact levels (1, 2, ...) are forced
 * non-increasing. Exact vs close is left alone: under the error-count
 * dependence a typo-close value can rightly weigh more than an exact one (an
 * exact name with the one error elsewhere is the weaker pattern).
 */
export function weightsFrom(m: readonly number[], u: readonly number[], monotone = true): number[] {
  const w = m.map((mi, l) => Math.max(-30, Math.min(30, Math.log2(Math.max(mi, 1e-12) / Math.max(u[l]!, 1e-12)))));
  if (monotone) for (let l = 2; l < w.length; l++) if (w[l]! > w[l - 1]!) w[l] = w[l - 1]!;
  return w;
}
