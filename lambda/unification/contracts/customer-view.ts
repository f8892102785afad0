/**
 * The customer view other pillars read (activation's campaigns, exports and
 * recommendations): a profile as of one moment, with every computed trait
 * from config evaluated at that moment, its segments with entry times,
 * consent by purpose, propensity scores and channels.
 */

export interface CustomerViewScore {
  /** Probability, 0 to 1. */
  readonly score: number;
  readonly modelVersion: string;
  readonly algorithm: string;
  readonly scoredAt: string;
  readonly topFeatures: ReadonlyArray<{ readonly feature: string; readonly weight: number; readonly value: number }>;
}

export interface CustomerView {
  readonly profileId: string;
  /** Identifier type → normalised values. */
  readonly identifiers: Readonly<Record<string, readonly string[]>>;
  /** Trait values (latest by event time). */
  readonly traits: Readonly<Record<string, unknown>>;
  /** Every computed trait from config evaluated at `asOf`, plus the built-in counters (eventCount, firstSeen, lastSeen, orderCount, totalRevenue). */
  readonly computed: Readonly<Record<string, unknown>>;
  /** Segment name → entry time (ISO-8601). */
  readonly segments: Readonly<Record<string, string>>;
  /** Purpose → granted or denied (configured default when never decided). */
  readonly consent: Readonly<Record<string, 'granted' | 'denied'>>;
  /** Model name (churn, repurchase) → its latest score. */
  readonly scores: Readonly<Record<string, CustomerViewScore>>;
  /** Events per channel. */
  readonly channels: Readonly<Record<string, number>>;
  readonly enriched: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The moment computed traits were evaluated at (ISO-8601). */
  readonly asOf: string;
}
