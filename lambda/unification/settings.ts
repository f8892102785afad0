/** Runtime settings derived from the one c360 config, shared by Lambda and the local runtime. */
import type { C360Config } from '../config';
import { compileDerivations } from './core/profile/derive';
import { regionEnricher } from './core/profile/enrich';
import { identityRules } from './core/identity/identity-rules';
import type { UnifySettings } from './usecases/unify-batch';

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
    },
    dedupeWindowSeconds: config.unification.dedupeWindowHours * 3600,
    maxAttempts: 8,
    trackingPlan: config.trackingPlan,
  };
}
