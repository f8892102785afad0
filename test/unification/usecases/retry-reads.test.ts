/**
 * A component whose conditional write lost a race is re-read and re-planned:
 * its retry reads owners and profiles in one round trip, while the other
 * components' repoints are written.
 */
import { describe, expect, it } from 'vitest';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import type { Claim, VersionedWrite } from '../../../lambda/unification/core/identity/plan-types';
import type { Profile } from '../../../lambda/unification/core/profile/profile';
import type { StreamRecord } from '../../../lambda/unification/core/records';
import { unifyBatch, type UnifyDeps } from '../../../lambda/unification/usecases/unify-batch';
import { identify, record, settings, track } from '../../support/events';

const NOW = Date.UTC(2026, 10, 2);

/** A store where another writer updates `profileId` just before this consumer's next write of it. */
class RacedStore extends MemoryProfileStore {
  raceOn: string | undefined;
  /** Another writer points this identifier key at that profile just before this consumer's next claim of it. */
  stealKey: { key: string; owner: string } | undefined;
  readonly reads: string[][] = [];

  override async putClaims(claims: readonly Claim[]): Promise<boolean[]> {
    const steal = this.stealKey;
    if (steal !== undefined && claims.some((c) => c.key === steal.key)) {
      this.stealKey = undefined;
      this.owners.set(steal.key, steal.owner);
    }
    return super.putClaims(claims);
  }

  override async getProfiles(ids: readonly string[]): Promise<Map<string, Profile>> {
    this.reads.push([...ids]);
    return super.getProfiles(ids);
  }

  override async putProfiles(writes: readonly VersionedWrite[]): Promise<boolean[]> {
    const id = this.raceOn;
    const current = id === undefined ? undefined : this.profiles.get(id);
    if (current !== undefined && writes.some((w) => w.profile.profileId === id)) {
      this.raceOn = undefined;
      this.profiles.set(current.profileId, { ...current, version: current.version + 1, traits: { ...current.traits, tier: { v: 'gold', t: 1, m: 'other' } } });
    }
    return super.putProfiles(writes);
  }
}

function harness() {
  const store = new RacedStore();
  let n = 0;
  let batches = 0;
  const deps: UnifyDeps = { store, quarantine: { put: async () => {} }, settings, clock: () => NOW, newProfileId: () => `p${++n}`, sleep: async () => {} };
  return { store, run: (records: StreamRecord[]) => unifyBatch(records, `b${++batches}`, 'test', deps) };
}

/** Three people: u-1 (p1), the anonymous a-2 (p2) and u-3 (p3). */
const threePeople = [
  record(identify('e-1', { userId: 'u-1', timestamp: '2026-11-01T00:00:00Z' })),
  record(track('e-2', { anonymousId: 'a-2', event: 'Product Viewed', timestamp: '2026-11-01T00:00:01Z' })),
  record(identify('e-3', { userId: 'u-3', timestamp: '2026-11-01T00:00:02Z' })),
];
/** Joins a-2's profile (p2) into u-1's (p1): a mark, the survivor and a repoint of a-2; and one more event of u-3. */
const mergeAndTouch = [
  record(track('e-4', { userId: 'u-1', anonymousId: 'a-2', event: 'Product Viewed', timestamp: '2026-11-01T00:01:00Z' })),
  record(track('e-5', { userId: 'u-3', event: 'Product Viewed', timestamp: '2026-11-01T00:01:01Z' })),
];

describe('a retried component', () => {
  it('reads the profile it had read beside the owners, and applies the event once over the other writer', async () => {
    const { store, run } = harness();
    await run([record(identify('e-1', { userId: 'u-1', timestamp: '2026-11-01T00:00:00Z' }))]);
    store.raceOn = 'p1';
    store.reads.length = 0;
    const outcome = await run([record(track('e-2', { userId: 'u-1', event: 'Product Viewed', timestamp: '2026-11-01T00:01:00Z' }))]);

    expect(outcome.attempts).toBe(2);
    expect(outcome.applied).toBe(1);
    // Attempt 1: owners, the profile, the survivor (lost). Attempt 2: owners with the profile, the survivor.
    expect(outcome.storeRoundTrips).toBe(5);
    expect(store.reads).toEqual([['p1'], ['p1']]);
    const p = store.profiles.get('p1');
    expect(p?.computed.eventCount).toBe(2);
    expect(p?.traits.tier?.v).toBe('gold');
  });

  it("is re-read while another component's repoints are written, and both end as they would have one after the other", async () => {
    const { store, run } = harness();
    await run(threePeople);
    store.raceOn = 'p3';
    const outcome = await run(mergeAndTouch);

    expect(outcome).toMatchObject({ attempts: 2, applied: 2, duplicates: 0, merges: 1, failedSequenceNumbers: [] });
    // Attempt 1: owners, profiles, the mark, the survivors (p3 lost). Attempt 2: owners with p3 while a-2 is repointed, p3.
    expect(outcome.storeRoundTrips).toBe(6);
    expect(store.owners.get('anonymousId#a-2')).toBe('p1');
    expect(store.profiles.get('p2')?.mergedInto).toBe('p1');
    expect(store.profiles.get('p1')?.computed.eventCount).toBe(3);
    expect(store.profiles.get('p3')?.computed.eventCount).toBe(2);
  });

  it('sends a component round again when its repoint, written during the next read, loses, and counts its event once', async () => {
    const { store, run } = harness();
    await run(threePeople);
    store.raceOn = 'p3';
    // Another consumer that met p2's mark repoints a-2 first: this one's conditional repoint (from p2) loses.
    store.stealKey = { key: 'anonymousId#a-2', owner: 'p1' };
    const outcome = await run(mergeAndTouch);

    // Attempt 2 re-plans e-5 and learns that a-2's repoint lost; attempt 3 re-plans e-4, applied already, and has nothing to write.
    expect(outcome).toMatchObject({ attempts: 3, applied: 2, duplicates: 0, merges: 1, failedSequenceNumbers: [] });
    expect(store.owners.get('anonymousId#a-2')).toBe('p1');
    expect(store.profiles.get('p2')?.mergedInto).toBe('p1');
    const p1 = store.profiles.get('p1');
    expect(p1?.computed.eventCount).toBe(3);
    expect(p1?.seen).toHaveLength(3);
    expect(store.profiles.get('p3')?.computed.eventCount).toBe(2);
  });
});
