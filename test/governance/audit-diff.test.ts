import { describe, expect, it } from 'vitest';
import { auditDiff, auditDiffs, consentStates, UNIFY_CONSUMER_ACTOR, type AuditedProfile, type ProfileHasher } from '../../lambda/governance/core/audit-diff';
import type { MergeRecord, Profile, UnmergeRecord } from '../../lambda/unification/core/profile/profile';
import { emptyProfile } from '../../lambda/unification/core/profile/profile';

/** A stand-in for the keyed hasher: visibly not the id, and the same id always gives the same text. */
const hasher: ProfileHasher = { profile: (id) => `h(${id})` };
const NOW = '2026-11-05T12:00:00.000Z';
const opts = { hasher, at: NOW };

const profile = (id: string, extra: Partial<Profile> = {}): Profile => ({ ...emptyProfile(id, '2026-11-01T00:00:00.000Z'), ...extra });

const mergeRecord = (merged: string, at: string, extra: Partial<MergeRecord> = {}): MergeRecord => ({
  at,
  survivor: 'p1',
  merged,
  rule: 'shared-identifier',
  identifier: { type: 'email', value: 'ana@example.com' },
  matchedWith: { type: 'userId', value: 'u-1' },
  messageId: `msg-${merged}`,
  ...extra,
});

const decision = (status: 'granted' | 'denied', at: number, source = 'event', messageId = `m-${at}`) => ({ status, at, source, policyVersion: '1', messageId });

describe('audit records of a profile write', () => {
  it('record a new merge into the profile with its rule, the merged profile hashed and the message, and no identifier', () => {
    const m = mergeRecord('p2', '2026-11-02T00:00:00.000Z');
    const records = auditDiff(profile('p1'), profile('p1', { merges: [m], mergedFrom: ['p2'] }), opts);
    expect(records).toEqual([
      {
        at: '2026-11-02T00:00:00.000Z',
        action: 'profile.merge',
        actor: UNIFY_CONSUMER_ACTOR,
        subject: 'h(p1)',
        detail: { rule: 'shared-identifier', merged: 'h(p2)', messageId: 'msg-p2', identifierType: 'email' },
      },
    ]);
    expect(JSON.stringify(records)).not.toContain('ana@example.com');
    expect(JSON.stringify(records)).not.toContain('u-1');
    expect(UNIFY_CONSUMER_ACTOR).toBe('service:unify-consumer');
  });

  it('record only merges that are new: the ones already on the old image were recorded when they were made', () => {
    const old = mergeRecord('p2', '2026-11-02T00:00:00.000Z');
    const added = mergeRecord('p3', '2026-11-03T00:00:00.000Z', { rule: 'matched', matchId: 'g-7', matchRule: 'name+postcode', messageId: undefined });
    const records = auditDiff(profile('p1', { merges: [old] }), profile('p1', { merges: [old, added] }), opts);
    expect(records.map((r) => r.detail)).toEqual([{ rule: 'matched', merged: 'h(p3)', identifierType: 'email', matchId: 'g-7', matchRule: 'name+postcode' }]);
  });

  it('do not record again the merges a merged profile brings along (their survivor is that profile)', () => {
    const earlier = mergeRecord('p9', '2026-11-01T00:00:00.000Z', { survivor: 'p2' });
    const now = mergeRecord('p2', '2026-11-02T00:00:00.000Z');
    const records = auditDiff(profile('p1'), profile('p1', { merges: [earlier, now] }), opts);
    expect(records.map((r) => r.detail?.merged)).toEqual(['h(p2)']);
  });

  it('record a new unmerge once, on the profile it split, with the restored profile hashed and no reason text', () => {
    const undone = mergeRecord('p2', '2026-11-02T00:00:00.000Z');
    const unmerge: UnmergeRecord = { at: '2026-11-04T00:00:00.000Z', from: 'p1', restored: 'p2', merge: undone, reason: 'ana asked: wrong person', events: { from: 5, restored: 2 } };
    const survivor = auditDiff(profile('p1', { merges: [undone] }), profile('p1', { unmerges: [unmerge] }), opts);
    expect(survivor).toEqual([
      {
        at: '2026-11-04T00:00:00.000Z',
        action: 'profile.unmerge',
        actor: UNIFY_CONSUMER_ACTOR,
        subject: 'h(p1)',
        detail: { restored: 'h(p2)', rule: 'shared-identifier', mergedAt: '2026-11-02T00:00:00.000Z', eventsKept: 5, eventsRestored: 2 },
      },
    ]);
    expect(JSON.stringify(survivor)).not.toContain('ana asked');
    // The restored profile carries the same unmerge record: it is not reported twice.
    expect(auditDiff(profile('p2', { mergedInto: 'p1' }), profile('p2', { unmerges: [unmerge] }), opts)).toEqual([]);
    // Nor again on a later write of the survivor.
    expect(auditDiff(profile('p1', { unmerges: [unmerge] }), profile('p1', { unmerges: [unmerge] }), opts)).toEqual([]);
  });

  it('record a consent purpose whose state changed, with its status, source and previous status, at the decision time', () => {
    const before = profile('p1', { consent: { marketing_email: [decision('granted', Date.UTC(2026, 10, 1))], analytics: [decision('granted', Date.UTC(2026, 10, 1))] } });
    const after = profile('p1', {
      consent: {
        marketing_email: [decision('granted', Date.UTC(2026, 10, 1)), decision('denied', Date.UTC(2026, 10, 3), 'api')],
        analytics: [decision('granted', Date.UTC(2026, 10, 1)), decision('granted', Date.UTC(2026, 10, 4), 'context')],
        advertising: [decision('denied', Date.UTC(2026, 10, 2), 'context')],
      },
    });
    expect(auditDiff(before, after, opts)).toEqual([
      {
        at: '2026-11-02T00:00:00.000Z',
        action: 'consent.change',
        actor: UNIFY_CONSUMER_ACTOR,
        subject: 'h(p1)',
        detail: { purpose: 'advertising', status: 'denied', source: 'context', previous: null },
      },
      {
        at: '2026-11-03T00:00:00.000Z',
        action: 'consent.change',
        actor: UNIFY_CONSUMER_ACTOR,
        subject: 'h(p1)',
        detail: { purpose: 'marketing_email', status: 'denied', source: 'api', previous: 'granted' },
      },
    ]);
  });

  it('take the latest decision by event time (then messageId) as the state, whatever order the history is in', () => {
    const states = consentStates({
      marketing_sms: [decision('denied', 3000, 'event', 'b'), decision('granted', 1000), decision('granted', 3000, 'event', 'a')],
    });
    expect(states.get('marketing_sms')).toMatchObject({ status: 'denied', at: 3000, messageId: 'b' });
  });

  it('record a purpose no longer decided (an unmerge took the decision to the other side) as status null, at the processing time', () => {
    const before = profile('p1', { consent: { marketing_push: [decision('granted', Date.UTC(2026, 10, 1))] } });
    expect(auditDiff(before, profile('p1', { consent: {} }), opts)).toEqual([
      expect.objectContaining({ at: NOW, action: 'consent.change', detail: { purpose: 'marketing_push', status: null, source: null, previous: 'granted' } }),
    ]);
  });

  it('read a profile without consent, or with consent it cannot read, as no decisions', () => {
    expect(consentStates(undefined).size).toBe(0);
    expect(consentStates('granted').size).toBe(0);
    expect(consentStates({ analytics: 'granted', ads: [{ status: 'maybe' }, null] }).size).toBe(0);
    const older: AuditedProfile = { profileId: 'p1', merges: [] };
    expect(auditDiff(older, older, opts)).toEqual([]);
    expect(auditDiff(older, { ...older, consent: { analytics: [decision('denied', 5)] } }, opts).map((r) => r.detail?.status)).toEqual(['denied']);
  });

  it('record no consent change on a profile merged away: it only redirects, its survivor holds the consent', () => {
    const before = profile('p2', { consent: { analytics: [decision('granted', 1)] } });
    const after = profile('p2', { mergedInto: 'p1', consent: { analytics: [decision('granted', 1), decision('denied', 2)] } });
    expect(auditDiff(before, after, opts)).toEqual([]);
  });

  it('record everything on a new profile and nothing on a deleted one', () => {
    const created = profile('p1', { merges: [mergeRecord('p2', '2026-11-02T00:00:00.000Z')], consent: { analytics: [decision('denied', 1)] } });
    expect(auditDiff(undefined, created, opts).map((r) => r.action)).toEqual(['profile.merge', 'consent.change']);
    expect(auditDiff(created, undefined, opts)).toEqual([]);
  });

  it('are the same records when the same writes are diffed again (a retried stream batch)', () => {
    const pairs = [
      { before: profile('p1'), after: profile('p1', { merges: [mergeRecord('p2', '2026-11-02T00:00:00.000Z')], consent: { analytics: [decision('denied', 7)] } }) },
      { before: profile('p3'), after: profile('p3') },
    ];
    const first = auditDiffs(pairs, opts);
    expect(first).toHaveLength(2);
    expect(auditDiffs(pairs, { ...opts, at: '2026-11-06T00:00:00.000Z' })).toEqual(first);
  });

  it('name the actor they are given', () => {
    const after = profile('p1', { consent: { analytics: [decision('denied', 7)] } });
    expect(auditDiff(undefined, after, { ...opts, actor: 'service:recheck' }).map((r) => r.actor)).toEqual(['service:recheck']);
  });
});
