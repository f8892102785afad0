/**
 * The customer view as other pillars read it: one live profile as plain data
 * (identifier values, trait values, every computed trait from config, its
 * defaults included, evaluated at a given time, the stored counters,
 * segments with their entry times, merges, rejected identifiers, channels,
 * enrichment, created/updated).
 * The analytics profile export turns it into curated rows; activation and
 * governance read the same shape.
 *
 * Pure: the time the computed traits are evaluated at is an input, and the
 * config's definitions are compiled once by customerRecordReader.
 */
import type { C360Config } from '../../config';
import { REVENUE_SCALE } from '../../shared/events';
import { compileDerivations, computedValues } from '../core/profile/derive';
import { traitValues } from '../core/profile/enrich';
import { currentConsent, type ConsentPurposes, type ConsentState } from '../core/profile/consent';
import type { MergeRecord, Profile, RejectedLink } from '../core/profile/profile';
import type { AggregateValue } from '../core/traits/model';

export type { AggregateValue, ConsentState, MergeRecord, RejectedLink };

/**
 * The counters every profile keeps, whatever the config, as stored. The
 * default computed traits of the same names (in `computed`) read these
 * unless the config redefines them; consumers wanting the configured
 * meaning read `computed`.
 */
export interface CustomerCounters {
  readonly eventCount: number;
  readonly orderCount: number;
  /** Sum of `Order Completed` revenue, in currency units. */
  readonly totalRevenue: number;
  /** Event time of the first and of the latest event (ISO-8601), null on a profile with no events. */
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
}

export interface CustomerRecord {
  readonly profileId: string;
  /** ISO-8601, processing time. */
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Identifier type → normalised values, sorted. */
  readonly identifiers: Readonly<Record<string, readonly string[]>>;
  /** Trait name → current value (last write by event time wins). */
  readonly traits: Readonly<Record<string, unknown>>;
  readonly counters: CustomerCounters;
  /**
   * Every computed trait from config (unification.computedTraits, its
   * defaults included), by name, evaluated at `evaluatedAt` as segments see
   * them: counts and sums of nothing are 0, the others
   * null; times ISO-8601, `daysSince` whole days.
   */
  readonly computed: Readonly<Record<string, AggregateValue>>;
  /** When the computed traits were evaluated (ISO-8601). */
  readonly evaluatedAt: string;
  /** Segment name → when the profile entered it (ISO-8601). */
  readonly segments: Readonly<Record<string, string>>;
  /** Profiles this one absorbed, directly or not, sorted. */
  readonly mergedFrom: readonly string[];
  /** The merges that built this profile, oldest first: what joined, through which identifier or match group, when. */
  readonly merges: readonly MergeRecord[];
  /** Identifiers events carried that were not linked, with the reason. */
  readonly rejectedIdentifiers: readonly RejectedLink[];
  /** Events per channel. */
  readonly channels: Readonly<Record<string, number>>;
  /** Attributes the enrichers derived. */
  readonly enriched: Readonly<Record<string, unknown>>;
  /**
   * Current consent per purpose: the latest decision of each; with the
   * governance config, every configured purpose, one never decided in its
   * `whenMissing` state (source `default`).
   */
  readonly consent: Readonly<Record<string, ConsentState>>;
}

export type CustomerRecordReader = (profile: Profile, nowMs: number) => CustomerRecord;

/**
 * Compiles the config's computed traits once; the function it returns reads
 * a decoded profile as a customer record with the traits evaluated at `nowMs`.
 */
export function customerRecordReader(config: Pick<C360Config, 'unification'> & Partial<Pick<C360Config, 'governance'>>): CustomerRecordReader {
  const { computedTraits, segments } = config.unification;
  const purposes: ConsentPurposes | undefined = config.governance?.consent.purposes;
  // Enrichment is stored on the profile when it is written; nothing to derive again here.
  const derivations = compileDerivations(computedTraits, segments, []);
  const names = [...derivations.computedTraits.served, ...derivations.computedTraits.traits].map((t) => t.name);
  return (p, nowMs) => {
    const values = computedValues(p, derivations, nowMs);
    const computed: Record<string, AggregateValue> = {};
    for (const name of names) computed[name] = values[name] ?? null;
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      profileId: p.profileId,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
      identifiers: Object.fromEntries(Object.entries(p.identifiers).map(([type, v]) => [type, [...v]])),
      traits: traitValues(p),
      counters: {
        eventCount: p.computed.eventCount,
        orderCount: p.computed.orderCount,
        totalRevenue: p.computed.revenue / REVENUE_SCALE,
        firstSeen: iso(p.computed.firstSeen),
        lastSeen: iso(p.computed.lastSeen),
      },
      computed,
      evaluatedAt: new Date(nowMs).toISOString(),
      segments: { ...(p.segments ?? {}) },
      mergedFrom: [...p.mergedFrom],
      merges: [...p.merges],
      rejectedIdentifiers: [...(p.rejectedIdentifiers ?? [])],
      channels: { ...p.channels },
      enriched: { ...(p.enriched ?? {}) },
      consent: currentConsent(p.consent, purposes),
    };
  };
}
