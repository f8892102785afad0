/**
 * The built-in batch person matcher: normalise → block → deterministic rules →
 * Fellegi–Sunter scoring (u from random pairs, m by EM) → coherent clustering.
 * Pure: plain data in, plain data out.
 */
import { bigramCosine, levenshtein } from './comparators';
import { Clusters, mergeCoherently } from './cluster';
import { addBlock, generateCandidates, neighbourhoodKey, PairList, type BlockingPassStats } from './blocking';
import {
  compareRecords,
  enabledFeatures,
  FEATURES,
  FEATURE_COUNT,
  F_EMAIL,
  F_FIRST,
  F_LAST,
  F_NID,
  F_PHONE,
  MISSING,
  preparePerson,
  type PreparedPerson,
} from './features';
import type { PersonRecord } from './fields';
import { estimateModel, finalModel, estimateU, patternKey, DEFAULT_U, type MatchModel, type URawCounts } from './model';
import { fieldText, normalizePerson, type NormalizedPerson } from './normalize';
import { soundex } from './phonetic';
import { parseMatchingRules, type MatchingRules, type MatchingRulesInput, type MatchRule, type RuleCondition } from './rules';

export interface MatchStats {
  records: number;
  /** Pairs produced by all blocking passes, before de-duplication. */
  candidatePairs: number;
  /** Distinct pairs actually compared. */
  comparedPairs: number;
  /** Pairs linked by a deterministic rule or scored at or above the threshold. */
  matchedPairs: number;
  ruleMatchedPairs: Record<string, number>;
  /** Merges refused because the merged cluster would not be coherent. */
  refusedMerges: number;
  clusters: number;
  largestCluster: number;
  /** Cluster size → number of clusters of that size. */
  clusterSizeHistogram: Record<number, number>;
  blocking: BlockingPassStats[];
  timingsMs: { normalize: number; blocking: number; rules: number; compare: number; estimate: number; cluster: number; total: number };
}

/** Why a pair of records scored as it did. */
export interface PairExplanation {
  /** Posterior probability that the two records are the same person. */
  probability: number;
  /** The same as log2 odds. */
  logOdds: number;
  /**
   * Per compared feature: its agreement level and its contribution in bits
   * (match vs random), then `errorCount`: the correction for how many features
   * are not exact (duplicates carry fewer or more errors than independence says).
   * The log-odds are the prior plus these, less the related-class term.
   */
  features: Array<{ name: string; level: string; weight: number }>;
  /** Deterministic rules the pair satisfies. */
  rules: string[];
  /** Whether the two records ended up in the same cluster. */
  sameCluster: boolean;
}

export interface MatchResult {
  /** Record id → cluster id (the id of the cluster's first record in input order). */
  clusterIds: Map<string, string>;
  /** Clusters as lists of record ids, in input order of their first record. */
  clusters: string[][];
  stats: MatchStats;
  /** The fitted scoring model (undefined when the probabilistic scorer is disabled). */
  model?: MatchModel;
  /** Explains the score of any two records by id (undefined for an unknown id). */
  explain: (idA: string, idB: string) => PairExplanation | undefined;
}

const log2Odds = (p: number): number => Math.log2(p / (1 - p));

/** Deterministic PRNG (mulberry32) so results never depend on Math.random. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function conditionHolds(c: RuleCondition, a: NormalizedPerson, b: NormalizedPerson): boolean {
  const va = fieldText(a, c.field);
  const vb = fieldText(b, c.field);
  if (va === '' || vb === '') return false;
  switch (c.comparator) {
    case 'exact':
      return va === vb;
    case 'levenshtein':
      return levenshtein(va, vb) <= (c.threshold ?? 1);
    case 'cosine':
      return bigramCosine(va, vb) * 100 >= (c.threshold ?? 90);
    case 'soundex':
      return soundex(va) === soundex(vb);
  }
}

/** Whether a pair of records satisfies a deterministic rule. */
export function ruleHolds(rule: MatchRule, a: NormalizedPerson, b: NormalizedPerson): boolean {
  return rule.conditions.every((c) => conditionHolds(c, a, b));
}

/**
 * Applies the deterministic rules. A rule with exact conditions groups records
 * by those values (groups larger than `maxRuleGroupSize` are taken for
 * placeholders and skipped); other conditions are checked pair by pair inside a
 * group. A rule without exact conditions is checked on the blocking candidates.
 */
function applyRules(
  people: readonly NormalizedPerson[],
  rules: MatchingRules,
  candidates: Float64Array,
  clusters: Clusters,
  sortKeys: readonly string[],
): { matched: Record<string, number>; total: number } {
  const n = people.length;
  const matched: Record<string, number> = {};
  let total = 0;
  for (const rule of rules.rules) {
    let count = 0;
    const exact = rule.conditions.filter((c) => c.comparator === 'exact');
    const rest = rule.conditions.filter((c) => c.comparator !== 'exact');
    if (exact.length > 0) {
      const groups = new Map<string, number[]>();
      for (let i = 0; i < n; i++) {
        const parts: string[] = [];
        let ok = true;
        for (const c of exact) {
          const v = fieldText(people[i]!, c.field);
          if (v === '') {
            ok = false;
            break;
          }
          parts.push(v);
        }
        if (!ok) continue;
        const key = parts.join('\u0001');
        const g = groups.get(key);
        if (g) g.push(i);
        else groups.set(key, [i]);
      }
      for (const g of groups.values()) {
        if (g.length < 2 || g.length > rules.blocking.maxRuleGroupSize) continue;
        if (rest.length === 0) {
          for (let k = 1; k < g.length; k++) clusters.union(g[0]!, g[k]!);
          count += (g.length * (g.length - 1)) / 2;
        } else {
          const pairs = new PairList(n, 64);
          addBlock(g, pairs, sortKeys, rules.blocking.maxBlockSize, rules.blocking.oversizedWindow);
          for (const code of pairs.unique().pairs) {
            const i = Math.floor(code / n);
            const j = code - i * n;
            if (rest.every((c) => conditionHolds(c, people[i]!, people[j]!))) {
              clusters.union(i, j);
              count++;
            }
          }
        }
      }
    } else {
      for (const code of candidates) {
        const i = Math.floor(code / n);
        const j = code - i * n;
        if (ruleHolds(rule, people[i]!, people[j]!)) {
          clusters.union(i, j);
          count++;
        }
      }
    }
    matched[rule.name] = count;
    total += count;
  }
  return { matched, total };
}

/** Features whose exact agreement is weighted by how rare the agreed value is. */
const TF_FEATURES: ReadonlyArray<readonly [number, (p: PreparedPerson) => string]> = [
  [F_FIRST, (p) => p.first],
  [F_LAST, (p) => p.last],
  [F_NID, (p) => p.nationalId],
  [F_EMAIL, (p) => p.email],
  [F_PHONE, (p) => p.phone],
];

/** Value frequencies of one feature: the exact-agreement rate over pairs and each record's frequency. */
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

/**
 * Matches person records: returns a cluster id per record id and statistics.
 * `rules` defaults to {@link DEFAULT_MATCHING_RULES}; pass a partial rule set to
 * override parts of it (validated with the zod schema).
 */
export function matchPeople(records: readonly PersonRecord[], rulesInput?: MatchingRulesInput | MatchingRules): MatchResult {
  const rules = parseMatchingRules(rulesInput ?? {});
  const t0 = performance.now();
  const n = records.length;
  const seen = new Set<string>();
  for (const r of records) {
    const id = String(r.id);
    if (seen.has(id)) throw new Error(`duplicate record id "${id}"`);
    seen.add(id);
  }
  const people = records.map((r) => normalizePerson(r, { dateOrder: rules.normalization.dateOrder }));
  const prepared = people.map(preparePerson);
  const sortKeys = people.map(neighbourhoodKey);
  const t1 = performance.now();

  const candidates = generateCandidates(people, rules);
  const pairs = candidates.pairs;
  const P = pairs.length;
  const t2 = performance.now();

  const clusters = new Clusters(n);
  const ruleResult = applyRules(people, rules, pairs, clusters, sortKeys);
  const t3 = performance.now();

  let model: MatchModel | undefined;
  let explainScore: ((x: number, y: number) => { logOdds: number; features: PairExplanation['features'] }) | undefined;
  let matchedPairs = ruleResult.total;
  let refused = 0;
  let t4 = t3;
  let t5 = t3;
  if (rules.probabilistic.enabled && n > 1) {
    const enabled = enabledFeatures(rules.probabilistic.fields);
    // compare every candidate pair
    const levels = new Uint8Array(P * FEATURE_COUNT);
    const scratch = new Uint8Array(FEATURE_COUNT);
    const keys = new Float64Array(P);
    const present = new Float64Array(FEATURE_COUNT);
    for (let k = 0; k < P; k++) {
      const code = pairs[k]!;
      const i = Math.floor(code / n);
      const j = code - i * n;
      compareRecords(prepared[i]!, prepared[j]!, enabled, scratch);
      levels.set(scratch, k * FEATURE_COUNT);
      keys[k] = patternKey(scratch);
      for (let f = 0; f < FEATURE_COUNT; f++) if (scratch[f] !== MISSING) present[f]!++;
    }
    // agreement patterns with their counts (sorting beats a hash map of large keys)
    keys.sort();
    const patterns = new Map<number, number>();
    for (let k = 0; k < P; ) {
      let e = k + 1;
      while (e < P && keys[e] === keys[k]) e++;
      patterns.set(keys[k]!, e - k);
      k = e;
    }
    t4 = performance.now();

    // u from random pairs (exact levels from value frequencies where possible)
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
    const SAMPLE = 200_000;
    if (totalPairs <= SAMPLE) {
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) tally(i, j);
    } else {
      const rand = prng(0x5eed);
      for (let s = 0; s < SAMPLE; s++) {
        const i = Math.floor(rand() * n);
        let j = Math.floor(rand() * (n - 1));
        if (j >= i) j++;
        tally(i, j);
      }
    }
    const tf = new Map<number, { adj: Float32Array }>();
    for (const [f, value] of TF_FEATURES) {
      if (enabled[f] !== 1) continue;
      const fr = frequencies(prepared, value);
      if (fr.present < 2) continue;
      const alpha = 2000;
      raw.exact[f] = (fr.agreeingPairs + alpha * DEFAULT_U[f]![0]!) / (fr.totalPairs + alpha);
      if (rules.probabilistic.termFrequency && fr.present >= 1000) {
        const adj = new Float32Array(n);
        const uExact = fr.agreeingPairs / fr.totalPairs;
        prepared.forEach((p, i) => {
          const v = value(p);
          if (v === '') return;
          const freq = fr.counts.get(v)! / fr.present;
          adj[i] = Math.max(-8, Math.min(8, Math.log2(uExact / freq)));
        });
        tf.set(f, { adj });
      }
    }
    const uRaw = estimateU(raw);
    const active = FEATURES.map((_, f) => enabled[f] === 1 && present[f]! > 0);
    const est = estimateModel(patterns, uRaw, active, rules.probabilistic.emIterations, totalPairs);
    const fitted = finalModel(est, uRaw, active, totalPairs);
    const { prior, u, weights, relatedWeights, correction, logOdds } = fitted;
    model = {
      features: FEATURES.map((feat, f) => {
        const rw = est.rho[f];
        return {
          name: feat.name,
          levels: [...feat.levels],
          m: est.m[f]!,
          u: u[f]!,
          weights: weights[f]!,
          ...(rw && active[f] ? { related: rw } : {}),
          active: active[f]!,
        };
      }),
      prior,
      priorWeight: log2Odds(prior),
      emIterations: est.iterations,
      phi: est.match.phi,
      relatedPrior: fitted.relatedPrior,
      expectedMatches: est.expectedMatches,
    };

    const tfAdj: Array<Float32Array | undefined> = FEATURES.map((_, f) => tf.get(f)?.adj);
    /** Posterior log2-odds of a match for a pair's levels (record i supplies term frequencies). */
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
          const adj = tfAdj[f];
          const t = adj ? adj[i]! : 0;
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
      const j = Math.max(x, y);
      compareRecords(prepared[i]!, prepared[j]!, enabled, scratch);
      return scoreLevels(scratch, 0, i);
    };
    explainScore = (x, y) => {
      const i = Math.min(x, y);
      const j = Math.max(x, y);
      const lv = new Uint8Array(FEATURE_COUNT);
      compareRecords(prepared[i]!, prepared[j]!, enabled, lv);
      const features: PairExplanation['features'] = [];
      let mask = 0;
      let k = 0;
      FEATURES.forEach((feat, f) => {
        const l = lv[f]!;
        if (l === MISSING || !active[f]) return;
        mask |= 1 << f;
        if (l !== 0) k++;
        const adj = l === 0 ? tfAdj[f] : undefined;
        const w = weights[f]!;
        features.push({ name: feat.name, level: feat.levels[l]!, weight: adj ? w[0]! + adj[i]! : w[l]! });
      });
      features.push({ name: 'errorCount', level: String(k), weight: correction(mask, k) });
      return { logOdds: scoreLevels(lv, 0, i), features };
    };

    // edges at or above the threshold, strongest first
    const threshold = log2Odds(rules.probabilistic.threshold);
    const edgeA: number[] = [];
    const edgeB: number[] = [];
    const edgeS: number[] = [];
    for (let k = 0; k < P; k++) {
      const code = pairs[k]!;
      const i = Math.floor(code / n);
      const s = scoreLevels(levels, k * FEATURE_COUNT, i);
      if (s >= threshold) {
        edgeA.push(i);
        edgeB.push(code - i * n);
        edgeS.push(s);
      }
    }
    matchedPairs += edgeA.length;
    const order = Uint32Array.from(edgeA.keys()).sort((x, y) => edgeS[y]! - edgeS[x]! || x - y);
    const ea = Int32Array.from(edgeA);
    const eb = Int32Array.from(edgeB);
    t5 = performance.now();
    if (rules.clustering.method === 'connected') {
      for (const e of order) clusters.union(ea[e]!, eb[e]!);
    } else {
      refused = mergeCoherently(clusters, ea, eb, order, scorePair, {
        minPairWeight: log2Odds(rules.clustering.minPairProbability),
        minAverageWeight: log2Odds(rules.clustering.minAverageProbability),
      });
    }
  }
  const t6 = performance.now();

  // cluster ids: the id of each cluster's first record in input order
  const clusterIds = new Map<string, string>();
  const rootLabel = new Map<number, number>();
  const byLabel = new Map<number, string[]>();
  for (let i = 0; i < n; i++) {
    const root = clusters.find(i);
    let label = rootLabel.get(root);
    if (label === undefined) {
      label = i;
      rootLabel.set(root, i);
      byLabel.set(i, []);
    }
    const id = String(records[i]!.id);
    clusterIds.set(id, String(records[label]!.id));
    byLabel.get(label)!.push(id);
  }
  const clusterList = [...byLabel.values()];
  const histogram: Record<number, number> = {};
  let largest = 0;
  for (const c of clusterList) {
    histogram[c.length] = (histogram[c.length] ?? 0) + 1;
    largest = Math.max(largest, c.length);
  }
  const stats: MatchStats = {
    records: n,
    candidatePairs: candidates.generated,
    comparedPairs: P,
    matchedPairs,
    ruleMatchedPairs: ruleResult.matched,
    refusedMerges: refused,
    clusters: clusterList.length,
    largestCluster: largest,
    clusterSizeHistogram: histogram,
    blocking: candidates.passes,
    timingsMs: {
      normalize: t1 - t0,
      blocking: t2 - t1,
      rules: t3 - t2,
      compare: t4 - t3,
      estimate: t5 - t4,
      cluster: t6 - t5,
      total: t6 - t0,
    },
  };
  const indexOf = new Map<string, number>();
  records.forEach((r, i) => indexOf.set(String(r.id), i));
  const explain = (idA: string, idB: string): PairExplanation | undefined => {
    const x = indexOf.get(idA);
    const y = indexOf.get(idB);
    if (x === undefined || y === undefined) return undefined;
    const scored = explainScore?.(x, y);
    const logOdds = scored?.logOdds ?? -Infinity;
    return {
      probability: 1 / (1 + Math.pow(2, -logOdds)),
      logOdds,
      features: scored?.features ?? [],
      rules: rules.rules.filter((r) => ruleHolds(r, people[x]!, people[y]!)).map((r) => r.name),
      sameCluster: clusterIds.get(idA) === clusterIds.get(idB),
    };
  };
  return model ? { clusterIds, clusters: clusterList, stats, model, explain } : { clusterIds, clusters: clusterList, stats, explain };
}
