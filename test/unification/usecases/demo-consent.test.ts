/** The demo dataset gives its customers consent as a CMP would: the hero's story is fixed, whatever the seed. */
import { describe, expect, it } from 'vitest';
import { generateDemo } from '../../../lambda/local/demo';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { currentConsent } from '../../../lambda/unification/core/profile/consent';
import { unifyBatch } from '../../../lambda/unification/usecases/unify-batch';
import { record, settings } from '../../support/events';

describe('demo consent', () => {
  it('gives the hero explicit decisions, a later change of mind on SMS, and the banner answer on page views', async () => {
    const now = Date.UTC(2026, 10, 2);
    const demo = generateDemo({ people: 3, seed: 42, now });
    const store = new MemoryProfileStore();
    let n = 0;
    const out = await unifyBatch(
      demo.events.map((e) => record(e, now)),
      'demo',
      'test',
      { store, quarantine: { put: async () => {} }, settings, clock: () => now, newProfileId: () => `p${++n}`, sleep: async () => {} },
    );
    expect(out.quarantined).toBe(0);
    const hero = demo.people[0];
    const profile = [...store.profiles.values()].find((p) => p.mergedInto === undefined && p.identifiers.userId?.includes(hero?.userId ?? ''));
    const consent = currentConsent(profile?.consent);
    expect(consent).toMatchObject({
      analytics: { status: 'granted' },
      marketing_email: { status: 'granted' },
      advertising: { status: 'denied' },
      marketing_push: { status: 'granted', explicit: true },
      // Granted in the app, withdrawn three days ago.
      marketing_sms: { status: 'denied', explicit: true },
    });
    expect(Object.values(profile?.consent ?? {}).flat().some((d) => d.source === 'context')).toBe(true);
  });
});
