/** Runtime settings derived from the one c360 config, shared by Lambda and the local runtime. */
import type { C360Config } from '../../lib/config';
import type { UnifySettings } from '../usecases/unify-batch';

export function unifySettings(config: C360Config): UnifySettings {
  return {
    parse: {
      identifierTypes: config.unification.identity.identifiers,
      defaultPhoneRegion: config.normalization.defaultPhoneRegion,
      revenueProperties: config.unification.revenueProperties,
    },
    dedupeWindowSeconds: config.unification.dedupeWindowHours * 3600,
    maxAttempts: 8,
  };
}
