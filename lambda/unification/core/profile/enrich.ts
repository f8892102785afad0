/**
 * Enrichment: a pluggable step after identity resolution. An enricher reads
 * a profile and returns derived attributes, which land in `profile.enriched`.
 * Enrichers are pure functions of the profile's traits, so the result does
 * not depend on the order events arrived in. One ships here (region from
 * country and postcode by a reference table); add more to the list the
 * consumer is given (see lambda/unification/settings.ts).
 */
import type { Profile } from './profile';

export interface Enricher {
  readonly name: string;
  /** Derived attributes, or undefined when the profile has nothing to derive them from. */
  enrich(traits: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> | undefined;
}

export interface RegionTable {
  /** Country (ISO alpha-2) → region. */
  readonly byCountry: Readonly<Record<string, string>>;
  /** Country → postcode prefix → region; the longest matching prefix wins. */
  readonly byPostcodePrefix: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim().length > 0 ? v.trim() : typeof v === 'number' ? String(v) : undefined);
const address = (traits: Readonly<Record<string, unknown>>): Record<string, unknown> =>
  typeof traits.address === 'object' && traits.address !== null && !Array.isArray(traits.address) ? (traits.address as Record<string, unknown>) : {};

/** Region from country and postcode, by a reference table from config. */
export function regionEnricher(table: RegionTable): Enricher {
  return {
    name: 'region',
    enrich(traits) {
      const addr = address(traits);
      const country = text(addr.country ?? traits.country)?.toUpperCase();
      if (country === undefined) return undefined;
      const postcode = text(addr.postalCode ?? traits.postalCode ?? traits.postcode ?? traits.zip)?.toUpperCase().replace(/\s+/g, '');
      const prefixes = table.byPostcodePrefix[country];
      if (postcode !== undefined && prefixes !== undefined) {
        const best = Object.keys(prefixes)
          .filter((prefix) => postcode.startsWith(prefix.toUpperCase()))
          .sort((a, b) => b.length - a.length)[0];
        if (best !== undefined) return { region: prefixes[best], regionSource: `postcode ${best}* in ${country}` };
      }
      const region = table.byCountry[country];
      return region === undefined ? undefined : { region, regionSource: `country ${country}` };
    },
  };
}

/** A profile's current trait values, without their times. */
export function traitValues(profile: Profile): Record<string, unknown> {
  return Object.fromEntries(Object.entries(profile.traits).map(([k, tv]) => [k, tv.v]));
}

/** Applies the enrichers to a profile's current trait values (pass `traits` when they are already at hand). */
export function enrichProfile(profile: Profile, enrichers: readonly Enricher[], traits: Record<string, unknown> = traitValues(profile)): Profile {
  if (enrichers.length === 0) return profile;
  const enriched: Record<string, unknown> = {};
  for (const enricher of enrichers) Object.assign(enriched, enricher.enrich(traits) ?? {});
  if (Object.keys(enriched).length === 0 && profile.enriched === undefined) return profile;
  return { ...profile, enriched };
}
