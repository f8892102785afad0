/**
 * The built-in batch person matcher: normalise → block → deterministic rules →
 * Fellegi–Sunter scoring (u from random pairs, m by EM) → coherent clustering.
 * Pure: plain data in, plain data out.
 */
import { generateCandidates, neighbourhoodKey, type BlockingPassStats } from './blocking';
import { Clusters, mergeCoherently } from './cluster';
import { applyRules, ruleHolds } from './deterministic';
import { enabledFeatures, preparePerson } from './features';
import type { PersonRecord } from '../../../config/unification/person-fields';
import type { MatchModel } from './model';
import { normalizePerson } from './normalize';
import { parseMatchingRules, type MatchingRules, type MatchingRulesInput } from '../../../config/unification/matching';
import { buildScorer, log2Odds, type Scorer } from './scoring';

export interface MatchStats {
  records: number;
  /** Pairs produced by all blocking passes, before de-duplication. */
  candidatePairs: number;
  /** Distinct pairs actually compared. */
  comparedPairs: number;
  /** Links made: pairs matched by a deterministic rule plus pairs scored at or above the threshold (a pair can count in both). */
  matchedPairs: number;
  /** Per deterministic rule, the pairs it matched. */
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
  /** Posterior probability from the probabilistic scorer (0 when it is disabled) that the two records are the same person. */
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

/**
 * Matches person records: returns a cluster id per record id, statistics, the
 * fitted model and an `explain` function. `rules` defaults to
 * DEFAULT_MATCHING_RULES; a partial rule set overrides parts of it (validated
 * with the zod schema). Deterministic: the same input gives the same clusters.
 */
export function matchPeople(records: readonly PersonRecord[], rulesInput?: MatchingRulesInput | MatchingRules): MatchResult {
  const rules = parseMatchingRules(rulesInput ?? {});
  const t0 = performance.now();
  const n = records.length;
  const indexOf = new Map<string, number>();
  records.forEach((r, i) => {
    const id = String(r.id);
    if (indexOf.has(id)) throw new Error(`duplicate record id "${id}"`);
    indexOf.set(id, i);
  });

  // 1. normalise
  const people = records.map((r) => normalizePerson(r, { dateOrder: rules.normalization.dateOrder, categorical: rules.categorical }));
  const prepared = people.map(preparePerson);
  const sortKeys = people.map(neighbourhoodKey);
  const t1 = performance.now();

  // 2. block
  const candidates = generateCandidates(people, rules);
  const pairs = candidates.pairs;
  const t2 = performance.now();

  // 3. deterministic rules: unconditional links
  const clusters = new Clusters(n);
  const ruleResult = applyRules(people, rules, pairs, clusters, sortKeys);
  const t3 = performance.now();

  // 4. probabilistic scoring and coherent clustering
  let scorer: Scorer | undefined;
  let matchedPairs = ruleResult.total;
  let refused = 0;
  let tScored = t3;
  if (rules.probabilistic.enabled && n > 1) {
    scorer = buildScorer(prepared, pairs, enabledFeatures(rules.probabilistic.fields, rules.categorical.length), {
      ...rules.probabilistic,
      categorical: rules.categorical,
    });
    const threshold = log2Odds(rules.probabilistic.threshold);
    const edgeA: number[] = [];
    const edgeB: number[] = [];
    const edgeS: number[] = [];
    for (let k = 0; k < pairs.length; k++) {
      const s = scorer.scoreCandidate(k);
      if (s < threshold) continue;
      const i = Math.floor(pairs[k]! / n);
      edgeA.push(i);
      edgeB.push(pairs[k]! - i * n);
      edgeS.push(s);
    }
    matchedPairs += edgeA.length;
    // strongest links first
    const order = Uint32Array.from(edgeA.keys()).sort((x, y) => edgeS[y]! - edgeS[x]! || x - y);
    const ea = Int32Array.from(edgeA);
    const eb = Int32Array.from(edgeB);
    tScored = performance.now();
    if (rules.clustering.method === 'connected') {
      for (const e of order) clusters.union(ea[e]!, eb[e]!);
    } else {
      refused = mergeCoherently(clusters, ea, eb, order, scorer.scorePair, {
        minPairWeight: log2Odds(rules.clustering.minPairProbability),
        minAverageWeight: log2Odds(rules.clustering.minAverageProbability ?? rules.probabilistic.threshold),
      });
    }
  }
  const t4 = performance.now();

  // cluster ids: the id of each cluster's first record in input order
  const clusterIds = new Map<string, string>();
  const labelOfRoot = new Map<number, number>();
  const byLabel = new Map<number, string[]>();
  for (let i = 0; i < n; i++) {
    const root = clusters.find(i);
    let label = labelOfRoot.get(root);
    if (label === undefined) {
      label = i;
      labelOfRoot.set(root, i);
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
  const compareMs = scorer?.timings.compare ?? 0;
  const stats: MatchStats = {
    records: n,
    candidatePairs: candidates.generated,
    comparedPairs: pairs.length,
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
      compare: compareMs,
      estimate: tScored - t3 - compareMs,
      cluster: t4 - tScored,
      total: t4 - t0,
    },
  };

  const explain = (idA: string, idB: string): PairExplanation | undefined => {
    const x = indexOf.get(idA);
    const y = indexOf.get(idB);
    if (x === undefined || y === undefined) return undefined;
    const scored = scorer?.explainPair(x, y);
    const logOdds = scored?.logOdds ?? -Infinity;
    return {
      probability: 1 / (1 + Math.pow(2, -logOdds)),
      logOdds,
      features: scored?.features ?? [],
      rules: rules.rules.filter((r) => ruleHolds(r, people[x]!, people[y]!)).map((r) => r.name),
      sameCluster: clusterIds.get(idA) === clusterIds.get(idB),
    };
  };
  const result: MatchResult = { clusterIds, clusters: clusterList, stats, explain };
  if (scorer) result.model = scorer.model;
  return result;
}
