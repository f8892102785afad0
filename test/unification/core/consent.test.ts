/** Consent: Segment's consent object read into decisions, and the bounded, order-independent history a profile keeps. */
import { describe, expect, it } from 'vitest';
import { parseEvent, type ConsentDecision, type UnifyEvent } from '../../../lambda/shared/events';
import {
  addDecisions,
  consentHistory,
  currentConsent,
  MAX_EXPLICIT_DECISIONS,
  mergeConsent,
} from '../../../lambda/unification/core/profile/consent';
import { applyEvents, emptyProfile, mergeProfiles, type MergeRecord } from '../../../lambda/unification/core/profile/profile';
import { parseOptions } from '../../support/events';

const NOW = Date.UTC(2026, 10, 2);
const T = Date.UTC(2026, 9, 1);
const parse = (event: Record<string, unknown>) => parseEvent(JSON.stringify(event), NOW, { ...parseOptions, now: NOW });
const decisionsOf = (event: Record<string, unknown>) => {
  const out = parse(event);
  if (!out.ok) throw new Error(out.reason);
  return out.event.consent ?? [];
};
const preferences = (categoryPreferences: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Segment Consent Preference Updated',
  messageId: 'pref-1',
  userId: 'u-1',
  timestamp: new Date(T).toISOString(),
  context: { consent: { categoryPreferences, ...extra } },
});

describe('reading the consent object', () => {
  it('turns a preference event into explicit decisions, a category deciding the purposes config maps it to', () => {
    expect(decisionsOf(preferences({ Marketing: true, Analytics: false }))).toEqual([
      { purpose: 'analytics', status: 'denied', at: T, source: 'event', policyVersion: '1', messageId: 'pref-1' },
      { purpose: 'marketing_email', status: 'granted', at: T, source: 'event', policyVersion: '1', messageId: 'pref-1' },
      { purpose: 'marketing_push', status: 'granted', at: T, source: 'event', policyVersion: '1', messageId: 'pref-1' },
      { purpose: 'marketing_sms', status: 'granted', at: T, source: 'event', policyVersion: '1', messageId: 'pref-1' },
    ]);
  });

  it('reads a consent object on any other event as a context decision, with its own policy version', () => {
    const page = { type: 'page', name: 'Home', messageId: 'pg-1', anonymousId: 'a-1', timestamp: new Date(T).toISOString(), context: { consent: { categoryPreferences: { Advertising: false }, policyVersion: 'v7' } } };
    expect(decisionsOf(page)).toEqual([{ purpose: 'advertising', status: 'denied', at: T, source: 'context', policyVersion: 'v7', messageId: 'pg-1' }]);
  });

  it('lets a category named like a purpose decide it over a mapped category, and a denial win between mapped ones', () => {
    const out = decisionsOf(preferences({ Marketing: true, marketing_sms: false, Advertising: true, Targeting: false }));
    const status = Object.fromEntries(out.map((d) => [d.purpose, d.status]));
    expect(status).toEqual({ marketing_email: 'granted', marketing_push: 'granted', marketing_sms: 'denied', advertising: 'denied' });
  });

  it('ignores unknown categories, and names the recording source a preference event gives', () => {
    const out = decisionsOf(preferences({ Fax: true, Analytics: true }, { source: 'support-desk' }));
    expect(out).toEqual([expect.objectContaining({ purpose: 'analytics', source: 'support-desk' })]);
    expect(decisionsOf(preferences({ Fax: true }))).toEqual([]);
    // An ordinary event cannot pass itself off as an explicit decision.
    const page = { type: 'page', messageId: 'pg-2', anonymousId: 'a-1', context: { consent: { categoryPreferences: { Analytics: true }, source: 'api' } } };
    expect(decisionsOf(page)[0]?.source).toBe('context');
  });

  it('quarantines a consent object whose answer is not true or false, with the reason', () => {
    const out = parse(preferences({ Marketing: 'yes' }));
    expect(out).toEqual({ ok: false, reason: expect.stringContaining('context.consent.categoryPreferences.Marketing') });
  });

  it('reads no consent without consent options', () => {
    const out = parseEvent(JSON.stringify(preferences({ Marketing: true })), NOW, { ...parseOptions, consent: undefined, now: NOW });
    expect(out.ok && out.event.consent).toBeUndefined();
  });
});

const decision = (purpose: string, status: 'granted' | 'denied', at: number, messageId: string, source = 'event'): ConsentDecision => ({
  purpose,
  status,
  at,
  source,
  policyVersion: '1',
  messageId,
});

describe('the consent history', () => {
  it('takes the latest decision by event time as the state, whatever the order they arrive in', () => {
    const late = decision('marketing_email', 'denied', T + 1000, 'b');
    const early = decision('marketing_email', 'granted', T, 'a');
    const one = addDecisions(addDecisions(undefined, [late]), [early]);
    const other = addDecisions(addDecisions(undefined, [early]), [late]);
    expect(one).toEqual(other);
    expect(currentConsent(one).marketing_email).toMatchObject({ status: 'denied', at: new Date(T + 1000).toISOString(), explicit: true });
    // Equal times: the larger messageId decides.
    const tie = addDecisions(undefined, [decision('advertising', 'granted', T, 'm-2'), decision('advertising', 'denied', T, 'm-1')]);
    expect(currentConsent(tie).advertising?.status).toBe('granted');
  });

  it('is idempotent: a decision applied twice is kept once', () => {
    const d = decision('analytics', 'granted', T, 'a');
    const once = addDecisions(undefined, [d]);
    expect(addDecisions(once, [d])).toEqual(once);
    expect(consentHistory(once)).toHaveLength(1);
  });

  it('keeps only the latest context decision per purpose and status, and every explicit one up to the cap', () => {
    let history = addDecisions(undefined, [decision('analytics', 'granted', T - 5000, 'x', 'event')]);
    for (let i = 0; i < 50; i++) history = addDecisions(history, [decision('analytics', i % 2 === 0 ? 'granted' : 'denied', T + i, `c-${i}`, 'context')]);
    expect(history?.analytics?.map((r) => r.messageId)).toEqual(['x', 'c-48', 'c-49']);
    expect(currentConsent(history).analytics).toMatchObject({ status: 'denied', source: 'context', explicit: false });

    let explicit = addDecisions(undefined, []);
    for (let i = 0; i < MAX_EXPLICIT_DECISIONS + 20; i++) explicit = addDecisions(explicit, [decision('advertising', 'granted', T + i, `e-${i}`)]);
    expect(explicit?.advertising).toHaveLength(MAX_EXPLICIT_DECISIONS);
    expect(explicit?.advertising?.[0]?.messageId).toBe('e-20');
  });

  it('unions two profiles\' histories in a merge, the same from either side', () => {
    const a = addDecisions(undefined, [decision('marketing_email', 'granted', T, 'a'), decision('analytics', 'denied', T, 'a')]);
    const b = addDecisions(undefined, [decision('marketing_email', 'denied', T + 1, 'b')]);
    expect(mergeConsent(a, b)).toEqual(mergeConsent(b, a));
    expect(currentConsent(mergeConsent(a, b))).toMatchObject({ marketing_email: { status: 'denied' }, analytics: { status: 'denied' } });
  });

  it('fills purposes never decided with their configured default', () => {
    const history = addDecisions(undefined, [decision('marketing_email', 'granted', T, 'a')]);
    const state = currentConsent(history, { analytics: { whenMissing: 'granted' }, marketing_email: { whenMissing: 'denied' } });
    expect(state).toEqual({
      analytics: { status: 'granted', at: null, source: 'default', policyVersion: null, explicit: false },
      marketing_email: { status: 'granted', at: new Date(T).toISOString(), source: 'event', policyVersion: '1', explicit: true },
    });
  });
});

describe('consent on the profile', () => {
  const event = (messageId: string, ts: number, consent: ConsentDecision[]): UnifyEvent => ({
    messageId,
    type: 'track',
    name: 'Segment Consent Preference Updated',
    timestamp: new Date(ts).toISOString(),
    ts,
    identifiers: [{ type: 'userId', value: 'u-1' }],
    traits: {},
    consent,
  });

  it('is folded from the applied events, and a merge gives the same history as one profile holding every event', () => {
    const e1 = event('a', T, [decision('marketing_sms', 'granted', T, 'a')]);
    const e2 = event('b', T + 10, [decision('marketing_sms', 'denied', T + 10, 'b')]);
    const both = applyEvents(emptyProfile('p', 'now'), [e2, e1], 1).profile;
    const left = applyEvents(emptyProfile('l', 'now'), [e1], 1).profile;
    const right = applyEvents(emptyProfile('r', 'now'), [e2], 1).profile;
    const record: MergeRecord = { at: 'now', survivor: 'l', merged: 'r', rule: 'shared-identifier' };
    expect(mergeProfiles(left, right, record).consent).toEqual(both.consent);
    expect(currentConsent(both.consent).marketing_sms?.status).toBe('denied');
    // A redelivered event changes nothing.
    expect(applyEvents(both, [e1], 2).profile).toBe(both);
  });
});
