/** Runtime settings derived from the one c360 config, shared by Lambda and the local runtime. */
import type { C360Config } from '../config';
import { compileDerivations } from './core/profile/derive';
import { regionEnricher } from './core/profile/enrich';
import { identityRules } from './core/identity/identity-rules';
import type { UnifySettings } from './usecases/unify-batch';
import type { ConsentParseOptions } from '../shared/events';
import type { ConsentSettings } from './usecases/record-consent';

/** How events' consent objects become decisions: the governance pillar's consent section. */
export function consentParseOptions(config: Pick<C360Config, 'governance'>): ConsentParseOptions {
  const { purposes, categories, preferenceEvent, policyVersion } = config.governance.consent;
  return { purposes: Object.keys(purposes), categories, preferenceEvent, policyVersion };
}

/** What the profile API needs of the consent config: the purposes with their default state, the preference event, the policy version. */
export function consentSettings(config: Pick<C360Config, 'governance'>): ConsentSettings {
  const { purposes, preferenceEvent, policyVersion } = config.governance.consent;
  return { purposes: Object.fromEntries(Object.entries(purposes).map(([name, p]) => [name, { whenMissing: p.whenMissing }])), preferenceEvent, policyVersion };
}

export function unifySettings(config: C360Config): UnifySettings {
  const rules = identityRules(config.unification.identity);
  // More enrichers go here: each derives attributes from a profile's traits.
  const enrichers = [regionEnricher(config.unification.enrichment.regions)];
  return {
    rules,
    derivations: compileDerivations(config.unification.computedTraits, config.unification.segments, enrichers),
    parse: {
      identifierTypes: config.unification.identity.identifiers,
      blockedReason: rules.blockedReason,
      defaultPhoneRegion: config.normalization.defaultPhoneRegion,
      revenueProperties: config.unification.revenueProperties,
      consent: consentParseOptions(config),
    },
    dedupeWindowSeconds: config.unification.dedupeWindowHours * 3600,
    maxAttempts: 8,
    trackingPlan: config.trackingPlan,
  };
}
