/**
 * The journal starts at a profile's first merge: a base (the survivor's doc
 * just before), then the events of every write; unmerge splits from the
 * bases, the frozen docs and the journaled events, and gives the same sides
 * as if the merge had never been made.
 */
import { describe, expect, it } from 'vitest';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { idKey } from '../../../lambda/unification/core/identity/keys';
import { UnmergeError } from '../../../lambda/unification/core/identity/unmerge';
import type { Profile } from '../../../lambda/unification/core/profile/profile';
import { plainView } from '../fixtures/plain-view';
import { resolveAndWrite, unifyBatch, type UnifyDeps } from '../../../lambda/unification/usecases/unify-batch';
import { unmergeProfile } from '../../../lambda/unification/usecases/unmerge';
import { identify, record, settings, track } from '../../support/events';

const NOW = Date.UTC(2026, 10, 2);

function harness() {
  const store = new MemoryProfileStore();
  let n = 0;
  let now = NOW;
  const deps: UnifyDeps = { store, quarantine: { put: async () => {} }, settings, clock: () => now, newProfileId: () => `p${++n}`, sleep: async () => {} };
  return {
    store,
    deps,
    /** One batch per call, a minute after the previous one. */
    run: async (...batches: ReadonlyArray<ReadonlyArray<Record<string, unknown>>>) => {
      for (const batch of batches) {
        now += 60_000;
        await unifyBatch(
          batch.map((e) => record(e)),
          `b${now}`,
          'test',
          deps,
        );
      }
    },
    unmerge: (profileId: string, restoredId: string) => {
      now += 60_000;
      return unmergeProfile({ profileId, restoredId }, { store, settings, clock: () => now });
    },
    owner: (type: string, value: string) => store.owners.get(idKey(type, value)) as string,
    profile: (id: string) => store.profiles.get(id) as Profile,
    journalOf: (id: string) => [...(store.journal.get(id)?.values() ?? [])],
    live: () => [...store.profiles.values()].filter((p) => p.mergedInto === undefined),
  };
}

/** What a profile says about the customer. */
const content = (p: Profile) => {
  const v = plainView(p);
  return { identifiers: v.identifiers, traits: v.traits, computed: v.computed, channels: v.channels, consent: v.consent };
};

const at = (day: number) => new Date(Date.UTC(2026, 9, day)).toISOString();
const web1 = track('web-1', { anonymousId: 'anon-1', event: 'Order Completed', properties: { revenue: 10 }, context: { channel: 'web', traits: { plan: 'free' } }, timestamp: at(1) });
const web2 = track('web-2', { anonymousId: 'anon-1', context: { channel: 'web' }, timestamp: at(2) });
const crm1 = identify('crm-1', { userId: 'u-1', traits: { email: 'bo@example.com', tier: 'gold' }, context: { channel: 'crm' }, timestamp: at(3) });
const crm2 = track('crm-2', { userId: 'u-1', event: 'Order Completed', properties: { revenue: 25 }, context: { channel: 'store' }, timestamp: at(4) });
/** Says both ids are one person: the web visitor (older, the survivor) absorbs the CRM customer. */
const link = identify('link-1', { userId: 'u-1', anonymousId: 'anon-1', timestamp: at(10) });
/** The same event as the unmerge leaves it: on the userId side, without the web visitor's id. */
const linkCrmOnly = identify('link-1', { userId: 'u-1', timestamp: at(10) });

describe('journal from the first merge', () => {
  it('writes no journal item for a profile that never merged, however many writes it has', async () => {
    const h = harness();
    await h.run([web1], [web2], [crm1], [crm2], [track('web-3', { anonymousId: 'anon-1', timestamp: at(5) })]);
    expect(h.live()).toHaveLength(2);
    expect(h.store.journal.size).toBe(0);
  });

  it('writes a base at the first merge, the survivor as it was before, then the events of each write, and no second base', async () => {
    const h = harness();
    await h.run([web1, web2], [crm1, crm2]);
    const web = h.owner('anonymousId', 'anon-1');
    const before = h.profile(web);
    await h.run([link]);
    const first = h.journalOf(web);
    expect(first.filter((e) => e.base !== undefined)).toEqual([expect.objectContaining({ events: [], base: before })]);
    expect(first.flatMap((e) => e.events.map((x) => x.messageId))).toEqual(['link-1']);

    await h.run([track('web-3', { anonymousId: 'anon-1', timestamp: at(12) })]);
    const later = h.journalOf(web);
    expect(later.filter((e) => e.base !== undefined)).toHaveLength(1);
    expect(later.flatMap((e) => e.events.map((x) => x.messageId)).sort()).toEqual(['link-1', 'web-3']);
    // The merged-away profile journals nothing: its frozen doc stands for its events.
    expect(h.journalOf(h.profile(web).mergedFrom[0] as string)).toEqual([]);
  });

  it('writes a base for a batch-matcher merge that applies no event', async () => {
    const h = harness();
    await h.run([web1, web2], [crm1, crm2]);
    const web = h.owner('anonymousId', 'anon-1');
    const crm = h.owner('userId', 'u-1');
    const before = h.profile(web);
    await resolveAndWrite([], [{ matchId: 'm-1', profileIds: [web, crm] }], h.deps);
    expect(h.journalOf(web)).toEqual([expect.objectContaining({ events: [], base: before })]);
  });

  it('after a merge and more events on both sides, gives each side what it would hold had they never merged', async () => {
    const consent = (messageId: string, ids: Record<string, string>, email: boolean, day: number) => ({
      type: 'track',
      event: 'Segment Consent Preference Updated',
      messageId,
      timestamp: at(day),
      ...ids,
      context: { consent: { categoryPreferences: { marketing_email: email } } },
    });
    const after = [
      track('web-3', { anonymousId: 'anon-1', event: 'Order Completed', properties: { revenue: 7 }, context: { channel: 'web', traits: { plan: 'plus' } }, timestamp: at(12) }),
      identify('crm-3', { userId: 'u-1', traits: { tier: 'platinum' }, context: { channel: 'crm' }, timestamp: at(13) }),
      consent('web-consent', { anonymousId: 'anon-1' }, true, 14),
      consent('crm-consent', { userId: 'u-1' }, false, 15),
    ];
    const h = harness();
    await h.run([web1, web2], [crm1, crm2], [link], after.slice(0, 2), after.slice(2));
    const web = h.owner('anonymousId', 'anon-1');
    const [merged] = h.live();
    expect(merged?.computed.eventCount).toBe(9);
    const crm = merged?.mergedFrom[0] as string;
    await h.unmerge(web, crm);

    const ref = harness();
    await ref.run([web1, web2], [crm1, crm2], [linkCrmOnly], after.slice(0, 2), after.slice(2));
    expect(content(h.profile(web))).toEqual(content(ref.profile(ref.owner('anonymousId', 'anon-1'))));
    expect(content(h.profile(crm))).toEqual(content(ref.profile(ref.owner('userId', 'u-1'))));
    expect(h.owner('userId', 'u-1')).toBe(crm);
    expect(h.owner('email', 'bo@example.com')).toBe(crm);
  });

  it('splits events that carried identifiers of both sides after the merge by the highest-priority one, the other rejected', async () => {
    const both = identify('both-1', { userId: 'u-1', anonymousId: 'anon-1', traits: { tier: 'silver' }, timestamp: at(12) });
    const newEmail = identify('web-email', { anonymousId: 'anon-1', traits: { email: 'web@example.com' }, context: { channel: 'web' }, timestamp: at(13) });
    const h = harness();
    await h.run([web1, web2], [crm1, crm2], [link], [both, newEmail]);
    const web = h.owner('anonymousId', 'anon-1');
    const crm = h.profile(web).mergedFrom[0] as string;
    await h.unmerge(web, crm);

    const ref = harness();
    await ref.run([web1, web2], [crm1, crm2], [linkCrmOnly], [identify('both-1', { userId: 'u-1', traits: { tier: 'silver' }, timestamp: at(12) }), newEmail]);
    expect(content(h.profile(web))).toEqual(content(ref.profile(ref.owner('anonymousId', 'anon-1'))));
    expect(content(h.profile(crm))).toEqual(content(ref.profile(ref.owner('userId', 'u-1'))));
    expect(h.profile(crm).rejectedIdentifiers?.map((r) => [r.messageId, r.type, r.value])).toEqual([
      ['link-1', 'anonymousId', 'anon-1'],
      ['both-1', 'anonymousId', 'anon-1'],
    ]);
    expect(h.owner('email', 'web@example.com')).toBe(web);
  });

  it('gives the restored side a profile absorbed after the merge that only its identifiers joined, redirected to it', async () => {
    const x1 = track('x-1', { anonymousId: 'anon-x', event: 'Order Completed', properties: { revenue: 3 }, context: { channel: 'app' }, timestamp: at(6) });
    const joinX = identify('join-x', { userId: 'u-1', anonymousId: 'anon-x', timestamp: at(11) });
    const h = harness();
    await h.run([web1, web2], [crm1, crm2], [x1]);
    const [web, crm, x] = [h.owner('anonymousId', 'anon-1'), h.owner('userId', 'u-1'), h.owner('anonymousId', 'anon-x')];
    await h.run([link], [joinX]);
    expect(h.profile(web).mergedFrom).toEqual([crm, x].sort());
    expect(h.profile(x).mergedInto).toBe(web);
    await h.unmerge(web, crm);

    const ref = harness();
    await ref.run([web1, web2], [crm1, crm2], [x1], [linkCrmOnly], [joinX]);
    expect(content(h.profile(web))).toEqual(content(ref.profile(ref.owner('anonymousId', 'anon-1'))));
    expect(content(h.profile(crm))).toEqual(content(ref.profile(ref.owner('userId', 'u-1'))));
    expect(h.profile(crm).mergedFrom).toEqual([x]);
    expect(h.profile(web).mergedFrom).toEqual([]);
    expect(h.profile(x).mergedInto).toBe(crm);
    expect(h.owner('anonymousId', 'anon-x')).toBe(crm);
    // It keeps a profile it absorbed, so it journals from here, from a base of its own.
    expect(h.journalOf(crm).filter((e) => e.base !== undefined).map((e) => e.base?.profileId)).toEqual([crm]);
    await h.run([track('crm-4', { userId: 'u-1', timestamp: at(20) })]);
    await h.unmerge(crm, x);
    expect(content(h.profile(x))).toMatchObject({ computed: { eventCount: 1, totalRevenue: 3 } });
    // The event that joined them stays with the CRM customer, its userId outranking anon-x.
    expect(h.profile(crm).computed.eventCount).toBe(5);
  });

  it('splits through two levels of merges, and again afterwards', async () => {
    // Created in this order, so that each older profile survives: S absorbs R, which had absorbed Q.
    const s1 = track('s-1', { anonymousId: 's-anon', context: { channel: 'web', traits: { colour: 'red' } }, timestamp: at(1) });
    const r1 = identify('r-1', { userId: 'u-r', traits: { tier: 'gold' }, context: { channel: 'crm' }, timestamp: at(2) });
    const q1 = track('q-1', { anonymousId: 'q-anon', event: 'Order Completed', properties: { revenue: 40 }, context: { channel: 'store', traits: { email: 'q@example.com' } }, timestamp: at(3) });
    const joinRQ = identify('join-rq', { userId: 'u-r', anonymousId: 'q-anon', timestamp: at(4) });
    const q2 = track('q-2', { anonymousId: 'q-anon', event: 'Order Completed', properties: { revenue: 5 }, timestamp: at(5) });
    const joinSR = identify('join-sr', { userId: 'u-r', anonymousId: 's-anon', timestamp: at(6) });
    const q3 = track('q-3', { anonymousId: 'q-anon', context: { channel: 'store' }, timestamp: at(7) });
    const s2 = track('s-2', { anonymousId: 's-anon', context: { channel: 'web' }, timestamp: at(8) });
    const h = harness();
    await h.run([s1], [r1], [q1]);
    const [s, r, q] = [h.owner('anonymousId', 's-anon'), h.owner('userId', 'u-r'), h.owner('anonymousId', 'q-anon')];
    await h.run([joinRQ], [q2], [joinSR], [q3, s2]);
    const [survivor] = h.live();
    expect(survivor?.profileId).toBe(s);
    expect(survivor?.mergedFrom).toEqual([q, r].sort());
    expect(h.profile(q).mergedInto).toBe(r);
    expect(h.profile(r).mergedInto).toBe(s);
    expect(survivor?.computed.eventCount).toBe(8);

    await h.unmerge(s, q);
    // Q gets its own events back; the event that joined R and Q stays with R (userId outranks anonymousId), without Q's id.
    const refQ = harness();
    await refQ.run([q1], [q2], [q3]);
    expect(content(h.profile(q))).toEqual(content(refQ.profile(refQ.owner('anonymousId', 'q-anon'))));
    expect(h.profile(q).mergedInto).toBeUndefined();
    const rest = harness();
    const joinROnly = identify('join-rq', { userId: 'u-r', timestamp: at(4) });
    await rest.run([s1], [r1], [joinROnly], [joinSR], [s2]);
    expect(content(h.profile(s))).toEqual(content(rest.live()[0] as Profile));
    expect(h.profile(s).mergedFrom).toEqual([r]);
    expect(h.profile(s).computed.eventCount + h.profile(q).computed.eventCount).toBe(8);

    // R's frozen doc still holds Q: splitting R out opens it up instead of taking it whole.
    await h.unmerge(s, r);
    const refR = harness();
    // The event that joined S and R goes with R, its userId outranking S's anonymousId.
    await refR.run([r1], [joinROnly], [identify('join-sr', { userId: 'u-r', timestamp: at(6) })]);
    const refS = harness();
    await refS.run([s1], [s2]);
    expect(content(h.profile(r))).toEqual(content(refR.profile(refR.owner('userId', 'u-r'))));
    expect(content(h.profile(s))).toEqual(content(refS.profile(refS.owner('anonymousId', 's-anon'))));
    expect(h.live()).toHaveLength(3);
    expect(h.live().reduce((n, p) => n + p.computed.eventCount, 0)).toBe(8);
  });

  it('refuses, changing nothing, when an events item of the journal is missing', async () => {
    const h = harness();
    await h.run([web1, web2], [crm1, crm2], [link], [track('web-3', { anonymousId: 'anon-1', timestamp: at(12) })]);
    const web = h.owner('anonymousId', 'anon-1');
    const crm = h.profile(web).mergedFrom[0] as string;
    const entries = h.store.journal.get(web);
    for (const [key, entry] of entries ?? []) if (entry.events.some((e) => e.messageId === 'web-3')) entries?.delete(key);
    const before = h.profile(web);
    const err = await h.unmerge(web, crm).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnmergeError);
    expect(err).toMatchObject({ code: 'conflict', message: expect.stringMatching(/journal holds 5 of profile .*'s 6 events/) });
    expect(h.profile(web)).toBe(before);
    expect(h.profile(crm).mergedInto).toBe(web);
  });
});
