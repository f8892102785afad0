/**
 * Interactions, catalog items and the recommendations API's answers: what
 * the stream function records, the item import writes, the built-in
 * recommender reads and the API returns.
 */

/** One interaction of a profile with an item (Personalize's interactions schema). */
export interface Interaction {
  /** USER_ID: the c360 profile id, never an email. */
  readonly profileId: string;
  readonly itemId: string;
  /** EVENT_TYPE: View, AddToCart, Purchase, ... */
  readonly eventType: string;
  /** EVENT_VALUE when the mapping names one. */
  readonly eventValue?: number;
  /** Epoch ms of the event. */
  readonly at: number;
  /** The event's messageId (and the item's index in it): the interaction's identity. */
  readonly messageId: string;
  /** sessionId sent to Personalize: the event's anonymousId, else the profile id. */
  readonly sessionId: string;
}

/** An item of the catalog: an id and its configured attributes (no personal data). */
export interface CatalogItem {
  readonly itemId: string;
  readonly attributes: Readonly<Record<string, string | number>>;
  /** ISO-8601 of the catalog row or the import. */
  readonly updatedAt: string;
}

export interface Recommendation {
  readonly itemId: string;
  /** Relative score, higher first; Personalize's score when it answered. */
  readonly score: number;
  readonly attributes?: Readonly<Record<string, string | number>>;
}

/** Which engine answered: Personalize's campaign, or the built-in recommender (co-occurrence, or popularity when it knows nothing of the profile or item). */
export type RecommendationSource = 'personalize' | 'built-in:co-occurrence' | 'built-in:popularity';

/** `GET /profiles/{id}/recommendations` and `GET /items/{id}/similar`. */
export interface RecommendationAnswer {
  readonly source: RecommendationSource;
  /** The model behind it (a Personalize solution version ARN, or the built-in model's build time). */
  readonly model?: string;
  readonly profileId?: string;
  readonly itemId?: string;
  readonly items: readonly Recommendation[];
  /** Why the answer is empty or from the fallback (no consent for personalization, unknown item, ...). */
  readonly note?: string;
}

/** Where the built-in recommender's model is kept (the models bucket deployed, `.c360/` locally). */
export const RECOMMENDER_MODEL_KEY = 'models/recommender/current.json';

/** An item and its score (a similarity, a popularity), as the model stores them: pairs keep the JSON small. */
export type ScoredItem = readonly [itemId: string, score: number];

/**
 * The built-in recommender's model: item statistics only, no profile id (so
 * the erasure has nothing to find in it, and rebuilding it from the
 * interactions left after an erasure forgets the person).
 */
export interface RecommenderModel {
  readonly kind: 'co-occurrence';
  readonly version: 1;
  /** ISO-8601: the moment the model was built as of (interactions after it were not counted). */
  readonly builtAt: string;
  readonly lookbackDays: number;
  /** EVENT_TYPE → its weight (Purchase > AddToCart > View). */
  readonly weights: Readonly<Record<string, number>>;
  readonly counts: {
    /** Interactions counted (in the look-back window, at most maxPerProfile per profile). */
    readonly interactions: number;
    readonly profiles: number;
    readonly items: number;
    /** Item pairs seen together at least once. */
    readonly pairs: number;
  };
  /** Most popular first: distinct profiles, weighted by their strongest interaction. */
  readonly popular: readonly ScoredItem[];
  /** Item → its most similar items, most similar first. */
  readonly neighbours: Readonly<Record<string, readonly ScoredItem[]>>;
}
