import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { idKey } from '../../../lambda/unification/core/identity/keys';
import { explainIdentifiers, type IdentifierLink } from '../../../lambda/unification/core/profile/provenance';
import type { Profile } from '../../../lambda/unification/core/profile/profile';
import { unifyBatch, type UnifyDeps } from '../../../lambda/unification/usecases/unify-batch';
import { unmergeProfile } from '../../../lambda/unification/usecases/unmerge';
import { identify, record, settings, track } from '../../support/events';

const T0 = Date.UTC(2026, 9, 1);
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** A known customer, from the web shop. */
const known = identify('m-known', { userId: 'u-ana', traits: { email: 'ana@example.org' }, timestamp: at(0) });
/** A purchase in a store: no account, only the phone given at the till. */
const storePurchase = track('m-store', {
  anonymousId: 'a-till-7',
  event: 'Order Completed',
  properties: { revenue: 40 },
  context: { traits: { phone: '+351 912 345 678' } },
  timestamp: at(10),
});
/** The customer adds that phone to her account: the event that joins the two. */
const join = identify('m-join', { userId: 'u-ana', traits: { phone: '+351912345678' }, timestamp: at(20) });

async function explain(batches: ReadonlyArray<readonly object[]>): Promise<{ links: IdentifierLink[]; profile: Profile }> {
  const store = new MemoryProfileStore();
  let n = 0;
  const deps: UnifyDeps = { store, quarantine: { put: async () => {} }, settings, clock: () => T0 + 3_600_000, newProfileId: () => `p${++n}`, sleep: async () => {} };
  for (const [i, batch] of batches.entries()) await unifyBatch(batch.map((e) => record(e)), `b${i}`, 'test', deps);
  let id = store.owners.get(idKey('userId', 'u-ana')) as string;
  let profile = store.profiles.get(id) as Profile;
  while (profile.mergedInto !== undefined) profile = store.profiles.get((id = profile.mergedInto)) as Profile;
  return { links: explainIdentifiers(profile), profile };
}

const EXPECTED: IdentifierLink[] = [
  { type: 'anonymousId', value: 'a-till-7', messageId: 'm-store', at: at(10), rule: 'linked', via: [{ type: 'phone', value: '+351912345678' }] },
  { type: 'email', value: 'ana@example.org', messageId: 'm-known', at: at(0), rule: 'linked', via: [{ type: 'userId', value: 'u-ana' }] },
  { type: 'phone', value: '+351912345678', messageId: 'm-store', at: at(10), rule: 'linked', via: [{ type: 'anonymousId', value: 'a-till-7' }] },
  { type: 'userId', value: 'u-ana', messageId: 'm-known', at: at(0), rule: 'linked', via: [{ type: 'email', value: 'ana@example.org' }] },
];

describe('every identifier on a profile is explained, whatever the batch boundaries', () => {
  it('explains the store purchase joined to a known customer the same way in one batch as in two, in either order', async () => {
    const arrangements: Array<ReadonlyArray<readonly object[]>> = [
      [[known], [storePurchase, join]],
      [[known], [join, storePurchase]],
      [[known], [storePurchase], [join]],
      [[known], [join], [storePurchase]],
      [[known, storePurchase, join]],
      [[join, storePurchase, known]],
    ];
    for (const batches of arrangements) {
      const { links, profile } = await explain(batches);
      expect(links).toEqual(EXPECTED);
      // The phone's explanation names the event, and the identifier it came with, that brought it onto this customer.
      expect(profile.identifiers.phone).toEqual(['+351912345678']);
    }
  });

  it('keeps the earliest event that carried an identifier, under any order and split of the same events', async () => {
    const events = [
      known,
      storePurchase,
      join,
      track('m-later', { userId: 'u-ana', event: 'Product Viewed', context: { traits: { phone: '+351912345678' } }, timestamp: at(30) }),
      identify('m-solo', { anonymousId: 'a-web-1', timestamp: at(5) }),
      { type: 'alias', messageId: 'm-alias', userId: 'u-ana', previousId: 'a-web-1', timestamp: at(40) },
    ];
    const reference = (await explain([events])).links;
    expect(reference.find((l) => l.type === 'anonymousId' && l.value === 'a-web-1')).toEqual({
      type: 'anonymousId',
      value: 'a-web-1',
      messageId: 'm-solo',
      at: at(5),
      rule: 'first-seen',
      via: [],
    });
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), fc.integer({ min: 1, max: events.length }), async (shuffled, size) => {
        const batches: object[][] = [];
        for (let i = 0; i < shuffled.length; i += size) batches.push(shuffled.slice(i, i + size));
        expect((await explain(batches)).links).toEqual(reference);
      }),
      { numRuns: 60 },
    );
  });

  it('explains each side of an unmerge by its own events', async () => {
    const store = new MemoryProfileStore();
    let n = 0;
    const now = T0 + 3_600_000;
    const deps: UnifyDeps = { store, quarantine: { put: async () => {} }, settings, clock: () => now, newProfileId: () => `p${++n}`, sleep: async () => {} };
    await unifyBatch([record(known), record(storePurchase)], 'b0', 'test', deps);
    await unifyBatch([record(join)], 'b1', 'test', deps);
    const survivorId = store.owners.get(idKey('userId', 'u-ana')) as string;
    const survivor = store.profiles.get(survivorId) as Profile;
    const [restoredId] = survivor.mergedFrom;
    const out = await unmergeProfile({ profileId: survivorId, restoredId: restoredId as string }, { store, settings, clock: () => now });
    const byType = (p: Profile) => Object.fromEntries(explainIdentifiers(p).map((l) => [l.type, l.messageId ?? l.rule]));
    expect(byType(out.survivor)).toEqual({ email: 'm-known', userId: 'm-known' });
    expect(byType(out.restored)).toEqual({ anonymousId: 'm-store', phone: 'm-store' });
  });
});
