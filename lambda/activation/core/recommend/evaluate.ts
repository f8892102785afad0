/**
 * Offline evaluation of the built-in recommender on a time-split hold-out,
 * beside a most-popular baseline trained on the same data.
 *
 * The interactions before `cutoffMs` train the model (built as of the
 * cutoff). Each profile with interactions on both sides is a test case: its
 * targets are the items it first interacted with after the cutoff (items it
 * had seen before are not new, so they are no targets, and neither ranker
 * may recommend them). Both rankers answer the top k from what the profile
 * did before the cutoff; HitRate@k is the share of profiles with at least
 * one target in their top k, NDCG@k the ranking quality with binary
 * relevance (DCG = Σ 1/log2(rank + 1) over the hits, divided by the DCG of
 * an ideal list).
 */
import type { Interaction } from '../../contracts/recommendations';
import { buildModel, popularItems, recommendForProfile, type BuildOptions } from './co-occurrence';

/** 1 when any of the first k recommended items is a target, else 0. */
export function hitAt(recommended: readonly string[], targets: ReadonlySet<string>, k: number): number {
  return recommended.slice(0, k).some((item) => targets.has(item)) ? 1 : 0;
}

/** NDCG@k with binary relevance; 0 when there are no targets. */
export function ndcgAt(recommended: readonly string[], targets: ReadonlySet<string>, k: number): number {
  if (targets.size === 0) return 0;
  let dcg = 0;
  recommended.slice(0, k).forEach((item, rank) => {
    if (targets.has(item)) dcg += 1 / Math.log2(rank + 2);
  });
  let ideal = 0;
  for (let rank = 0; rank < Math.min(k, targets.size); rank++) ideal += 1 / Math.log2(rank + 2);
  return dcg / ideal;
}

export interface RankerScores {
  readonly hitRate: number;
  readonly ndcg: number;
}

export interface EvaluationResult {
  readonly k: number;
  readonly cutoff: string;
  /** Test profiles (interactions before the cutoff, and a new item after it). */
  readonly profiles: number;
  readonly trainInteractions: number;
  readonly targets: number;
  readonly builtIn: RankerScores;
  readonly popularity: RankerScores;
}

export type EvaluationOptions = Omit<BuildOptions, 'nowMs'> & { readonly k?: number; readonly halfLifeDays?: number };

export function evaluateHoldout(interactions: readonly Interaction[], cutoffMs: number, options: EvaluationOptions): EvaluationResult {
  const k = options.k ?? 10;
  const train = interactions.filter((i) => i.at < cutoffMs);
  const model = buildModel(train, { ...options, nowMs: cutoffMs });
  const before = new Map<string, Interaction[]>();
  for (const i of train) {
    const list = before.get(i.profileId);
    if (list === undefined) before.set(i.profileId, [i]);
    else list.push(i);
  }
  const after = new Map<string, Set<string>>();
  for (const i of interactions) {
    if (i.at < cutoffMs) continue;
    const seen = before.get(i.profileId);
    if (seen === undefined || seen.some((s) => s.itemId === i.itemId)) continue;
    let targets = after.get(i.profileId);
    if (targets === undefined) after.set(i.profileId, (targets = new Set()));
    targets.add(i.itemId);
  }
  let hits = 0;
  let ndcg = 0;
  let popHits = 0;
  let popNdcg = 0;
  let targetCount = 0;
  // In profile-id order, so the result never depends on the input's order.
  const cases = [...after.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [profileId, targets] of cases) {
    const history = (before.get(profileId) as Interaction[]).sort((a, b) => b.at - a.at).slice(0, options.maxPerProfile);
    const seen = new Set(history.map((i) => i.itemId));
    const ranked = recommendForProfile(model, history, { n: k, nowMs: cutoffMs, exclude: 'seen', ...(options.halfLifeDays === undefined ? {} : { halfLifeDays: options.halfLifeDays }) }).items.map((r) => r.itemId);
    const popular = popularItems(model, k, seen).map((r) => r.itemId);
    hits += hitAt(ranked, targets, k);
    ndcg += ndcgAt(ranked, targets, k);
    popHits += hitAt(popular, targets, k);
    popNdcg += ndcgAt(popular, targets, k);
    targetCount += targets.size;
  }
  const n = cases.length;
  const mean = (x: number) => (n === 0 ? 0 : x / n);
  return {
    k,
    cutoff: new Date(cutoffMs).toISOString(),
    profiles: n,
    trainInteractions: train.length,
    targets: targetCount,
    builtIn: { hitRate: mean(hits), ndcg: mean(ndcg) },
    popularity: { hitRate: mean(popHits), ndcg: mean(popNdcg) },
  };
}
