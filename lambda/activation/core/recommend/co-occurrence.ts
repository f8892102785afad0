/**
 * The built-in recommender: item-to-item co-occurrence over profiles, with a
 * popularity fallback. It answers where Amazon Personalize is not deployed
 * (and locally), and whenever Personalize has no trained campaign yet.
 *
 * The model is built from recent interactions (config builtIn.lookbackDays,
 * the most recent builtIn.maxPerProfile per profile). Each profile counts
 * once per item, with the weight of its strongest interaction with it
 * (Purchase > AddToCart > View):
 *   - popularity(i) = the sum of those weights over profiles;
 *   - similarity(i, j) = cosine of the two items' profile-weight vectors,
 *     shrunk towards 0 when few profiles share them
 *     (× c / (c + shrinkage), c = profiles with both), so that two rare
 *     items seen together once do not outrank a well-supported pair.
 * Only the top builtIn.neighbours of each item are kept. The model holds
 * item statistics only, never a profile id.
 *
 * Recommending for a profile scores each candidate by the sum of its
 * similarities to the profile's recent items, each weighted by the type of
 * the interaction and its recency (halved every `halfLifeDays`); items the
 * profile purchased are left out; popular items fill the list when the
 * neighbours give fewer than asked, and answer alone for a profile with no
 * interactions (cold start).
 */
import type { Interaction, Recommendation, RecommenderModel, ScoredItem } from '../../contracts/recommendations';

/** EVENT_TYPE weights: what a purchase says about taste outweighs a cart add, which outweighs a view. */
export const DEFAULT_WEIGHTS: Readonly<Record<string, number>> = { Purchase: 3, AddToCart: 2, View: 1 };
/** Weight of an event type the table does not name. */
export const DEFAULT_WEIGHT = 1;
/** Event types that mean the profile owns the item: not recommended again. */
export const PURCHASE_TYPES: readonly string[] = ['Purchase'];
/** Profiles sharing a pair at which its similarity keeps half its cosine. */
export const DEFAULT_SHRINKAGE = 2;
/** A recent interaction counts half as much after this many days. */
export const DEFAULT_HALF_LIFE_DAYS = 30;
/** Popular items kept in the model: more than any request may ask for (maxCount ≤ 500), with room for exclusions. */
export const POPULAR_KEPT = 1000;

const DAY_MS = 24 * 3600 * 1000;

export interface BuildOptions {
  /** The moment the model is built as of, epoch ms: interactions after it, or older than the look-back, are not counted. */
  readonly nowMs: number;
  readonly lookbackDays: number;
  readonly maxPerProfile: number;
  readonly neighbours: number;
  readonly weights?: Readonly<Record<string, number>>;
  readonly shrinkage?: number;
}

type Counted = Pick<Interaction, 'profileId' | 'itemId' | 'eventType' | 'at'>;

const weightOf = (weights: Readonly<Record<string, number>>, type: string) => weights[type] ?? DEFAULT_WEIGHT;
const round = (x: number) => Math.round(x * 1e6) / 1e6;
/** Higher score first, then item id: the same input always gives the same order. */
const byScore = (a: ScoredItem, b: ScoredItem) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * Collects interactions one at a time (a table scan), keeping per profile
 * only what the model counts, then builds the model. Memory is bounded by
 * profiles × maxPerProfile.
 */
export class ModelBuilder {
  private readonly byProfile = new Map<string, Counted[]>();
  private readonly since: number;

  constructor(private readonly options: BuildOptions) {
    this.since = options.nowMs - options.lookbackDays * DAY_MS;
  }

  add(i: Counted): void {
    if (i.at < this.since || i.at > this.options.nowMs) return;
    let list = this.byProfile.get(i.profileId);
    if (list === undefined) {
      list = [];
      this.byProfile.set(i.profileId, list);
    }
    list.push({ profileId: i.profileId, itemId: i.itemId, eventType: i.eventType, at: i.at });
    // Trimmed as it grows, so a profile with a long history costs maxPerProfile, not its history.
    if (list.length >= 2 * this.options.maxPerProfile) this.byProfile.set(i.profileId, mostRecent(list, this.options.maxPerProfile));
  }

  build(): RecommenderModel {
    const weights = { ...DEFAULT_WEIGHTS, ...(this.options.weights ?? {}) };
    const shrinkage = this.options.shrinkage ?? DEFAULT_SHRINKAGE;
    const index = new Map<string, number>();
    const ids: string[] = [];
    const popularity: number[] = [];
    const norm2: number[] = [];
    const idOf = (item: string) => {
      let k = index.get(item);
      if (k === undefined) {
        k = ids.length;
        index.set(item, k);
        ids.push(item);
        popularity.push(0);
        norm2.push(0);
      }
      return k;
    };
    // Pair (a < b) → [dot product, profiles with both]; keyed as a * 2^26 + b (exact in a double).
    const pairs = new Map<number, [number, number]>();
    const PAIR = 2 ** 26;
    let interactions = 0;
    for (const raw of this.byProfile.values()) {
      const list = mostRecent(raw, this.options.maxPerProfile);
      interactions += list.length;
      const strongest = new Map<number, number>();
      for (const i of list) {
        const k = idOf(i.itemId);
        strongest.set(k, Math.max(strongest.get(k) ?? 0, weightOf(weights, i.eventType)));
      }
      const items = [...strongest.entries()].sort((x, y) => x[0] - y[0]);
      for (const [k, w] of items) {
        popularity[k] = (popularity[k] as number) + w;
        norm2[k] = (norm2[k] as number) + w * w;
      }
      for (let x = 0; x < items.length; x++) {
        const [a, wa] = items[x] as [number, number];
        for (let y = x + 1; y < items.length; y++) {
          const [b, wb] = items[y] as [number, number];
          const key = a * PAIR + b;
          const pair = pairs.get(key);
          if (pair === undefined) pairs.set(key, [wa * wb, 1]);
          else {
            pair[0] += wa * wb;
            pair[1] += 1;
          }
        }
      }
    }
    const lists: ScoredItem[][] = ids.map(() => []);
    for (const [key, [dot, together]] of pairs) {
      const a = Math.floor(key / PAIR);
      const b = key - a * PAIR;
      const similarity = (dot / Math.sqrt((norm2[a] as number) * (norm2[b] as number))) * (together / (together + shrinkage));
      if (similarity <= 0) continue;
      (lists[a] as ScoredItem[]).push([ids[b] as string, similarity]);
      (lists[b] as ScoredItem[]).push([ids[a] as string, similarity]);
    }
    const neighbours: Record<string, ScoredItem[]> = {};
    lists.forEach((list, k) => {
      if (list.length === 0) return;
      neighbours[ids[k] as string] = list
        .sort(byScore)
        .slice(0, this.options.neighbours)
        .map(([item, s]) => [item, round(s)] as const);
    });
    const popular = ids
      .map((item, k): ScoredItem => [item, popularity[k] as number])
      .sort(byScore)
      .slice(0, POPULAR_KEPT)
      .map(([item, s]) => [item, round(s)] as const);
    return {
      kind: 'co-occurrence',
      version: 1,
      builtAt: new Date(this.options.nowMs).toISOString(),
      lookbackDays: this.options.lookbackDays,
      weights,
      counts: { interactions, profiles: this.byProfile.size, items: ids.length, pairs: pairs.size },
      popular,
      neighbours,
    };
  }
}

/** The `limit` most recent, newest first. */
function mostRecent<T extends { readonly at: number }>(list: readonly T[], limit: number): T[] {
  return [...list].sort((a, b) => b.at - a.at).slice(0, limit);
}

/** Builds the model from interactions in one go. */
export function buildModel(interactions: Iterable<Counted>, options: BuildOptions): RecommenderModel {
  const builder = new ModelBuilder(options);
  for (const i of interactions) builder.add(i);
  return builder.build();
}

/** A model that knows nothing: the answer before the first build. */
export function emptyModel(nowMs: number, lookbackDays: number): RecommenderModel {
  return {
    kind: 'co-occurrence',
    version: 1,
    builtAt: new Date(nowMs).toISOString(),
    lookbackDays,
    weights: { ...DEFAULT_WEIGHTS },
    counts: { interactions: 0, profiles: 0, items: 0, pairs: 0 },
    popular: [],
    neighbours: {},
  };
}

export interface BuiltInAnswer {
  /** `co-occurrence` when at least one item came from the neighbours; `popularity` otherwise. */
  readonly source: 'co-occurrence' | 'popularity';
  readonly items: Recommendation[];
}

export interface ProfileOptions {
  readonly n: number;
  readonly nowMs: number;
  readonly halfLifeDays?: number;
  /**
   * What the profile is not recommended: the items it purchased (the API),
   * or every item it interacted with (the evaluation, whose targets are new
   * items only).
   * @default 'purchased'
   */
  readonly exclude?: 'purchased' | 'seen';
  readonly purchaseTypes?: readonly string[];
}

/**
 * The top `n` items for a profile, from its recent interactions (any order).
 * No interactions: the most popular items.
 */
export function recommendForProfile(model: RecommenderModel, recent: readonly Pick<Interaction, 'itemId' | 'eventType' | 'at'>[], options: ProfileOptions): BuiltInAnswer {
  const halfLife = (options.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS) * DAY_MS;
  const purchases = options.purchaseTypes ?? PURCHASE_TYPES;
  const excluded = new Set<string>();
  const seeds = new Map<string, number>();
  for (const i of recent) {
    if (options.exclude === 'seen' || purchases.includes(i.eventType)) excluded.add(i.itemId);
    const age = Math.max(0, options.nowMs - i.at);
    const w = weightOf(model.weights, i.eventType) * 0.5 ** (age / halfLife);
    seeds.set(i.itemId, Math.max(seeds.get(i.itemId) ?? 0, w));
  }
  const scores = new Map<string, number>();
  for (const [seed, w] of seeds) {
    for (const [item, similarity] of model.neighbours[seed] ?? []) {
      if (excluded.has(item)) continue;
      scores.set(item, (scores.get(item) ?? 0) + w * similarity);
    }
  }
  const ranked = topN(scores, options.n);
  const items = ranked.map(([itemId, score]) => ({ itemId, score: round(score) }));
  if (items.length < options.n) {
    // Fewer candidates than asked: every scored item is in the list already.
    for (const item of scores.keys()) excluded.add(item);
    items.push(...popularFill(model, options.n - items.length, excluded, lowest(items)));
  }
  return { source: ranked.length > 0 ? 'co-occurrence' : 'popularity', items };
}

/** The items most similar to `itemId`; an item the model does not know: the most popular items. */
export function similarItems(model: RecommenderModel, itemId: string, n: number): BuiltInAnswer & { readonly known: boolean } {
  const list = model.neighbours[itemId];
  const known = list !== undefined || model.popular.some(([item]) => item === itemId);
  const items = (list ?? []).slice(0, n).map(([item, score]) => ({ itemId: item, score }));
  if (items.length < n) items.push(...popularFill(model, n - items.length, new Set([itemId, ...items.map((i) => i.itemId)]), lowest(items)));
  return { source: list !== undefined && list.length > 0 ? 'co-occurrence' : 'popularity', items, known };
}

/** The most popular items, for anyone (no personalization). */
export function popularItems(model: RecommenderModel, n: number, excluded: ReadonlySet<string> = new Set()): Recommendation[] {
  return popularFill(model, n, excluded, undefined);
}

/** The n best of the scores, best first (ties by item id): a bounded insertion, not a sort of every candidate. */
function topN(scores: ReadonlyMap<string, number>, n: number): ScoredItem[] {
  const top: ScoredItem[] = [];
  for (const entry of scores) {
    if (top.length === n && byScore(entry, top[n - 1] as ScoredItem) >= 0) continue;
    let at = top.length === n ? n - 1 : top.length;
    while (at > 0 && byScore(entry, top[at - 1] as ScoredItem) < 0) at--;
    top.splice(at, 0, entry);
    if (top.length > n) top.pop();
  }
  return top;
}

const lowest = (items: readonly Recommendation[]) => (items.length === 0 ? undefined : (items[items.length - 1] as Recommendation).score);

/**
 * Popular items not excluded. Following ranked items (`below`: the last
 * one's score), their scores are scaled under it, so that the list's scores
 * still decrease; alone, a score is the popularity relative to the top item.
 */
function popularFill(model: RecommenderModel, n: number, excluded: ReadonlySet<string>, below: number | undefined): Recommendation[] {
  if (n <= 0) return [];
  const top = model.popular[0]?.[1] ?? 1;
  const ceiling = below === undefined ? 1 : below / 2;
  const out: Recommendation[] = [];
  for (const [itemId, popularity] of model.popular) {
    if (out.length >= n) break;
    if (excluded.has(itemId)) continue;
    out.push({ itemId, score: round((ceiling * popularity) / top) });
  }
  return out;
}
