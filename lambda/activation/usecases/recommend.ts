/**
 * Recommendations for a profile, and items similar to an item: from Amazon
 * Personalize when it is deployed and its campaign has a trained model,
 * otherwise (and whenever Personalize fails) from the built-in recommender
 * (core/recommend/co-occurrence.ts). Every answer says which engine
 * answered and, when it fell back, why.
 *
 * Personalization needs the profile's consent (every purpose
 * governance.consent.uses.recommendations names, granted): without it the
 * answer is the popular items, for anyone, and says so.
 */
import type { C360Config } from '../../config';
import { emptyModel, popularItems, recommendForProfile as builtInForProfile, similarItems as builtInSimilar } from '../core/recommend/co-occurrence';
import { RECOMMENDER_MODEL_KEY, type Recommendation, type RecommendationAnswer, type RecommenderModel } from '../contracts/recommendations';
import type { CustomerViewReader, DocumentStore, InteractionStore, ItemCatalog, PersonalizeRecommender } from '../ports';

export interface RecommendSettings {
  readonly defaultCount: number;
  readonly maxCount: number;
  /** Consent purposes that must all be granted for personalized answers. */
  readonly consentPurposes: readonly string[];
  /** A profile's most recent interactions read to recommend for it. */
  readonly maxPerProfile: number;
  readonly lookbackDays: number;
}

export function recommendSettings(config: Pick<C360Config, 'activation' | 'governance'>): RecommendSettings {
  const r = config.activation.recommendations;
  return {
    defaultCount: r.defaultCount,
    maxCount: r.maxCount,
    consentPurposes: config.governance.consent.uses.recommendations ?? [],
    maxPerProfile: r.builtIn.maxPerProfile,
    lookbackDays: r.builtIn.lookbackDays,
  };
}

export interface RecommendDeps {
  readonly views: CustomerViewReader;
  readonly interactions: InteractionStore;
  /** The built-in model (cachedModel over the models' DocumentStore); undefined before the first build. */
  readonly model: () => Promise<RecommenderModel | undefined>;
  /** Item attributes attached to the answer, when the catalog knows the item. */
  readonly catalog?: ItemCatalog;
  /** Amazon Personalize; none: not deployed. */
  readonly personalize?: PersonalizeRecommender;
  readonly settings: RecommendSettings;
  readonly clock?: () => number;
}

/** How long a loaded model is used before it is read again. */
export const MODEL_CACHE_MS = 60_000;

/** The built-in model read from the DocumentStore, kept for `ttlMs` (a failed read is not kept). */
export function cachedModel(documents: DocumentStore, ttlMs = MODEL_CACHE_MS, clock: () => number = Date.now): () => Promise<RecommenderModel | undefined> {
  let cached: { value: Promise<RecommenderModel | undefined>; until: number } | undefined;
  return () => {
    const now = clock();
    if (cached === undefined || cached.until <= now) {
      const value = documents.get<RecommenderModel>(RECOMMENDER_MODEL_KEY);
      cached = { value, until: now + ttlMs };
      value.catch(() => (cached = undefined));
    }
    return cached.value;
  };
}

/** The count asked for, or the default, within 1..maxCount. */
export function boundCount(n: number | undefined, settings: Pick<RecommendSettings, 'defaultCount' | 'maxCount'>): number {
  if (n === undefined || !Number.isFinite(n)) return Math.min(settings.defaultCount, settings.maxCount);
  return Math.max(1, Math.min(settings.maxCount, Math.floor(n)));
}

export interface ProfileRequest {
  readonly n?: number;
  /** Personalize's context (e.g. DEVICE_TYPE); the built-in recommender does not use it. */
  readonly context?: Readonly<Record<string, string>>;
}

export type ProfileRecommendations = { readonly found: false } | { readonly found: true; readonly answer: RecommendationAnswer };

export const NO_CONSENT_NOTE = 'no personalization consent: popular items';
export const UNKNOWN_ITEM_NOTE = 'unknown item: popular items';
export const NO_MODEL_NOTE = 'the built-in recommender has no model yet (it is built from the interactions on a schedule)';

export async function recommendForProfile(profileId: string, request: ProfileRequest, deps: RecommendDeps): Promise<ProfileRecommendations> {
  const now = (deps.clock ?? Date.now)();
  const n = boundCount(request.n, deps.settings);
  const view = await deps.views.get(profileId, now);
  if (view === undefined) return { found: false };
  const id = view.profileId;
  const consented = deps.settings.consentPurposes.every((p) => view.consent[p] === 'granted');

  let note: string | undefined;
  if (!consented) {
    const model = await deps.model();
    const items = model === undefined ? [] : popularItems(model, n);
    return { found: true, answer: await withAttributes({ source: 'built-in:popularity', ...modelOf(model), profileId: id, items, note: NO_CONSENT_NOTE }, deps) };
  }
  if (deps.personalize !== undefined) {
    try {
      const arn = await deps.personalize.activeModel('user');
      if (arn !== undefined) {
        const items = await deps.personalize.recommend(id, n, request.context);
        return { found: true, answer: await withAttributes({ source: 'personalize', model: arn, profileId: id, items }, deps) };
      }
    } catch (err) {
      note = `Personalize failed (${errorName(err)}): the built-in recommender answered`;
    }
  }
  const model = await deps.model();
  const recent = await deps.interactions.recent(id, deps.settings.maxPerProfile);
  const built = builtInForProfile(model ?? emptyModel(now, deps.settings.lookbackDays), recent, { n, nowMs: now });
  note ??= model === undefined ? NO_MODEL_NOTE : undefined;
  const answer: RecommendationAnswer = {
    source: built.source === 'co-occurrence' ? 'built-in:co-occurrence' : 'built-in:popularity',
    ...modelOf(model),
    profileId: id,
    items: built.items,
    ...(note === undefined ? {} : { note }),
  };
  return { found: true, answer: await withAttributes(answer, deps) };
}

export async function similarItems(itemId: string, n: number | undefined, deps: RecommendDeps): Promise<RecommendationAnswer> {
  const count = boundCount(n, deps.settings);
  let note: string | undefined;
  if (deps.personalize !== undefined) {
    try {
      const arn = await deps.personalize.activeModel('similar');
      if (arn !== undefined) {
        const items = await deps.personalize.similar(itemId, count);
        return withAttributes({ source: 'personalize', model: arn, itemId, items }, deps);
      }
    } catch (err) {
      note = `Personalize failed (${errorName(err)}): the built-in recommender answered`;
    }
  }
  const now = (deps.clock ?? Date.now)();
  const model = await deps.model();
  const built = builtInSimilar(model ?? emptyModel(now, deps.settings.lookbackDays), itemId, count);
  note ??= model === undefined ? NO_MODEL_NOTE : built.known ? undefined : UNKNOWN_ITEM_NOTE;
  return withAttributes(
    {
      source: built.source === 'co-occurrence' ? 'built-in:co-occurrence' : 'built-in:popularity',
      ...modelOf(model),
      itemId,
      items: built.items,
      ...(note === undefined ? {} : { note }),
    },
    deps,
  );
}

/** The built-in model's identity in an answer: its build time. */
const modelOf = (model: RecommenderModel | undefined) => (model === undefined ? {} : { model: model.builtAt });

const errorName = (err: unknown) => (err as { name?: string })?.name ?? 'Error';

async function withAttributes(answer: RecommendationAnswer, deps: Pick<RecommendDeps, 'catalog'>): Promise<RecommendationAnswer> {
  if (deps.catalog === undefined || answer.items.length === 0) return answer;
  const known = await deps.catalog.get(answer.items.map((i) => i.itemId));
  const items: Recommendation[] = answer.items.map((i) => {
    const item = known.get(i.itemId);
    return item === undefined ? i : { ...i, attributes: item.attributes };
  });
  return { ...answer, items };
}
