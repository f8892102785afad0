/**
 * The unification pillar's config sections: the stream consumer, identity
 * rules, enrichment, computed traits, segments, batch matching and the
 * profile API. The larger sub-schemas are in unification/.
 */
import * as z from 'zod/mini';
import { int, section, withDefault } from './builders';
import { computedTraitsSectionSchema, EXAMPLE_COMPUTED_TRAITS } from './unification/computed-traits';
import { matchingRulesSchema } from './unification/matching';
import { addUnificationCrossIssues } from './unification/cross-checks';
import { EXAMPLE_SEGMENTS, segmentsSchema } from './unification/segments';

const identifierType = z
  .string()
  .check(z.regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'identifier types are alphanumeric names such as "email" or "loyaltyId"'));

const blockedValue = z.string().check(
  z.minLength(1),
  z.refine((entry) => {
    const m = /^\/(.*)\/([a-z]*)$/s.exec(entry);
    if (m === null) return true;
    try {
      new RegExp(m[1] as string, m[2]);
      return true;
    } catch {
      return false;
    }
  }, 'a blocked value written /like this/ must be a valid regular expression'),
);

/** Cross-field rules (unification/cross-checks.ts) run on the whole section once its fields are valid. */
/** Limits of the identifier types a config does not set limits for: one userId, a few emails and phones, many devices. */
export const DEFAULT_LIMITS: Readonly<Record<string, number>> = { userId: 1, email: 5, phone: 5, anonymousId: 50, deviceToken: 20 };
const defaultLimits = (types: readonly string[]) => Object.fromEntries(types.flatMap((t) => (DEFAULT_LIMITS[t] === undefined ? [] : [[t, DEFAULT_LIMITS[t] as number]])));

export const unificationSection = z.prefault(z.strictObject({
  consumer: section({
    /**
     * Records per invocation, at most. Updates to one profile within a batch are
     * coalesced into one write, so larger batches cost fewer DynamoDB write units;
     * the batching window, not the size, bounds how long a record waits.
     */
    batchSize: withDefault(int(1, 10000), 5000),
    maxBatchingWindowSeconds: withDefault(int(0, 300), 1),
    parallelizationFactor: withDefault(int(1, 10), 1),
    /** Retries of a failing batch before its records go to the on-failure queue. */
    maxRetryAttempts: withDefault(int(0, 10000), 5),
    /** Records older than this are sent to the on-failure queue instead of retried. */
    maxRecordAgeSeconds: withDefault(int(60, 604800), 3600),
    memorySize: withDefault(int(128, 10240), 1024),
    timeoutSeconds: withDefault(int(1, 900), 60),
  }),
  identity: z.prefault(z.pipe(z.strictObject({
    /**
     * Identifier types that link events to profiles, highest priority first.
     * userId and anonymousId are the event's own fields; any other type
     * (email, phone, loyaltyId, ...) is read from traits, context.traits,
     * properties or context.externalIds by name.
     */
    identifiers: withDefault(z.array(identifierType).check(z.minLength(1)), ['userId', 'email', 'phone', 'anonymousId', 'deviceToken']),
    /**
     * The most values of a type one profile may hold. An event that would
     * break a limit does not merge two people: its lower-priority identifier
     * is not linked, and the profile records it as rejected with the reason.
     * Types without a limit are unlimited. Without this setting, DEFAULT_LIMITS
     * for the configured types.
     */
    limits: z.optional(z.record(identifierType, int(1, 100000))),
    /**
     * Days each entry of a profile's event journal (what unmerge replays) is
     * kept before the table's TTL deletes it. An unmerge needs every event of
     * the profile in the journal: once entries have expired it refuses,
     * saying how many it holds, instead of splitting inexactly.
     */
    journalRetentionDays: withDefault(int(1, 3650), 400),
    /**
     * Values that never link anything, for every identifier type: an exact
     * value (compared case-insensitively) or a `/regular expression/flags`.
     */
    blocked: withDefault(z.array(blockedValue), [
      '/^[0\\s.+()-]*$/',
      '/^(null|undefined|none|nil|nan|n\\/?a|unknown|anonymous|guest|test|user|customer|default|-1)$/i',
      '/^(test|noreply|no-reply|donotreply|none|null|nobody|noemail|email|example)@/i',
    ]),
  }), z.transform((identity) => ({ ...identity, limits: identity.limits ?? defaultLimits(identity.identifiers) }))), {} as never),
  /**
   * Enrichment after identity resolution: derived attributes on the profile
   * (`enriched`), recomputed whenever it changes.
   */
  enrichment: section({
    /**
     * Region of a profile from its country (ISO alpha-2, `traits.country` or
     * `traits.address.country`) and postcode (`traits.address.postalCode`,
     * `traits.postalCode`, `traits.postcode` or `traits.zip`): the longest
     * postcode prefix listed for the country wins, else the country's region.
     */
    regions: section({
      byCountry: withDefault(z.record(z.string().check(z.length(2)), z.string()), {}),
      byPostcodePrefix: withDefault(z.record(z.string().check(z.length(2)), z.record(z.string(), z.string())), {}),
    }),
  }),
  /**
   * A re-sent message (same messageId) within this window is applied once.
   * Segment documents the same 24-hour de-duplication window.
   */
  dedupeWindowHours: withDefault(int(1, 8760), 24),
  /** Which property of an `Order Completed` event holds its revenue (first present wins). */
  revenueProperties: withDefault(z.array(z.string()).check(z.minLength(1)), ['revenue', 'total']),
  /**
   * Computed traits: aggregates over a profile's events (count, sum, avg,
   * min, max, first, last, distinct, mode), filtered by event and property,
   * optionally over a window such as `90d`. Exact whatever the order events
   * arrive in, and kept exactly across merges. See unification/computed-traits.ts
   * and lambda/unification/core/traits/.
   */
  computedTraits: z.prefault(computedTraitsSectionSchema, EXAMPLE_COMPUTED_TRAITS as never),
  /**
   * Segments: rules over traits, computed traits, enrichments and
   * identifiers (all/any/not, comparisons, `within`/`olderThan` for times),
   * evaluated whenever a profile changes and re-checked on a schedule for
   * rules that time alone changes. Entered/exited events go to EventBridge
   * (source `c360.segments`). See unification/segments.ts.
   */
  segments: withDefault(segmentsSchema, EXAMPLE_SEGMENTS as never),
  /** How often the scheduled re-check evaluates profiles whose segments or windowed traits time alone changes. */
  recheckMinutes: withDefault(int(1, 1440), 15),
  /**
   * Batch matching: one rule set for AWS Entity Resolution (deployed) and
   * the built-in matcher (local runs, `c360 resolve`). See unification/matching.ts.
   */
  matching: z.prefault(matchingRulesSchema, {}),
  entityResolution: section({
    /** `rule`: the rules above as Entity Resolution rule-based matching; `ml`: its machine-learning matching. */
    mode: withDefault(z.enum(['rule', 'ml']), 'rule'),
    /** When the profile snapshot is exported and matched (an EventBridge schedule expression). */
    schedule: withDefault(z.string().check(z.regex(/^(rate|cron)\(.+\)$/, 'a schedule is rate(...) or cron(...)')), 'rate(1 day)'),
  }),
}).check(z.superRefine(addUnificationCrossIssues)), {} as never);

export const profileApiSection = section({
  /** Steady-state requests/s and burst of the deployed profile API stage. */
  throttleRateLimit: withDefault(z.number().check(z.positive()), 500),
  throttleBurstLimit: withDefault(int(1, 100000), 1000),
});
