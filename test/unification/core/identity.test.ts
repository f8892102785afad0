import { describe, expect, it } from 'vitest';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { idKey } from '../../../lambda/unification/core/identity/keys';
import type { VersionedWrite } from '../../../lambda/unification/core/identity/plan-types';
import { markMerged, mergeProfiles, messageKey, type Profile } from '../../../lambda/unification/core/profile/profile';
import { plainView } from '../fixtures/plain-view';
import type { StreamRecord } from '../../../lambda/unification/core/records';
import { lookupProfile } from '../../../lambda/unification/usecases/lookup-profile';
import { unifyBatch, type UnifyDeps } from '../../../lambda/unification/usecases/unify-batch';
import { identify, record, settings, track } from '../../support/events';

const NOW = Date.UTC(2026, 10, 2);

function harness(store = new MemoryProfileStore()) {
  let n = 0;
  const deps: UnifyDeps = {
    store,
    quarantine: { put: async () => {} },
    settings,
    clock: () => NOW,
    newProfileId: () => `p${++n}`,
    sleep: async () => {},
  };
  return { store, deps, run: (records: StreamRecord[]) => unifyBatch(records, `b${n}`, 'test', deps) };
}

const live = (store: MemoryProfileStore) => [...store.profiles.values()].filter((p) => p.mergedInto === undefined);
const ownerOf = (store: MemoryProfileStore, type: string, value: string) => store.owners.get(idKey(type, value));
/** What a profile says about the customer, without ids and processing times. */
const content = (p: Profile) => {
  const { profileId, createdAt, updatedAt, merges, mergedFrom, ...rest } = plainView(p);
  return rest;
};

describe('deterministic identity resolution', () => {
  it('links a new identifier to the profile that already holds another identifier of the same event', async () => {
    const { store, run } = harness();
    await run([record(track('m1', { anonymousId: 'anon-1' }))]);
    await run([record(identify('m2', { anonymousId: 'anon-1', traits: { email: 'Ana@Example.com' } }))]);
    expect(live(store)).toHaveLength(1);
    const [profile] = live(store);
    expect(profile?.identifiers).toEqual({ anonymousId: ['anon-1'], email: ['ana@example.com'] });
    expect(ownerOf(store, 'email', 'ana@example.com')).toBe(profile?.profileId);
    expect(profile?.merges).toEqual([]);
  });

  it('merges two existing profiles that one event links, records why, and keeps both sides', async () => {
    const { store, run } = harness();
    await run([
      record(track('web-1', { anonymousId: 'anon-1', event: 'Order Completed', properties: { revenue: 10 }, timestamp: '2026-10-01T00:00:00Z' })),
      record(identify('crm-1', { userId: 'u-1', traits: { email: 'ana@example.com', tier: 'gold' }, timestamp: '2026-10-05T00:00:00Z' })),
    ]);
    expect(live(store)).toHaveLength(2);
    const before = new Map(store.owners);
    const versions = new Map([...store.profiles.values()].map((p) => [p.profileId, p.version]));
    const profileOf = (anon: string) => before.get(idKey('anonymousId', anon));
    const outcome = await run([record(identify('link-1', { userId: 'u-1', anonymousId: 'anon-1', timestamp: '2026-10-10T00:00:00Z' }))]);
    expect(outcome.merges).toBe(1);

    const [survivor] = live(store);
    const merged = survivor?.mergedFrom[0] as string;
    expect(live(store)).toHaveLength(1);
    expect(survivor?.identifiers).toEqual({ anonymousId: ['anon-1'], email: ['ana@example.com'], userId: ['u-1'] });
    expect(survivor?.computed).toMatchObject({ eventCount: 3, orderCount: 1, revenue: 100_000 });
    expect(plainView(survivor as Profile).traits).toEqual({ email: 'ana@example.com', tier: 'gold' });
    expect(survivor?.merges).toEqual([
      expect.objectContaining({
        survivor: survivor?.profileId,
        rule: 'shared-identifier',
        messageId: 'link-1',
        // the merged-away profile's identifier, and the survivor's it arrived with
        identifier: merged === profileOf('anon-1') ? { type: 'anonymousId', value: 'anon-1' } : { type: 'userId', value: 'u-1' },
        matchedWith: merged === profileOf('anon-1') ? { type: 'userId', value: 'u-1' } : { type: 'anonymousId', value: 'anon-1' },
      }),
    ]);
    expect(store.profiles.get(merged)?.mergedInto).toBe(survivor?.profileId);
    // the mark takes a new version, so a writer holding the old one cannot overwrite it
    const versionBefore = versions.get(merged) as number;
    expect(store.profiles.get(merged)?.version).toBe(versionBefore + 1);
    // every identifier of the merged-away profile now points at the survivor
    expect(ownerOf(store, 'anonymousId', 'anon-1')).toBe(survivor?.profileId);
  });

  it('answers a lookup of a merged-away profile id with the surviving profile', async () => {
    const { store, run } = harness();
    await run([record(track('a', { anonymousId: 'anon-1' })), record(track('b', { userId: 'u-1' }))]);
    await run([record(identify('c', { userId: 'u-1', anonymousId: 'anon-1' }))]);
    const [survivor] = live(store);
    const mergedAway = survivor?.mergedFrom[0] as string;
    const result = await lookupProfile(store, { profileId: mergedAway }, 'US');
    expect(result).toMatchObject({ found: true, requestedId: mergedAway, profile: { profileId: survivor?.profileId } });
    expect(await lookupProfile(store, { type: 'email', value: 'nobody@example.com' }, 'US')).toMatchObject({ found: false });
  });

  it('keeps the trait with the latest event time, whatever the arrival order', async () => {
    const { store, run } = harness();
    await run([record(identify('new', { userId: 'u-1', traits: { tier: 'gold' }, timestamp: '2026-10-10T00:00:00Z' }))]);
    await run([record(identify('old', { userId: 'u-1', traits: { tier: 'bronze', city: 'Lyon' }, timestamp: '2026-10-01T00:00:00Z' }))]);
    expect(plainView(live(store)[0] as Profile).traits).toEqual({ tier: 'gold', city: 'Lyon' });
  });

  it('computes event count, first and last seen, and revenue from Order Completed events', async () => {
    const { store, run } = harness();
    await run([
      record(track('o2', { userId: 'u-1', event: 'Order Completed', properties: { revenue: 0.1 }, timestamp: '2026-10-03T00:00:00Z' })),
      record(track('v1', { userId: 'u-1', event: 'Product Viewed', properties: { revenue: 99 }, timestamp: '2026-10-01T00:00:00Z' })),
      record(track('o1', { userId: 'u-1', event: 'Order Completed', properties: { total: '0.2' }, timestamp: '2026-10-02T00:00:00Z' })),
    ]);
    expect(plainView(live(store)[0] as Profile).computed).toEqual({
      eventCount: 3,
      firstSeen: '2026-10-01T00:00:00.000Z',
      lastSeen: '2026-10-03T00:00:00.000Z',
      orderCount: 2,
      totalRevenue: 0.3,
    });
  });

  it('ends with the same customer view whichever order and batching the events arrive in', async () => {
    const events = [
      track('e1', { anonymousId: 'a1', event: 'Order Completed', properties: { revenue: 5 }, timestamp: '2026-10-01T00:00:00Z' }),
      identify('e2', { anonymousId: 'a1', traits: { email: 'x@y.com', name: 'X' }, timestamp: '2026-10-02T00:00:00Z' }),
      identify('e3', { userId: 'u1', traits: { email: 'x@y.com', name: 'Xavier' }, timestamp: '2026-10-03T00:00:00Z' }),
      track('e4', { userId: 'u1', anonymousId: 'a2', event: 'Order Completed', properties: { revenue: 7 }, timestamp: '2026-09-01T00:00:00Z' }),
    ];
    const inOrder = harness();
    await inOrder.run(events.map((e) => record(e)));
    const reversed = harness();
    for (const e of [...events].reverse()) await reversed.run([record(e)]);
    expect(live(inOrder.store).map(content)).toEqual(live(reversed.store).map(content));
    expect(live(reversed.store)).toHaveLength(1);
  });

  it('leaves every profile unchanged when a batch is replayed', async () => {
    const { store, run } = harness();
    const batch = [
      record(track('m1', { anonymousId: 'a1' })),
      record(identify('m2', { anonymousId: 'a1', userId: 'u1', traits: { email: 'a@b.co' } })),
      record(track('m3', { userId: 'u2' })),
      record(identify('m4', { userId: 'u2', anonymousId: 'a1' })),
    ];
    await run(batch);
    const before = structuredClone([...store.profiles.entries()]);
    const owners = new Map(store.owners);
    const replay = await run(batch);
    expect(replay).toMatchObject({ applied: 0, duplicates: 4, profilesWritten: 0 });
    expect([...store.profiles.entries()]).toEqual(before);
    expect(store.owners).toEqual(owners);
  });

  it('completes a merge that a crash interrupted between its writes, losing nothing', async () => {
    const store = new MemoryProfileStore();
    const { run } = harness(store);
    await run([record(track('a', { anonymousId: 'anon-1', event: 'Order Completed', properties: { revenue: 3 } })), record(track('b', { userId: 'u-1' }))]);
    // The first attempt writes marks and claims, then dies before writing the survivor.
    const putProfiles = store.putProfiles.bind(store);
    let calls = 0;
    store.putProfiles = async (writes: readonly VersionedWrite[]) => {
      if (++calls === 2) throw new Error('killed');
      return putProfiles(writes);
    };
    const link = record(identify('link', { userId: 'u-1', anonymousId: 'anon-1' }));
    await expect(run([link])).rejects.toThrow('killed');
    expect(live(store)).toHaveLength(1); // the merged-away side is marked; its data is not yet in the survivor
    const retry = await run([link]);
    expect(retry.applied).toBe(1);
    const [survivor] = live(store);
    expect(survivor?.computed).toMatchObject({ eventCount: 3, orderCount: 1, revenue: 30_000 });
    expect(survivor?.merges.map((m) => m.rule)).toEqual(['resumed']);
    expect(ownerOf(store, 'userId', 'u-1')).toBe(survivor?.profileId);
    expect(ownerOf(store, 'anonymousId', 'anon-1')).toBe(survivor?.profileId);
  });

  it('resumes a chain of interrupted merges without counting a profile twice', async () => {
    const { store, run } = harness();
    await run([record(track('l1', { anonymousId: 'anon-1' }))]); // p1
    await run([record(track('x1', { userId: 'u-1', event: 'Order Completed', properties: { revenue: 5 } }))]); // p2
    await run([record(track('y1', { userId: 'u-2' }))]); // p3
    const get = (id: string) => store.profiles.get(id) as Profile;
    // p1 merged into p2 and p2 into p3, each merge interrupted before its survivor was written:
    // p2's frozen doc already holds p1's events, p3 holds neither.
    const x = mergeProfiles(get('p2'), get('p1'), { at: 'then', survivor: 'p2', merged: 'p1', rule: 'resumed' });
    store.profiles.set('p1', markMerged(get('p1'), 'p2', 'then'));
    store.profiles.set('p2', markMerged(x, 'p3', 'then'));
    await run([record(track('l2', { anonymousId: 'anon-1' }))]);
    const [survivor] = live(store);
    expect(live(store)).toHaveLength(1);
    expect(survivor?.profileId).toBe('p3');
    expect(survivor?.seen.map(([k]) => k).sort()).toEqual(['l1', 'l2', 'x1', 'y1'].map(messageKey).sort());
    expect(survivor?.computed).toMatchObject({ eventCount: 4, orderCount: 1, revenue: 50_000 });
    expect(survivor?.mergedFrom).toEqual(['p1', 'p2']);
    // the identifier reached through two merge pointers now points straight at the survivor
    expect(ownerOf(store, 'anonymousId', 'anon-1')).toBe('p3');
  });

  it('never makes two profiles for one identifier when consumers race to claim it', async () => {
    const store = new MemoryProfileStore();
    const a = harness(store);
    const b = harness(store);
    let n = 0;
    const ids = () => `race-${++n}`;
    const [ra, rb] = await Promise.all([
      unifyBatch([record(identify('x1', { userId: 'u-1', traits: { email: 'same@example.com' } }))], 'x', 'test', { ...a.deps, newProfileId: ids }),
      unifyBatch([record(identify('y1', { anonymousId: 'anon-9', traits: { email: 'same@example.com', plan: 'pro' } }))], 'y', 'test', {
        ...b.deps,
        newProfileId: ids,
      }),
    ]);
    expect(ra.applied + rb.applied).toBe(2);
    expect(ra.attempts + rb.attempts).toBeGreaterThan(2); // one of them lost the race and re-planned
    expect(live(store)).toHaveLength(1);
    expect(live(store)[0]?.computed.eventCount).toBe(2);
    expect(live(store)[0]?.identifiers).toEqual({ anonymousId: ['anon-9'], email: ['same@example.com'], userId: ['u-1'] });
  });

  it('does not merge two people who share a device: the shared anonymousId is not linked the second time', async () => {
    const { store, run } = harness();
    await run([
      record(identify('m1', { userId: 'alice', anonymousId: 'family-ipad', timestamp: '2026-10-01T00:00:00Z' })),
      record(identify('m2', { userId: 'bob', anonymousId: 'family-ipad', timestamp: '2026-10-02T00:00:00Z' })),
    ]);
    expect(live(store)).toHaveLength(2);
    const alice = live(store).find((p) => p.identifiers.userId?.includes('alice'));
    const bob = live(store).find((p) => p.identifiers.userId?.includes('bob'));
    expect(alice?.identifiers.anonymousId).toEqual(['family-ipad']);
    expect(bob?.identifiers.anonymousId).toBeUndefined();
    expect(bob?.computed.eventCount).toBe(1);
    expect(bob?.rejectedIdentifiers).toEqual([
      expect.objectContaining({ type: 'anonymousId', value: 'family-ipad', messageId: 'm2', reason: expect.stringMatching(/2 userId values, over the limit of 1/) }),
    ]);
  });

  it('never links anything through a junk value such as test@example.com', async () => {
    const { store, run } = harness();
    await run([record(identify('j1', { userId: 'u-1', traits: { email: 'test@example.com' } }))]);
    await run([record(identify('j2', { userId: 'u-2', traits: { email: 'TEST@example.com' } }))]);
    expect(live(store)).toHaveLength(2);
    expect(ownerOf(store, 'email', 'test@example.com')).toBeUndefined();
    for (const p of live(store)) {
      expect(p.identifiers.email).toBeUndefined();
      expect(p.rejectedIdentifiers?.[0]).toMatchObject({ type: 'email', value: 'test@example.com', reason: expect.stringMatching(/blocked value/) });
    }
  });

  it('refuses a sixth email on one profile (limit 5) but keeps the event', async () => {
    const { store, run } = harness();
    for (let i = 1; i <= 6; i++) {
      await run([record(identify(`e${i}`, { userId: 'u-1', traits: { email: `me${i}@mail.test` }, timestamp: `2026-10-0${i}T00:00:00Z` }))]);
    }
    const [profile] = live(store);
    expect(profile?.identifiers.email).toHaveLength(5);
    expect(profile?.computed.eventCount).toBe(6);
    expect(profile?.rejectedIdentifiers).toEqual([expect.objectContaining({ value: 'me6@mail.test', reason: expect.stringMatching(/limit/) })]);
    expect(ownerOf(store, 'email', 'me6@mail.test')).toBeUndefined();
  });
});
