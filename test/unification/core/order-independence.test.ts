/**
 * Event time, not arrival time: any permutation of an event set, any
 * duplication of its events and any split into batches yields the same
 * stored profiles, with the example computed traits and segments on:
 * computed-trait states, segments and their re-check time, consent history,
 * propensity scores, traits, identifiers, channels, counters and rejected
 * lists included (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import type { Profile } from '../../../lambda/unification/core/profile/profile';
import { unifyBatch } from '../../../lambda/unification/usecases/unify-batch';
import { record, settings } from '../../support/events';

const NOW = Date.UTC(2026, 10, 2);

/** Events of a few people, each with their own userId, emails and devices, so no identity limit is in play. */
const peopleEvents = fc
  .array(
    fc.record({
      person: fc.integer({ min: 0, max: 4 }),
      device: fc.integer({ min: 0, max: 2 }),
      kind: fc.constantFrom('page', 'identify', 'login', 'order', 'preferences', 'cmp', 'score', 'ticket'),
      at: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 10, 1) }),
      tier: fc.constantFrom('bronze', 'silver', 'gold'),
      amount: fc.integer({ min: 1, max: 100_000 }).map((cents) => cents / 100),
      // A consent answer: few distinct times, so that ties between decisions are broken by messageId.
      choice: fc.record({ Marketing: fc.boolean(), analytics: fc.boolean(), Advertising: fc.boolean() }, { requiredKeys: ['Marketing'] }),
      decidedAt: fc.integer({ min: 0, max: 3 }).map((d) => Date.UTC(2026, 5, 1 + d)),
    }),
    { minLength: 1, maxLength: 40 },
  )
  .map((specs) =>
    specs.map((s, i) => {
      const base = { messageId: `m-${i}`, timestamp: new Date(s.at).toISOString(), anonymousId: `dev-${s.person}-${s.device}`, context: { channel: s.kind } };
      switch (s.kind) {
        case 'page':
          return { ...base, type: 'page', name: 'Home' };
        case 'identify':
          return { ...base, type: 'identify', traits: { email: `p${s.person}@mail.test`, tier: s.tier } };
        case 'login':
          return { ...base, type: 'identify', userId: `user-${s.person}`, traits: { tier: s.tier } };
        case 'preferences':
          // An explicit decision (the preference event).
          return { ...base, timestamp: new Date(s.decidedAt).toISOString(), type: 'track', event: 'Segment Consent Preference Updated', context: { ...base.context, consent: { categoryPreferences: s.choice } } };
        case 'score':
          // A propensity score: few distinct scoring times, so ties are broken by messageId; some out of range (ignored, recorded).
          return {
            ...base,
            type: 'track',
            event: 'Propensity Scored',
            properties: {
              model: s.tier === 'gold' ? 'repurchase' : 'churn',
              score: s.amount / 100 - 0.5,
              modelVersion: 'churn-1',
              algorithm: 'random-forest',
              scoredAt: new Date(s.decidedAt).toISOString(),
              topFeatures: [],
            },
          };
        case 'ticket':
          // Feeds averageCsat and the unhappyCustomers segment.
          return { ...base, type: 'track', event: 'Ticket Closed', properties: { csat: 1 + (Math.round(s.amount * 100) % 5) } };
        case 'cmp':
          // The CMP's answer riding on an ordinary event.
          return { ...base, timestamp: new Date(s.decidedAt).toISOString(), type: 'page', name: 'Home', context: { ...base.context, consent: { categoryPreferences: s.choice, policyVersion: '2' } } };
        default:
          return { ...base, type: 'track', event: 'Order Completed', properties: { revenue: s.amount } };
      }
    }),
  );

async function unify(events: readonly Record<string, unknown>[], batchSize: number): Promise<Array<Partial<Profile>>> {
  const store = new MemoryProfileStore();
  let n = 0;
  const deps = { store, quarantine: { put: async () => {} }, settings, clock: () => NOW, newProfileId: () => `p-${++n}`, sleep: async () => {} };
  for (let i = 0; i < events.length; i += batchSize) {
    await unifyBatch(events.slice(i, i + batchSize).map((e) => record(e, NOW)), `b${i}`, 'prop', deps);
  }
  // The whole stored profile (aggregates, segments, recheckAt, consent history, scores, traits with their
  // event times, identifiers, channels, counters, rejected lists, enrichment) but for ids, processing times,
  // the version and the de-dup window. Which merges built a profile depends on which link arrived first, so
  // the merge records and the ids they name are left out.
  const view = (p: Profile) => {
    const { profileId, version, createdAt, updatedAt, seen, merges, mergedFrom, mergedInto, ...stored } = p;
    return stored;
  };
  return [...store.profiles.values()]
    .filter((p) => p.mergedInto === undefined)
    .map(view)
    .sort((a, b) => (JSON.stringify(Object.entries(a.identifiers).sort()) < JSON.stringify(Object.entries(b.identifiers).sort()) ? -1 : 1));
}

describe('order independence', () => {
  it('any permutation and any duplication of an event set, in any batching, yields the same profiles', async () => {
    await fc.assert(
      fc.asyncProperty(
        peopleEvents.chain((events) =>
          fc.tuple(
            fc.constant(events),
            fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
            fc.array(fc.integer({ min: 0, max: events.length - 1 }), { maxLength: 10 }),
            fc.integer({ min: 1, max: 15 }),
          ),
        ),
        async ([events, permuted, duplicated, batchSize]) => {
          const expected = await unify(events, events.length);
          // The comparison covers the computed traits' states: orders fold into some (lifetimeValue is read from the counters, not stored).
          if (events.some((e) => 'event' in e && e.event === 'Order Completed')) expect(expected.some((p) => p.aggregates?.averageOrderValue !== undefined)).toBe(true);
          expect(expected.every((p) => p.aggregates?.lifetimeValue === undefined)).toBe(true);
          const withRepeats = [...permuted, ...duplicated.map((i) => events[i] as Record<string, unknown>)];
          expect(await unify(withRepeats, batchSize)).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });
});
