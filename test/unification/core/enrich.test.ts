import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { unifySettings } from '../../../lambda/unification/settings';
import { regionEnricher } from '../../../lambda/unification/core/profile/enrich';
import { plainView } from '../fixtures/plain-view';
import { unifyBatch } from '../../../lambda/unification/usecases/unify-batch';
import { identify, record } from '../../support/events';

const table = {
  byCountry: { US: 'North America', DE: 'DACH', GB: 'UK & Ireland' },
  byPostcodePrefix: { US: { '9': 'US West', '94': 'Bay Area' }, GB: { SW: 'London South West' } },
};

describe('region enricher', () => {
  const enricher = regionEnricher(table);

  it('takes the longest postcode prefix listed for the country', () => {
    expect(enricher.enrich({ address: { country: 'us', postalCode: '94107' } })).toEqual({ region: 'Bay Area', regionSource: 'postcode 94* in US' });
    expect(enricher.enrich({ country: 'US', zip: 90210 })).toEqual({ region: 'US West', regionSource: 'postcode 9* in US' });
    expect(enricher.enrich({ address: { country: 'GB', postalCode: 'sw1a 1aa' } })?.region).toBe('London South West');
  });

  it('falls back to the country, and derives nothing without one', () => {
    expect(enricher.enrich({ country: 'US', postcode: '10001' })).toEqual({ region: 'North America', regionSource: 'country US' });
    expect(enricher.enrich({ address: { country: 'DE' } })?.region).toBe('DACH');
    expect(enricher.enrich({ country: 'FR' })).toBeUndefined();
    expect(enricher.enrich({ postcode: '94107' })).toBeUndefined();
  });

  it('runs after resolution on the profile the consumer writes, from its latest traits', async () => {
    const settings = unifySettings(parseConfig({ unification: { enrichment: { regions: table } } }));
    const store = new MemoryProfileStore();
    const deps = { store, quarantine: { put: async () => {} }, settings, sleep: async () => {} };
    await unifyBatch(
      [
        record(identify('e1', { userId: 'u', traits: { address: { country: 'US', postalCode: '10001' } }, timestamp: '2026-10-01T00:00:00Z' })),
        record(identify('e2', { userId: 'u', traits: { address: { country: 'US', postalCode: '94107' } }, timestamp: '2026-10-05T00:00:00Z' })),
      ],
      'b',
      'test',
      deps,
    );
    const [profile] = [...store.profiles.values()];
    expect(plainView(profile!).enriched).toEqual({ region: 'Bay Area', regionSource: 'postcode 94* in US' });
  });
});
