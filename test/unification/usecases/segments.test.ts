import { describe, expect, it } from 'vitest';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { idKey } from '../../../lambda/unification/core/identity/keys';
import type { Profile } from '../../../lambda/unification/core/profile/profile';
import { ChangeFeedStore } from '../../../lambda/local/change-feed';
import type { SegmentChange, SegmentMembershipStore } from '../../../lambda/unification/ports';
import { recheckProfiles } from '../../../lambda/unification/usecases/recheck-profiles';
import { applySegmentChanges } from '../../../lambda/unification/usecases/segment-changes';
import { resolveAndWrite, unifyBatch, type UnifyDeps } from '../../../lambda/unification/usecases/unify-batch';
import { identify, record, settings, track } from '../../support/events';
import type { AuditRecord } from '../../../lambda/governance/contracts/audit';
import { auditDiffs } from '../../../lambda/governance/core/audit-diff';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 9, 1);

/** Membership kept in a map: what the DynamoDB segment store does, for the test to read. */
class MapMembership implements SegmentMembershipStore {
  readonly bySegment = new Map<string, Set<string>>();
  async apply(changes: readonly SegmentChange[]): Promise<void> {
    for (const c of changes) {
      let set = this.bySegment.get(c.segment);
      if (set === undefined) this.bySegment.set(c.segment, (set = new Set()));
      if (c.change === 'entered') set.add(c.profileId);
      else set.delete(c.profileId);
    }
  }
  async members_(segment: string) {
    return [...(this.bySegment.get(segment) ?? [])].sort();
  }
  async members(segment: string) {
    return { profileIds: await this.members_(segment) };
  }
}

/** Hashes that show what they stand for, so a test can read the subjects back. */
const hasher = { profile: (id: string) => `h:${id}` };

function harness() {
  let now = T0;
  const inner = new MemoryProfileStore();
  const membership = new MapMembership();
  const published: SegmentChange[] = [];
  const audited: AuditRecord[] = [];
  const store = new ChangeFeedStore(inner, (pairs) =>
    applySegmentChanges(pairs, {
      membership,
      publisher: { publish: async (c) => void published.push(...c) },
      clock: () => now,
      audit: { log: { append: async (r) => void audited.push(...r) }, records: (p, at) => auditDiffs(p, { hasher, at }) },
    }),
  );
  let n = 0;
  const deps: UnifyDeps = { store, quarantine: { put: async () => {} }, settings, clock: () => now, newProfileId: () => `p${++n}`, sleep: async () => {} };
  return {
    inner,
    membership,
    published,
    audited,
    deps,
    at: (ms: number) => (now = ms),
    run: (events: object[]) => unifyBatch(events.map((e) => record(e)), `b${n}`, 'test', deps),
    recheck: () => recheckProfiles({ store, settings, clock: () => now }),
    changes: () => published.splice(0).map((c) => `${c.change} ${c.segment}${c.reason === undefined ? '' : ` (${c.reason})`}`),
  };
}

const order = (id: string, userId: string, revenue: number, ts: number) =>
  track(id, { userId, event: 'Order Completed', properties: { revenue }, timestamp: new Date(ts).toISOString() });

describe('segments', () => {
  it('are entered and exited as events change a profile, and as time passes', async () => {
    const h = harness();
    h.at(T0);
    await h.run([order('o1', 'u-1', 350, T0 - DAY)]);
    expect(h.changes()).toEqual(['entered recentBuyers']);
    await h.run([order('o2', 'u-1', 250, T0 - DAY / 2)]);
    expect(h.changes()).toEqual(['entered highValue']);
    const id = h.inner.owners.get(idKey('userId', 'u-1')) as string;
    expect(await h.membership.members_('highValue')).toEqual([id]);
    const profile = h.inner.profiles.get(id) as Profile;
    expect(Object.keys(profile.segments ?? {}).sort()).toEqual(['highValue', 'recentBuyers']);
    // The profile says when time alone next changes it: the last order leaving the 30-day window.
    expect(profile.recheckAt).toBe(T0 - DAY / 2 + 30 * DAY);

    // Nothing due yet: the re-check writes nothing.
    h.at(T0 + 10 * DAY);
    expect(await h.recheck()).toMatchObject({ written: 0 });
    expect(h.changes()).toEqual([]);

    h.at(T0 + 31 * DAY);
    expect(await h.recheck()).toMatchObject({ due: 1, written: 1 });
    expect(h.changes()).toEqual(['exited recentBuyers']);
    expect(await h.membership.members_('recentBuyers')).toEqual([]);

    h.at(T0 + 91 * DAY);
    await h.recheck();
    expect(h.changes()).toEqual(['entered lapsedCustomers']);

    // A new order brings the customer back.
    await h.run([order('o3', 'u-1', 20, T0 + 91 * DAY)]);
    expect(h.changes().sort()).toEqual(['entered recentBuyers', 'exited lapsedCustomers']);
    // An old order arriving late changes nothing it should not: membership follows event time.
    await h.run([order('o0', 'u-1', 5, T0 - 400 * DAY)]);
    expect(h.changes()).toEqual([]);
    expect(Object.keys(h.inner.profiles.get(id)?.segments ?? {}).sort()).toEqual(['highValue', 'recentBuyers']);
  });

  it('a merged-away profile leaves its segments, and the survivor is evaluated on the merged data', async () => {
    const h = harness();
    h.at(T0);
    await h.run([order('o1', 'u-1', 300, T0 - DAY), identify('i1', { anonymousId: 'a-9', traits: { email: 'kim@example.com' } })]);
    await h.run([track('t1', { anonymousId: 'a-9', event: 'Order Completed', properties: { revenue: 300 }, timestamp: new Date(T0 - DAY).toISOString() })]);
    h.changes();
    const a = h.inner.owners.get(idKey('userId', 'u-1')) as string;
    const b = h.inner.owners.get(idKey('anonymousId', 'a-9')) as string;
    expect(a).not.toBe(b);
    await resolveAndWrite([], [{ matchId: 'm-1', profileIds: [a, b] }], h.deps);
    const survivor = [a, b].find((id) => h.inner.profiles.get(id)?.mergedInto === undefined) as string;
    const loser = survivor === a ? b : a;
    const changes = h.published.splice(0);
    expect(changes.filter((c) => c.profileId === loser).map((c) => [c.change, c.segment, c.reason])).toEqual([
      ['exited', 'recentBuyers', `merged into ${survivor}`],
    ]);
    // 300 + 300 together pass the high-value line neither passed alone.
    expect(changes.filter((c) => c.profileId === survivor).map((c) => `${c.change} ${c.segment}`)).toEqual(['entered highValue']);
    expect(await h.membership.members_('recentBuyers')).toEqual([survivor]);
  });

  it('record in the audit log, through the change feed, a merge once on its survivor and a consent decision once', async () => {
    const h = harness();
    h.at(T0);
    const ts = new Date(T0 - 2000).toISOString();
    await h.run([identify('i1', { userId: 'u-7', traits: { plan: 'pro' }, timestamp: ts }), identify('i2', { anonymousId: 'a-7', traits: { email: 'lee@example.com' }, timestamp: ts })]);
    expect(h.audited).toEqual([]);
    await h.run([
      track('t1', {
        anonymousId: 'a-7',
        userId: 'u-7',
        event: 'Segment Consent Preference Updated',
        context: { consent: { categoryPreferences: { marketing_email: false } } },
        timestamp: new Date(T0 - 1000).toISOString(),
      }),
    ]);
    const survivor = h.inner.owners.get(idKey('userId', 'u-7')) as string;
    const loser = [...h.inner.profiles.values()].find((p) => p.mergedInto === survivor)?.profileId as string;
    expect(loser).toBeDefined();
    expect(h.audited.map((r) => [r.action, r.subject, r.detail?.merged ?? r.detail?.purpose, r.detail?.status ?? r.detail?.rule])).toEqual([
      ['profile.merge', `h:${survivor}`, `h:${loser}`, 'shared-identifier'],
      ['consent.change', `h:${survivor}`, 'marketing_email', 'denied'],
    ]);
    expect(h.audited[1]?.at).toBe(new Date(T0 - 1000).toISOString());

    // A later event changes neither: nothing more is recorded.
    await h.run([track('t2', { userId: 'u-7', timestamp: ts })]);
    expect(h.audited).toHaveLength(2);
  });
});
