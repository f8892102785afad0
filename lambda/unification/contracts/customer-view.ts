/**
 * The customer view other pillars read (activation's campaigns, exports and
 * recommendations): a profile as of one moment, with every computed trait
 * from config evaluated at that moment, its segments with entry times,
 * consent by purpose, propensity scores and channels.
 *
 * customerView() builds it from a stored profile: pure, so the DynamoDB
 * reader (lambda/activation/adapters/dynamodb-customer-view.ts), the local
 * runtime and tests all get the same view. Windowed computed traits are
 * evaluated at the moment asked for, not at the profile's last write: an
 * order 100 days ago is no longer in `ordersLast90Days`, however long ago
 * the profile was written.
 */
import type { C360Config } from '../../config';
import { currentConsent, type ConsentPurposes } from '../core/profile/consent';
import type { Profile } from '../core/profile/profile';
import { scoresView } from '../core/profile/scores';
import { compileComputedTraits } from '../core/traits/compile';
import { evaluateAggregates } from '../core/traits/evaluate';
import type { CompiledComputedTraits } from '../core/traits/model';

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
  /** Every computed trait from config evaluated at `asOf`, the default ones (eventCount, firstSeen, lastSeen, orderCount, totalRevenue) included. */
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

/** What customerView needs of the config. */
export type CustomerViewConfig = Pick<C360Config, 'unification' | 'governance'>;

interface CompiledView {
  readonly traits: CompiledComputedTraits;
  readonly purposes: ConsentPurposes;
}

/** Compiled once per config object: a view costs the evaluation, not the compilation. */
const compiledByConfig = new WeakMap<object, CompiledView>();

function compiledFor(config: CustomerViewConfig): CompiledView {
  let compiled = compiledByConfig.get(config);
  if (compiled === undefined) {
    compiled = {
      traits: compileComputedTraits(config.unification.computedTraits),
      purposes: Object.fromEntries(Object.entries(config.governance.consent.purposes).map(([name, p]) => [name, { whenMissing: p.whenMissing }])),
    };
    compiledByConfig.set(config, compiled);
  }
  return compiled;
}

/**
 * The customer view of a live profile at `nowMs`: trait values, every
 * computed trait from config (its defaults included) evaluated at `nowMs`
 * by the same function segments use, segments with
 * their entry times, the state of every configured consent purpose (its
 * default when never decided), scores, channels and enrichment.
 */
export function customerView(profile: Profile, config: CustomerViewConfig, nowMs: number): CustomerView {
  const compiled = compiledFor(config);
  const computed = evaluateAggregates(compiled.traits, profile.aggregates, nowMs, profile.computed);
  const consent: Record<string, 'granted' | 'denied'> = {};
  for (const [purpose, state] of Object.entries(currentConsent(profile.consent, compiled.purposes))) consent[purpose] = state.status;
  return {
    profileId: profile.profileId,
    identifiers: Object.fromEntries(Object.entries(profile.identifiers).map(([type, values]) => [type, [...values]])),
    traits: Object.fromEntries(Object.entries(profile.traits).map(([name, tv]) => [name, tv.v])),
    computed,
    segments: { ...(profile.segments ?? {}) },
    consent,
    scores: scoresView(profile.scores),
    channels: { ...profile.channels },
    enriched: { ...(profile.enriched ?? {}) },
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
    asOf: new Date(nowMs).toISOString(),
  };
}
