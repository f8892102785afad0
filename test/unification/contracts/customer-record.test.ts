import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import type { UnifyEvent } from '../../../lambda/shared/events';
import { customerRecordReader } from '../../../lambda/unification/contracts/customer-record';
import { applyEvents, emptyProfile, mergeProfiles, recordRejected, type MergeRecord, type Profile } from '../../../lambda/unification/core/profile/profile';
import { compileComputedTraits } from '../../../lambda/unification/core/traits/compile';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1, 10);
const iso = (ms: number) => new Date(ms).toISOString();

const config = parseConfig({
  unification: {
    computedTraits: {
      lifetimeValue: { op: 'sum', event: 'Order Completed', property: '$revenue' },
      ordersLast7Days: { op: 'count', event: 'Order Completed', window: '7d' },
      daysSinceLastOrder: { op: 'last', event: 'Order Completed', property: '$timestamp', as: 'daysSince' },
      preferredChannel: { op: 'mode', property: '$channel' },
      orderCount: { op: 'count', event: 'Order Completed', where: { big: true } },
    },
    segments: {},
  },
});
const fold = (nowMs: number) => ({ compiled: compileComputedTraits(config.unification.computedTraits), nowMs });

function event(messageId: string, ts: number, fields: Partial<UnifyEvent>): UnifyEvent {
  return { messageId, type: 'track', timestamp: iso(ts), ts, identifiers: [], traits: {}, ...fields };
}

/** A web visitor who ordered, merged with the CRM's record of the same person. */
function mergedProfile(): Profile {
  const web = applyEvents(
    emptyProfile('p-web', iso(T0)),
    [
      event('w1', T0, { name: 'Order Completed', revenue: 400_000, channel: 'web', identifiers: [{ type: 'anonymousId', value: 'a-1' }] }),
      event('w2', T0 + 1000, { name: 'Product Viewed', channel: 'web', identifiers: [{ type: 'anonymousId', value: 'a-1' }] }),
    ],
    T0 / 1000,
    fold(T0),
  ).profile;
  const crm = applyEvents(
    emptyProfile('p-crm', iso(T0 - DAY)),
    [event('c1', T0 - DAY, { type: 'identify', channel: 'crm', traits: { email: 'ana@example.org', firstName: 'Ana' }, identifiers: [{ type: 'userId', value: 'u-1' }] })],
    T0 / 1000,
    fold(T0),
  ).profile;
  const record: MergeRecord = {
    at: iso(T0 + DAY),
    survivor: 'p-web',
    merged: 'p-crm',
    rule: 'shared-identifier',
    identifier: { type: 'userId', value: 'u-1' },
    matchedWith: { type: 'anonymousId', value: 'a-1' },
    messageId: 'link-1',
  };
  const merged = mergeProfiles(web, crm, record, fold(T0 + DAY));
  const rejected = recordRejected(merged, [{ type: 'email', value: 'test@example.com', reason: 'blocked value', messageId: 'w3', at: iso(T0 + 2000) }]);
  return { ...rejected, segments: { buyers: iso(T0 + 5000) }, enriched: { region: 'South East' }, updatedAt: iso(T0 + DAY) };
}

describe('the customer record contract', () => {
  const read = customerRecordReader(config);

  it('reads identifiers, trait values, counters, segments, merges, rejections, channels and enrichment of a profile', () => {
    const r = read(mergedProfile(), T0 + 3 * DAY);
    expect(r.profileId).toBe('p-web');
    expect(r.createdAt).toBe(iso(T0 - DAY));
    expect(r.updatedAt).toBe(iso(T0 + DAY));
    expect(r.identifiers).toEqual({ anonymousId: ['a-1'], userId: ['u-1'] });
    expect(r.traits).toEqual({ email: 'ana@example.org', firstName: 'Ana' });
    expect(r.counters).toEqual({ eventCount: 3, orderCount: 1, totalRevenue: 40, firstSeen: iso(T0 - DAY), lastSeen: iso(T0 + 1000) });
    expect(r.segments).toEqual({ buyers: iso(T0 + 5000) });
    expect(r.mergedFrom).toEqual(['p-crm']);
    expect(r.merges).toHaveLength(1);
    expect(r.merges[0]).toMatchObject({ merged: 'p-crm', rule: 'shared-identifier', messageId: 'link-1' });
    expect(r.rejectedIdentifiers).toEqual([{ type: 'email', value: 'test@example.com', reason: 'blocked value', messageId: 'w3', at: iso(T0 + 2000) }]);
    expect(r.channels).toEqual({ web: 2, crm: 1 });
    expect(r.enriched).toEqual({ region: 'South East' });
    expect(r.evaluatedAt).toBe(iso(T0 + 3 * DAY));
  });

  it('evaluates every computed trait from config at the time it is given', () => {
    const p = mergedProfile();
    const soon = read(p, T0 + 3 * DAY).computed;
    const later = read(p, T0 + 10 * DAY).computed;
    expect(soon).toEqual({
      eventCount: 3,
      firstSeen: iso(T0 - DAY),
      lastSeen: iso(T0 + 1000),
      totalRevenue: 40,
      lifetimeValue: 40,
      ordersLast7Days: 1,
      daysSinceLastOrder: 3,
      preferredChannel: 'web',
      orderCount: 0,
    });
    // The order left the 7-day window; the days since it kept counting.
    expect(later).toMatchObject({ lifetimeValue: 40, ordersLast7Days: 0, daysSinceLastOrder: 10 });
  });

  it('keeps the built-in counters apart from a computed trait of the same name', () => {
    const r = read(mergedProfile(), T0 + 3 * DAY);
    // The config's orderCount only counts big orders; the built-in counts every order.
    expect(r.computed.orderCount).toBe(0);
    expect(r.counters.orderCount).toBe(1);
  });

  it('gives every configured trait a value, null or zero for a profile without state', () => {
    const r = read(emptyProfile('p-new', iso(T0)), T0);
    expect(r.computed).toEqual({
      eventCount: 0,
      firstSeen: null,
      lastSeen: null,
      totalRevenue: 0,
      lifetimeValue: 0,
      ordersLast7Days: 0,
      daysSinceLastOrder: null,
      preferredChannel: null,
      orderCount: 0,
    });
    expect(r).toMatchObject({ segments: {}, merges: [], rejectedIdentifiers: [], enriched: {}, counters: { firstSeen: null, lastSeen: null } });
  });

  it('returns copies: changing a record leaves the profile as it was', () => {
    const p = mergedProfile();
    const r = read(p, T0);
    (r.identifiers.userId as string[]).push('u-2');
    (r.mergedFrom as string[]).push('p-x');
    expect(p.identifiers.userId).toEqual(['u-1']);
    expect(p.mergedFrom).toEqual(['p-crm']);
  });
});
