import { describe, expect, it } from 'vitest';
import { EXAMPLE_COMPUTED_TRAITS, computedTraitsSchema } from '../../../lambda/config/unification/computed-traits';
import { EXAMPLE_SEGMENTS, segmentsSchema, type SegmentRule, type Segments, type SegmentsInput } from '../../../lambda/config/unification/segments';
import { compileComputedTraits } from '../../../lambda/unification/core/traits/compile';
import { evaluateAggregates } from '../../../lambda/unification/core/traits/evaluate';
import { foldAggregates } from '../../../lambda/unification/core/traits/fold';
import type { AggregateEvent } from '../../../lambda/unification/core/traits/model';
import { REVENUE_SCALE } from '../../../lambda/shared/events';
import {
  compileSegments,
  evaluateSegments,
  segmentsNextChangeAt,
  updateMembership,
  type SegmentSubject,
} from '../../../lambda/unification/core/segments/segments';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2025, 5, 15, 12);

function subject(parts: Partial<SegmentSubject> = {}): SegmentSubject {
  return { traits: {}, computed: {}, enriched: {}, identifiers: {}, ...parts };
}
const compile = (defs: SegmentsInput) => compileSegments(segmentsSchema.parse(defs));
/** Whether the subject matches one rule. */
function holds(rule: SegmentRule, s: SegmentSubject, now = NOW): boolean {
  return evaluateSegments(compile({ s: { rule } }), s, now).includes('s');
}
function problems(input: unknown): string[] {
  const r = segmentsSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('segments config', () => {
  it('accepts the example config', () => {
    expect(problems(EXAMPLE_SEGMENTS)).toEqual([]);
    // Usable as a config default as it is.
    const asDefault: Segments = EXAMPLE_SEGMENTS;
    expect(segmentsSchema.parse(asDefault)).toEqual(EXAMPLE_SEGMENTS);
  });

  it('rejects bad rules with readable messages and paths', () => {
    expect(problems({ s: { rule: { attr: 'trait.email', op: 'exists' } } })).toEqual([
      's.rule.attr: unknown attribute root "trait" in "trait.email": attributes start with traits., computed., enriched., identifiers., scores.',
    ]);
    expect(problems({ s: { rule: { all: [{ attr: 'traits.age', op: 'gt' }] } } })).toEqual(['s.rule.all.0: op gt needs a value']);
    expect(problems({ s: { rule: { attr: 'traits.email', op: 'exists', value: true } } })).toEqual(['s.rule.value: op exists takes no value']);
    expect(problems({ s: { rule: { attr: 'traits.tier', op: 'like', value: 'g%' } } })[0]).toMatch(/^s\.rule\.op: unknown op "like": use eq, ne/);
    expect(problems({ s: { rule: { attr: 'traits.tier', op: 'in', value: 'gold' } } })[0]).toMatch(/op in takes a non-empty list/);
    expect(problems({ s: { rule: { attr: 'traits.tier', op: 'gt', value: true } } })[0]).toMatch(/op gt compares with a number or a string/);
    expect(problems({ s: { rule: { not: { attr: 'computed.lastOrderAt', within: '1y' } } } })).toEqual([
      's.rule.not.within: within is a duration in whole days, hours or minutes, e.g. "30d", "12h" or "15m"',
    ]);
    expect(problems({ s: { rule: { attr: 'computed.x', within: '1d', olderThan: '2d' } } })[0]).toMatch(/exactly one of op, within or olderThan/);
    expect(problems({ s: { rule: { attr: 'computed.x' } } })[0]).toMatch(/needs op \(eq, ne, .*\), within or olderThan/);
    expect(problems({ s: { rule: { all: [], any: [] } } })[0]).toMatch(/exactly one of all, any, not or attr; this one has all, any/);
    expect(problems({ s: { rule: { any: [] } } })).toEqual(['s.rule.any: any takes a non-empty list of rules']);
    expect(problems({ s: { rule: { attr: 'traits', op: 'exists' } } })[0]).toMatch(/"traits" names no attribute/);
    expect(problems({ s: { rule: { attr: 'identifiers.email.domain', op: 'exists' } } })[0]).toMatch(/identifiers.<type> is a list/);
    expect(problems({ s: { rule: { attr: 'traits.a', op: 'eq', value: 1, extra: 1 } } })).toEqual(['s.rule.extra: unexpected "extra" in a op rule']);
    expect(problems({ s: {} })[0]).toMatch(/^s\.rule: a rule is one of/);
    expect(problems({ 'high value': { rule: { attr: 'traits.a', op: 'exists' } } })).toEqual([
      'high value: segment "high value": names start with a letter and hold only letters, digits, _ and -',
    ]);
    expect(problems({ 'high-value_2': { rule: { attr: 'traits.a', op: 'exists' } } })).toEqual([]);
  });
});

describe('rules', () => {
  const s = subject({
    traits: { age: 41, tier: 'gold', zip: '94107', address: { country: 'US' }, tags: ['vip', 'wholesale'], nothing: null },
    computed: { lifetimeValue: 612.5, orderCount: 3, preferredChannel: 'web' },
    enriched: { region: 'Bay Area' },
    identifiers: { email: ['a@example.com', 'b@example.com'], phone: [] },
  });

  it('compares', () => {
    expect(holds({ attr: 'computed.lifetimeValue', op: 'gte', value: 500 }, s)).toBe(true);
    expect(holds({ attr: 'computed.lifetimeValue', op: 'gt', value: 612.5 }, s)).toBe(false);
    expect(holds({ attr: 'computed.lifetimeValue', op: 'lte', value: 612.5 }, s)).toBe(true);
    expect(holds({ attr: 'traits.age', op: 'lt', value: 40 }, s)).toBe(false);
    expect(holds({ attr: 'traits.tier', op: 'eq', value: 'gold' }, s)).toBe(true);
    expect(holds({ attr: 'traits.tier', op: 'eq', value: 'Gold' }, s)).toBe(false);
    expect(holds({ attr: 'traits.tier', op: 'ne', value: 'silver' }, s)).toBe(true);
    expect(holds({ attr: 'traits.tier', op: 'in', value: ['silver', 'gold'] }, s)).toBe(true);
    expect(holds({ attr: 'traits.tier', op: 'gt', value: 'f' }, s)).toBe(true);
    expect(holds({ attr: 'traits.address.country', op: 'eq', value: 'US' }, s)).toBe(true);
    expect(holds({ attr: 'enriched.region', op: 'contains', value: 'Bay' }, s)).toBe(true);
    expect(holds({ attr: 'traits.tags', op: 'contains', value: 'vip' }, s)).toBe(true);
    expect(holds({ attr: 'traits.tags', op: 'contains', value: 'vi' }, s)).toBe(false);
    expect(holds({ attr: 'traits.age', op: 'contains', value: 4 }, s)).toBe(false);
  });

  it('compares numbers with numeric strings as numbers', () => {
    expect(holds({ attr: 'traits.zip', op: 'eq', value: 94107 }, s)).toBe(true);
    expect(holds({ attr: 'traits.zip', op: 'gt', value: 90000 }, s)).toBe(true);
    expect(holds({ attr: 'traits.age', op: 'eq', value: '41' }, s)).toBe(true);
    expect(holds({ attr: 'traits.tier', op: 'gt', value: 1 }, s)).toBe(false);
  });

  it('matches any element of a list attribute', () => {
    expect(holds({ attr: 'identifiers.email', op: 'contains', value: 'b@example.com' }, s)).toBe(true);
    expect(holds({ attr: 'identifiers.email', op: 'eq', value: 'a@example.com' }, s)).toBe(true);
    expect(holds({ attr: 'identifiers.email', op: 'ne', value: 'a@example.com' }, s)).toBe(false);
    expect(holds({ attr: 'identifiers.email', op: 'ne', value: 'c@example.com' }, s)).toBe(true);
    expect(holds({ attr: 'identifiers.email', op: 'in', value: ['x', 'b@example.com'] }, s)).toBe(true);
    expect(holds({ attr: 'identifiers.email', op: 'exists' }, s)).toBe(true);
  });

  it('treats absent, null and empty-list attributes as missing: only ne and notExists hold', () => {
    for (const attr of ['traits.unknown', 'traits.nothing', 'identifiers.phone', 'identifiers.loyaltyId', 'traits.address.city', 'traits.tier.deeper']) {
      const results = Object.fromEntries(
        (['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains'] as const).map((op) => [op, holds({ attr, op, value: 1 }, s)]),
      );
      expect(results, attr).toEqual({ eq: false, ne: true, gt: false, gte: false, lt: false, lte: false, contains: false });
      expect(holds({ attr, op: 'in', value: [1] }, s)).toBe(false);
      expect(holds({ attr, op: 'exists' }, s)).toBe(false);
      expect(holds({ attr, op: 'notExists' }, s)).toBe(true);
      expect(holds({ attr, within: '30d' }, s)).toBe(false);
      expect(holds({ attr, olderThan: '30d' }, s)).toBe(false);
      expect(holds({ not: { attr, within: '30d' } }, s)).toBe(true);
    }
  });

  it('combines with all, any and not', () => {
    const gold: SegmentRule = { attr: 'traits.tier', op: 'eq', value: 'gold' };
    const young: SegmentRule = { attr: 'traits.age', op: 'lt', value: 30 };
    expect(holds({ all: [gold, young] }, s)).toBe(false);
    expect(holds({ all: [gold, { not: young }] }, s)).toBe(true);
    expect(holds({ any: [young, gold] }, s)).toBe(true);
    expect(holds({ any: [young, { not: gold }] }, s)).toBe(false);
    expect(holds({ not: { any: [young, { all: [gold, { attr: 'computed.orderCount', op: 'gte', value: 3 }] }] } }, s)).toBe(false);
  });

  it('returns the segments in definition order', () => {
    const c = compile({
      b: { rule: { attr: 'traits.tier', op: 'exists' } },
      a: { rule: { attr: 'traits.tier', op: 'notExists' } },
      c: { rule: { attr: 'computed.orderCount', op: 'gt', value: 0 } },
    });
    expect(evaluateSegments(c, s, NOW)).toEqual(['b', 'c']);
    expect(evaluateSegments(compileSegments({}), s, NOW)).toEqual([]);
  });
});

describe('time rules', () => {
  const ordered = NOW - 20 * DAY;
  const c = compile({
    recent: { rule: { attr: 'computed.lastOrderAt', within: '30d' } },
    lapsed: { rule: { attr: 'computed.lastOrderAt', olderThan: '90d' } },
  });

  it('enter and exit as now moves forward, for ISO times and epoch ms alike', () => {
    for (const lastOrderAt of [new Date(ordered).toISOString(), ordered]) {
      const s = subject({ computed: { lastOrderAt } });
      expect(evaluateSegments(c, s, NOW)).toEqual(['recent']);
      expect(evaluateSegments(c, s, ordered + 30 * DAY - 1)).toEqual(['recent']);
      expect(evaluateSegments(c, s, ordered + 30 * DAY)).toEqual([]);
      expect(evaluateSegments(c, s, ordered + 90 * DAY - 1)).toEqual([]);
      expect(evaluateSegments(c, s, ordered + 90 * DAY)).toEqual(['lapsed']);
    }
  });

  it('gives the next flip time', () => {
    const s = subject({ computed: { lastOrderAt: new Date(ordered).toISOString() } });
    expect(segmentsNextChangeAt(c, s, NOW)).toBe(ordered + 30 * DAY);
    expect(segmentsNextChangeAt(c, s, ordered + 30 * DAY)).toBe(ordered + 90 * DAY);
    expect(segmentsNextChangeAt(c, s, ordered + 90 * DAY)).toBeUndefined();
    expect(segmentsNextChangeAt(c, subject(), NOW)).toBeUndefined();
    expect(segmentsNextChangeAt(c, subject({ computed: { lastOrderAt: 'not a date' } }), NOW)).toBeUndefined();
    const nested = compile({ s: { rule: { any: [{ not: { attr: 'traits.signedUpAt', within: '15m' } }, { attr: 'traits.tier', op: 'exists' }] } } });
    expect(segmentsNextChangeAt(nested, subject({ traits: { signedUpAt: NOW - 5 * MIN } }), NOW)).toBe(NOW + 10 * MIN);
    expect(segmentsNextChangeAt(compile({ h: { rule: { attr: 'traits.seenAt', olderThan: '12h' } } }), subject({ traits: { seenAt: NOW } }), NOW)).toBe(NOW + 12 * HOUR);
  });
});

describe('updateMembership', () => {
  it('keeps the entry time of segments the profile stays in', () => {
    const first = updateMembership(undefined, ['b', 'a'], '2025-06-01T00:00:00.000Z');
    expect(first).toEqual({ segments: { a: '2025-06-01T00:00:00.000Z', b: '2025-06-01T00:00:00.000Z' }, entered: ['a', 'b'], exited: [] });
    const second = updateMembership(first.segments, new Set(['b', 'c']), '2025-06-02T00:00:00.000Z');
    expect(second).toEqual({
      segments: { b: '2025-06-01T00:00:00.000Z', c: '2025-06-02T00:00:00.000Z' },
      entered: ['c'],
      exited: ['a'],
    });
    const same = updateMembership(second.segments, ['c', 'b'], '2025-06-03T00:00:00.000Z');
    expect(same).toEqual({ segments: second.segments, entered: [], exited: [] });
    expect(updateMembership(same.segments, [], 'x')).toEqual({ segments: {}, entered: [], exited: ['b', 'c'] });
    // Re-entering is a new entry.
    expect(updateMembership({}, ['a'], '2025-06-04T00:00:00.000Z').segments.a).toBe('2025-06-04T00:00:00.000Z');
  });
});

describe('the example computed traits and segments together', () => {
  const traits = compileComputedTraits(computedTraitsSchema.parse(EXAMPLE_COMPUTED_TRAITS));
  const segments = compileSegments(segmentsSchema.parse(EXAMPLE_SEGMENTS));
  let n = 0;
  const event = (e: Partial<AggregateEvent>): AggregateEvent => ({ messageId: `e${++n}`, type: 'track', ts: NOW, ...e });
  const order = (daysAgo: number, amount: number, channel = 'web') =>
    event({ name: 'Order Completed', ts: NOW - daysAgo * DAY, revenue: amount * REVENUE_SCALE, channel });
  const ticket = (daysAgo: number, csat: number) => event({ name: 'Ticket Closed', ts: NOW - daysAgo * DAY, channel: 'support', properties: { csat, topic: 'returns' } });

  function at(events: AggregateEvent[], now: number) {
    const state = foldAggregates(traits, undefined, events, NOW);
    // The counters applyEvents keeps on the profile, which the default traits and lifetimeValue read.
    const orders = events.filter((e) => e.type === 'track' && e.name === 'Order Completed');
    const times = events.map((e) => e.ts);
    const counters = {
      eventCount: events.length,
      firstSeen: Math.min(...times),
      lastSeen: Math.max(...times),
      orderCount: orders.length,
      revenue: orders.reduce((sum, e) => sum + (e.revenue ?? 0), 0),
    };
    const computed = evaluateAggregates(traits, state, now, counters);
    const s = subject({ computed });
    return { computed, segments: evaluateSegments(segments, s, now), next: segmentsNextChangeAt(segments, s, now) };
  }

  it('places a recent big spender and a lapsed unhappy customer', () => {
    const big = at([order(3, 400), order(50, 150, 'store'), ticket(2, 5), event({ type: 'page', name: 'Home', channel: 'web' })], NOW);
    expect(big.computed).toEqual({
      lifetimeValue: 550,
      orderCount: 2,
      averageOrderValue: 275,
      daysSinceLastOrder: 3,
      lastOrderAt: new Date(NOW - 3 * DAY).toISOString(),
      ordersLast90Days: 2,
      averageCsat: 5,
      preferredChannel: 'web',
    });
    expect(big.segments).toEqual(['highValue', 'recentBuyers']);
    expect(big.next).toBe(NOW - 3 * DAY + 30 * DAY);

    const lapsed = at([order(120, 20, 'store'), order(100, 30, 'store'), ticket(10, 2), ticket(9, 3)], NOW);
    expect(lapsed.computed).toMatchObject({ orderCount: 2, ordersLast90Days: 0, averageCsat: 2.5, preferredChannel: 'store', daysSinceLastOrder: 100 });
    expect(lapsed.segments).toEqual(['lapsedCustomers', 'unhappyCustomers']);
    expect(lapsed.next).toBeUndefined();

    // Without orders: not lapsed (a missing lastOrderAt is not "older than"), and no flip to wait for.
    const browser = at([event({ type: 'page', name: 'Home', channel: 'web' })], NOW);
    expect(browser.computed).toMatchObject({ orderCount: 0, lastOrderAt: null, averageCsat: null, preferredChannel: 'web' });
    expect(browser.segments).toEqual([]);
  });

  it('moves a recent buyer to lapsed as time passes', () => {
    const events = [order(10, 50)];
    expect(at(events, NOW).segments).toEqual(['recentBuyers']);
    expect(at(events, NOW + 25 * DAY).segments).toEqual([]);
    expect(at(events, NOW + 80 * DAY).segments).toEqual(['lapsedCustomers']);
  });
});
