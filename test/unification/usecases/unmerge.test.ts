import { describe, expect, it } from 'vitest';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { idKey } from '../../../lambda/unification/core/identity/keys';
import type { Profile } from '../../../lambda/unification/core/profile/profile';
import { plainView } from '../fixtures/plain-view';
import type { StreamRecord } from '../../../lambda/unification/core/records';
import { UnmergeError } from '../../../lambda/unification/core/identity/unmerge';
import { lookupProfile } from '../../../lambda/unification/usecases/lookup-profile';
import { resolveAndWrite, unifyBatch, type UnifyDeps } from '../../../lambda/unification/usecases/unify-batch';
import { unmergeProfile } from '../../../lambda/unification/usecases/unmerge';
import { identify, record, settings, track } from '../../support/events';

const NOW = Date.UTC(2026, 10, 2);

function harness() {
  const store = new MemoryProfileStore();
  let n = 0;
  let now = NOW;
  const deps: UnifyDeps = {
    store,
    quarantine: { put: async () => {} },
    settings,
    clock: () => now,
    newProfileId: () => `p${++n}`,
    sleep: async () => {},
  };
  return {
    store,
    deps,
    /** Each batch is processed a minute after the previous one. */
    run: (records: StreamRecord[]) => {
      now += 60_000;
      return unifyBatch(records, `b${n}`, 'test', deps);
    },
    unmerge: (profileId: string, restoredId: string) => {
      now += 60_000;
      return unmergeProfile({ profileId, restoredId, reason: 'two customers' }, { store, settings, clock: () => now });
    },
    tick: () => (now += 60_000),
  };
}

const owner = (store: MemoryProfileStore, type: string, value: string) => store.owners.get(idKey(type, value));
const live = (store: MemoryProfileStore) => [...store.profiles.values()].filter((p) => p.mergedInto === undefined);
/** What a profile says about the customer. */
const content = (p: Profile) => {
  const v = plainView(p);
  return { identifiers: v.identifiers, traits: v.traits, computed: v.computed, channels: v.channels, enriched: v.enriched };
};

const webEvents = [
  track('web-1', { anonymousId: 'anon-1', event: 'Order Completed', properties: { revenue: 10 }, context: { channel: 'web', traits: { plan: 'free' } }, timestamp: '2026-10-01T00:00:00Z' }),
  track('web-2', { anonymousId: 'anon-1', event: 'Product Viewed', context: { channel: 'web' }, timestamp: '2026-10-02T00:00:00Z' }),
];
const crmEvents = [
  identify('crm-1', { userId: 'u-1', traits: { email: 'bo@example.com', tier: 'gold', plan: 'pro' }, context: { channel: 'crm' }, timestamp: '2026-10-05T00:00:00Z' }),
  track('crm-2', { userId: 'u-1', event: 'Order Completed', properties: { revenue: 25.5 }, context: { channel: 'store' }, timestamp: '2026-10-06T00:00:00Z' }),
];

describe('unmerge', () => {
  it('splits a profile merged by a shared identifier back into both customers, with the link rejected and recorded', async () => {
    const h = harness();
    await h.run(webEvents.map((e) => record(e)));
    await h.run(crmEvents.map((e) => record(e)));
    const web = owner(h.store, 'anonymousId', 'anon-1') as string;
    const crm = owner(h.store, 'userId', 'u-1') as string;
    const before = { web: content(h.store.profiles.get(web) as Profile), crm: content(h.store.profiles.get(crm) as Profile) };

    // A shared device: one event says both ids belong together, and the two profiles merge.
    const link = identify('link-1', { userId: 'u-1', anonymousId: 'anon-1', timestamp: '2026-10-10T00:00:00Z' });
    expect((await h.run([record(link)])).merges).toBe(1);
    // After the merge, the web visitor carries on under the survivor.
    await h.run([record(track('web-3', { anonymousId: 'anon-1', event: 'Product Viewed', context: { channel: 'web' }, timestamp: '2026-10-12T00:00:00Z' }))]);
    const [merged] = live(h.store);
    const survivorId = merged?.profileId as string;
    const restoredId = survivorId === web ? crm : web;
    expect(merged?.computed.eventCount).toBe(6);
    expect(merged?.computed.revenue).toBe(355_000);

    const result = await h.unmerge(restoredId, restoredId);
    expect(result.record).toMatchObject({ from: survivorId, restored: restoredId, reason: 'two customers', merge: { merged: restoredId, messageId: 'link-1' } });

    const restored = h.store.profiles.get(restoredId) as Profile;
    const survivor = h.store.profiles.get(survivorId) as Profile;
    expect(restored.mergedInto).toBeUndefined();
    // Each side holds its own identifiers again, and lookups find it.
    expect(owner(h.store, 'anonymousId', 'anon-1')).toBe(web);
    expect(owner(h.store, 'userId', 'u-1')).toBe(crm);
    expect(owner(h.store, 'email', 'bo@example.com')).toBe(crm);
    const byEmail = await lookupProfile(h.store, { type: 'email', value: 'bo@example.com' }, 'US');
    expect(byEmail.found && byEmail.profile.profileId).toBe(crm);

    // The crm side is exactly what it was; the web side has its post-merge event too, and the linking
    // event on whichever side its highest-priority identifier (userId) belongs to, without the other id.
    const crmAfter = h.store.profiles.get(crm) as Profile;
    const webAfter = h.store.profiles.get(web) as Profile;
    expect(content(crmAfter).traits).toEqual(before.crm.traits);
    expect(content(crmAfter).identifiers).toEqual(before.crm.identifiers);
    expect(crmAfter.computed).toMatchObject({ orderCount: 1, revenue: 255_000, eventCount: 3 });
    expect(webAfter.computed).toMatchObject({ orderCount: 1, revenue: 100_000, eventCount: 3 });
    expect(content(webAfter).traits).toEqual(before.web.traits);
    expect(content(webAfter).identifiers).toEqual(before.web.identifiers);
    expect(crmAfter.rejectedIdentifiers).toEqual([
      expect.objectContaining({ type: 'anonymousId', value: 'anon-1', messageId: 'link-1', reason: expect.stringMatching(/unmerge separated/) }),
    ]);
    // Nothing lost, nothing counted twice.
    expect(crmAfter.computed.eventCount + webAfter.computed.eventCount).toBe(6);
    // Both remember the unmerge; the merge is gone from the survivor's history.
    for (const p of [restored, survivor]) expect(p.unmerges?.map((u) => u.restored)).toEqual([restoredId]);
    expect(survivor.merges.some((m) => m.merged === restoredId)).toBe(false);
    expect(survivor.mergedFrom).not.toContain(restoredId);

    // The same link again does not merge them back: an unmerge is a decision, not a state.
    const again = await h.run([record(identify('link-2', { userId: 'u-1', anonymousId: 'anon-1', timestamp: '2026-10-20T00:00:00Z' }))]);
    expect(again.merges).toBe(0);
    expect(live(h.store)).toHaveLength(2);
    expect(owner(h.store, 'anonymousId', 'anon-1')).toBe(web);
  });

  it('restores both original profiles exactly after a batch-matcher merge', async () => {
    const h = harness();
    await h.run(webEvents.map((e) => record(e)));
    await h.run(crmEvents.map((e) => record(e)));
    const web = owner(h.store, 'anonymousId', 'anon-1') as string;
    const crm = owner(h.store, 'userId', 'u-1') as string;
    const before = new Map([web, crm].map((id) => [id, h.store.profiles.get(id) as Profile]));

    h.tick();
    const merged = await resolveAndWrite([], [{ matchId: 'match-7', profileIds: [web, crm], rule: 'name-dateOfBirth' }], h.deps);
    expect(merged.merges).toBe(1);
    const [survivor] = live(h.store);
    expect(survivor?.merges.at(-1)).toMatchObject({ rule: 'matched', matchId: 'match-7', matchRule: 'name-dateOfBirth' });
    const restoredId = survivor?.profileId === web ? crm : web;

    await h.unmerge(survivor?.profileId as string, restoredId);
    for (const [id, original] of before) {
      const after = h.store.profiles.get(id) as Profile;
      expect(content(after)).toEqual(content(original));
      expect(after.mergedInto).toBeUndefined();
      expect(after.createdAt).toBe(original.createdAt);
    }
    // The matcher's next run proposes the same group: it is refused, with the reason.
    const rerun = await resolveAndWrite([], [{ matchId: 'match-8', profileIds: [web, crm] }], h.deps);
    expect(rerun.merges).toBe(0);
    expect(rerun.rejectedMatches).toEqual([expect.objectContaining({ matchId: 'match-8', reason: expect.stringMatching(/unmerge separated/) })]);
  });

  it('refuses what it cannot do exactly, and says why', async () => {
    const h = harness();
    await h.run(webEvents.map((e) => record(e)));
    await h.run(crmEvents.map((e) => record(e)));
    const web = owner(h.store, 'anonymousId', 'anon-1') as string;
    const crm = owner(h.store, 'userId', 'u-1') as string;
    await expect(h.unmerge(web, crm)).rejects.toThrow(UnmergeError);
    await expect(h.unmerge(web, crm)).rejects.toThrow(/is not merged into/);

    await h.run([record(identify('link-1', { userId: 'u-1', anonymousId: 'anon-1', timestamp: '2026-10-10T00:00:00Z' }))]);
    const [survivor] = live(h.store);
    const restoredId = survivor?.profileId === web ? crm : web;
    // A journal that lost entries (here the survivor's base, as the table's TTL would) cannot be split exactly.
    const entries = h.store.journal.get(survivor?.profileId as string);
    for (const [key, entry] of entries ?? []) if (entry.base !== undefined) entries?.delete(key);
    await expect(h.unmerge(survivor?.profileId as string, restoredId)).rejects.toThrow(/journal holds 3 of .* 5 events/);
    expect(h.store.profiles.get(restoredId)?.mergedInto).toBe(survivor?.profileId);
  });

  it('gives each side its own consent decisions back, after a merge showed the latest of both', async () => {
    const h = harness();
    const prefs = (messageId: string, ids: Record<string, string>, categoryPreferences: Record<string, boolean>, timestamp: string) => ({
      type: 'track',
      event: 'Segment Consent Preference Updated',
      messageId,
      timestamp,
      ...ids,
      context: { consent: { categoryPreferences } },
    });
    // The web visitor opts in to email; the CRM customer opts out of it later, and allows advertising.
    await h.run([...webEvents, prefs('web-consent', { anonymousId: 'anon-1' }, { marketing_email: true }, '2026-10-03T00:00:00Z')].map((e) => record(e)));
    await h.run([...crmEvents, prefs('crm-consent', { userId: 'u-1' }, { marketing_email: false, Advertising: true }, '2026-10-07T00:00:00Z')].map((e) => record(e)));
    const web = owner(h.store, 'anonymousId', 'anon-1') as string;
    const crm = owner(h.store, 'userId', 'u-1') as string;
    const before = new Map([web, crm].map((id) => [id, h.store.profiles.get(id)?.consent]));

    await h.run([record(identify('link-1', { userId: 'u-1', anonymousId: 'anon-1', timestamp: '2026-10-10T00:00:00Z' }))]);
    const [merged] = live(h.store);
    expect(plainView(merged as Profile).consent).toMatchObject({ marketing_email: { status: 'denied' }, advertising: { status: 'granted' } });
    expect(merged?.consent?.marketing_email?.map((d) => d.messageId)).toEqual(['web-consent', 'crm-consent']);

    const restoredId = merged?.profileId === web ? crm : web;
    await h.unmerge(merged?.profileId as string, restoredId);
    for (const [id, consent] of before) expect(h.store.profiles.get(id)?.consent).toEqual(consent);
    expect(plainView(h.store.profiles.get(web) as Profile).consent).toEqual({ marketing_email: expect.objectContaining({ status: 'granted', explicit: true }) });
  });
});
