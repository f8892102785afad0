import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_COMPUTED_TRAITS,
  EXAMPLE_COMPUTED_TRAITS,
  computedTraitsSchema,
  type ComputedTraits,
  type ComputedTraitsInput,
} from '../../../lambda/config/unification/computed-traits';
import { parseConfig } from '../../../lambda/config';
import { compileDerivations, computedValues, refreshProfile, segmentSubject } from '../../../lambda/unification/core/profile/derive';
import { applyEvents, emptyProfile } from '../../../lambda/unification/core/profile/profile';
import { evaluateSegments } from '../../../lambda/unification/core/segments/segments';
import { compileComputedTraits } from '../../../lambda/unification/core/traits/compile';
import { aggregatesNextChangeAt, evaluateAggregates } from '../../../lambda/unification/core/traits/evaluate';
import { foldAggregates, mergeAggregateStates } from '../../../lambda/unification/core/traits/fold';
import { MAX_DISTINCT_VALUES } from '../../../lambda/unification/core/traits/kinds';
import type { AggregateEvent, BuiltInCounters } from '../../../lambda/unification/core/traits/model';
import { REVENUE_SCALE, type UnifyEvent } from '../../../lambda/shared/events';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Noon UTC, so day buckets start 12 hours before it. */
const NOW = Date.UTC(2025, 5, 15, 12);

let seq = 0;
function ev(e: Partial<AggregateEvent>): AggregateEvent {
  seq += 1;
  return { messageId: `m-${String(seq).padStart(6, '0')}`, type: 'track', ts: NOW, ...e };
}
function order(daysAgo: number, amount: number, extra: Partial<AggregateEvent> = {}): AggregateEvent {
  return ev({
    name: 'Order Completed',
    ts: NOW - daysAgo * DAY,
    revenue: Math.round(amount * REVENUE_SCALE),
    channel: 'web',
    ...extra,
    properties: { revenue: amount, ...extra.properties },
  });
}

const compile = (defs: ComputedTraitsInput) => compileComputedTraits(computedTraitsSchema.parse(defs));
/** The counters applyEvents keeps on a profile of these events (Profile.computed), which definitions meaning the same are read from. */
function countersOf(events: readonly AggregateEvent[]): BuiltInCounters {
  const orders = events.filter((e) => e.type === 'track' && e.name === 'Order Completed');
  const times = events.map((e) => e.ts);
  return {
    eventCount: events.length,
    firstSeen: times.length === 0 ? null : Math.min(...times),
    lastSeen: times.length === 0 ? null : Math.max(...times),
    orderCount: orders.length,
    revenue: orders.reduce((sum, e) => sum + (e.revenue ?? 0), 0),
  };
}
function run(defs: ComputedTraitsInput, events: readonly AggregateEvent[], now = NOW) {
  const c = compile(defs);
  return evaluateAggregates(c, foldAggregates(c, undefined, events, now), now, countersOf(events));
}
function problems(input: unknown): string[] {
  const r = computedTraitsSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('computed traits config', () => {
  it('accepts the example config', () => {
    expect(problems(EXAMPLE_COMPUTED_TRAITS)).toEqual([]);
    // Usable as a config default as it is.
    const asDefault: ComputedTraits = EXAMPLE_COMPUTED_TRAITS;
    expect(computedTraitsSchema.parse(asDefault)).toEqual(EXAMPLE_COMPUTED_TRAITS);
  });

  it('rejects impossible combinations with readable messages', () => {
    expect(problems({ x: { op: 'sum', property: '$channel' } })).toEqual([
      'x.property: sum needs a numeric property; $channel is text (distinct or mode suit it)',
    ]);
    expect(problems({ x: { op: 'avg', property: '$timestamp' } })[0]).toMatch(/^x\.property: avg needs a numeric property/);
    expect(problems({ x: { op: 'max', property: '$name' } })[0]).toMatch(/max needs a numeric property; \$name is text/);
    expect(problems({ x: { op: 'distinct' } })[0]).toMatch(/^x\.property: distinct needs a property/);
    expect(problems({ x: { op: 'mode' } })[0]).toMatch(/^x\.property: mode needs a property/);
    expect(problems({ x: { op: 'count', property: 'sku' } })[0]).toMatch(/count counts matching events and takes no property.*where: \{ "sku": \{ exists: true \} \}/);
    expect(problems({ x: { op: 'last', property: 'csat', as: 'daysSince' } })).toEqual([
      'x.as: as: "daysSince" needs op first, last, min or max of property $timestamp',
    ]);
    expect(problems({ x: { op: 'min', property: '$when' } })[0]).toMatch(/unknown special property "\$when"/);
    expect(problems({ x: { op: 'avg', property: 'properties.csat' } })[0]).toMatch(/write "csat", not "properties.csat"/);
    expect(problems({ x: { op: 'avg', property: 'a..b' } })[0]).toMatch(/"a..b" is not a property path/);
  });

  it('rejects bad windows, where conditions, filters and names', () => {
    expect(problems({ x: { op: 'count', window: '3w' } })[0]).toMatch(/^x\.window: a window is a whole number of days or hours/);
    expect(problems({ x: { op: 'count', window: '9999d' } })).toEqual(['x.window: a window is at most 3660d']);
    expect(problems({ x: { op: 'count', window: '1000h' } })[0]).toMatch(/hour window is at most 720h/);
    expect(problems({ x: { op: 'count', where: { csat: { above: 3 } } } })).toEqual([
      'x.where.csat: unknown operator "above": use eq, ne, gt, gte, lt, lte, in, exists',
    ]);
    expect(problems({ x: { op: 'count', where: { csat: {} } } })[0]).toMatch(/needs at least one of/);
    expect(problems({ x: { op: 'count', where: { csat: { in: [] } } } })[0]).toMatch(/in takes a non-empty list/);
    expect(problems({ x: { op: 'count', where: { csat: [1, 2] } } })[0]).toMatch(/a where condition is a value to equal/);
    expect(problems({ x: { op: 'count', event: 'Order Completed', type: ['identify'] } })[0]).toMatch(/event names match track, page and screen/);
    expect(problems({ x: { op: 'median', property: 'csat' } })[0]).toMatch(/^x\.op: /);
    expect(problems({ 'order-count': { op: 'count' } })).toEqual([
      'order-count: computed trait "order-count": names start with a letter and hold only letters, digits and _',
    ]);
    // A name problem is reported together with the definition's own problems.
    expect(problems({ '9lives': { op: 'sum' } })).toHaveLength(2);
  });
});

describe('operations', () => {
  const events = [
    order(5, 10, { channel: 'store', properties: { orderId: 'A', sku: 'shoe', item: { price: 10 } } }),
    order(3, 20, { properties: { orderId: 'B', sku: 'hat', item: { price: 20 } } }),
    order(1, 30.5, { properties: { orderId: 'C', sku: 'shoe', item: { price: 30.5 } } }),
    ev({ name: 'Product Viewed', ts: NOW - 2 * DAY, channel: 'web', properties: { sku: 'sock' } }),
  ];
  const defs: ComputedTraitsInput = {
    n: { op: 'count', event: 'Order Completed' },
    total: { op: 'sum', event: 'Order Completed', property: '$revenue' },
    avg: { op: 'avg', event: 'Order Completed', property: '$revenue' },
    smallest: { op: 'min', event: 'Order Completed', property: 'item.price' },
    largest: { op: 'max', event: 'Order Completed', property: 'item.price' },
    firstOrder: { op: 'first', event: 'Order Completed', property: 'orderId' },
    lastOrder: { op: 'last', event: 'Order Completed', property: 'orderId' },
    skus: { op: 'distinct', property: 'sku' },
    channel: { op: 'mode', property: '$channel' },
    firstAt: { op: 'first', property: '$timestamp' },
    lastAt: { op: 'last', event: 'Order Completed', property: '$timestamp' },
    names: { op: 'distinct', property: '$name' },
    lastRevenue: { op: 'last', property: '$revenue' },
  };

  it('computes every op', () => {
    expect(run(defs, events)).toEqual({
      n: 3,
      total: 60.5,
      avg: 60.5 / 3,
      smallest: 10,
      largest: 30.5,
      firstOrder: 'A',
      lastOrder: 'C',
      skus: 3,
      channel: 'web',
      firstAt: new Date(NOW - 5 * DAY).toISOString(),
      lastAt: new Date(NOW - DAY).toISOString(),
      names: 2,
      lastRevenue: 30.5,
    });
  });

  it('gives 0 for counts and sums of nothing and null for the rest', () => {
    expect(run(defs, [])).toEqual({
      n: 0, total: 0, avg: null, smallest: null, largest: null, firstOrder: null, lastOrder: null,
      skus: 0, channel: null, firstAt: null, lastAt: null, names: 0, lastRevenue: null,
    });
  });

  it('skips events without the property, or with a value of the wrong kind', () => {
    const got = run({ avg: { op: 'avg', property: 'csat' }, sum: { op: 'sum', property: 'csat' }, last: { op: 'last', property: 'csat' }, n: { op: 'count' } }, [
      ev({ properties: { csat: 4 } }),
      ev({ properties: { csat: '5' } }),
      ev({ properties: { csat: null } }),
      ev({ properties: { csat: { v: 1 } } }),
      ev({}),
      ev({ properties: { csat: 2 } }),
    ]);
    expect(got).toEqual({ avg: 3, sum: 6, last: 2, n: 6 });
  });

  it('breaks ties in event time by messageId, whatever the order', () => {
    const a = ev({ messageId: 'b', properties: { v: 'from b' } });
    const b = ev({ messageId: 'a', properties: { v: 'from a' } });
    const defs2: ComputedTraitsInput = { last: { op: 'last', property: 'v' }, first: { op: 'first', property: 'v' } };
    expect(run(defs2, [a, b])).toEqual({ last: 'from b', first: 'from a' });
    expect(run(defs2, [b, a])).toEqual({ last: 'from b', first: 'from a' });
  });

  it('gives the most frequent value as the mode, ties to the smaller value', () => {
    const ch = (channel: string) => ev({ channel });
    expect(run({ m: { op: 'mode', property: '$channel' } }, [ch('web'), ch('store'), ch('store'), ch('web'), ch('app')])).toEqual({ m: 'store' });
    expect(run({ m: { op: 'mode', property: 'n' } }, [ev({ properties: { n: 2 } }), ev({ properties: { n: 2 } }), ev({ properties: { n: 10 } })])).toEqual({ m: '2' });
  });

  it('keeps decimal sums and averages exact', () => {
    const c = compile({ s: { op: 'sum', property: 'x' }, a: { op: 'avg', property: 'x' }, r: { op: 'sum', property: '$revenue' } });
    const events2 = [0.1, 0.2, 0.3].map((x) => ev({ properties: { x }, revenue: Math.round(x * REVENUE_SCALE) }));
    const state = foldAggregates(c, undefined, events2, NOW);
    expect(evaluateAggregates(c, state, NOW)).toEqual({ s: 0.6, a: 0.2, r: 0.6 });
    expect(0.1 + 0.2 + 0.3).not.toBe(0.6); // what a plain float sum would give
    // Stored as integer ten-thousandths.
    expect((state.r as [string, number[]])[1]).toEqual([6000, 0]);
    // Values with more decimals still add up (in a floating-point remainder).
    const thirds = foldAggregates(c, undefined, [ev({ properties: { x: 1 / 3 } }), ev({ properties: { x: 2 } })], NOW);
    expect(evaluateAggregates(c, thirds, NOW).s).toBeCloseTo(2 + 1 / 3, 12);
  });

  it('reads UnifyEvent as it is', () => {
    const c = compile({ n: { op: 'count', event: 'Order Completed' }, total: { op: 'sum', property: '$revenue' } });
    const u: UnifyEvent = { messageId: 'u1', type: 'track', name: 'Order Completed', timestamp: new Date(NOW).toISOString(), ts: NOW, identifiers: [], traits: {}, revenue: 125_000 };
    expect(evaluateAggregates(c, foldAggregates(c, undefined, [u], NOW), NOW, countersOf([u]))).toEqual({ n: 1, total: 12.5 });
  });
});

describe('filters', () => {
  const events = [
    order(1, 120, { properties: { coupon: 'SPRING', items: 3 } }),
    order(2, 40, { channel: 'store', properties: { items: 1 } }),
    ev({ name: 'Order Refunded', properties: { items: 1 } }),
    ev({ type: 'page', name: 'Order Completed', properties: { items: 9 } }),
    ev({ type: 'page', name: 'Shoes', properties: { path: '/shoes' } }),
    ev({ type: 'identify', channel: 'crm' }),
  ];

  it('filters by event name (track events unless types are given) and by type', () => {
    expect(run({ n: { op: 'count', event: 'Order Completed' } }, events).n).toBe(2);
    expect(run({ n: { op: 'count', event: ['Order Completed', 'Order Refunded'] } }, events).n).toBe(3);
    expect(run({ n: { op: 'count', event: 'Order Completed', type: ['track', 'page'] } }, events).n).toBe(3);
    expect(run({ n: { op: 'count', type: ['page'] } }, events).n).toBe(2);
    expect(run({ n: { op: 'count', type: ['identify', 'page'] } }, events).n).toBe(3);
    expect(run({ n: { op: 'count' } }, events).n).toBe(6);
  });

  it('filters by property conditions', () => {
    const count = (where: NonNullable<ComputedTraitsInput[string]['where']>) => run({ n: { op: 'count', where } }, events).n;
    expect(count({ coupon: 'SPRING' })).toBe(1);
    expect(count({ items: 1 })).toBe(2);
    expect(count({ items: { gt: 1 } })).toBe(2);
    expect(count({ items: { gte: 1, lt: 9 } })).toBe(3);
    expect(count({ items: { lte: 1 } })).toBe(2);
    expect(count({ items: { in: [3, 9] } })).toBe(2);
    expect(count({ items: { ne: 1 } })).toBe(4); // missing counts as "not equal"
    expect(count({ coupon: { exists: true } })).toBe(1);
    expect(count({ coupon: { exists: false } })).toBe(5);
    expect(count({ items: { gt: '0' } })).toBe(0); // a number never compares with a string
    expect(count({ path: { gte: '/s' } })).toBe(1);
    expect(count({ $revenue: { gte: 100 } })).toBe(1);
    expect(count({ $channel: 'store' })).toBe(1);
    expect(count({ $channel: { in: ['crm', 'store'] }, items: { exists: true } })).toBe(1);
  });
});

describe('windows', () => {
  const defs: ComputedTraitsInput = {
    recent: { op: 'count', event: 'Order Completed', window: '90d' },
    // Folded like `recent` (without the where it would be the built-in orderCount, read from the profile's counters).
    all: { op: 'count', event: 'Order Completed', where: { revenue: { exists: true } } },
  };

  it('counts only events inside the window', () => {
    const events = [order(100, 10), order(89, 10), order(10, 10)];
    expect(run(defs, events)).toEqual({ recent: 2, all: 3 });
  });

  it('drops events as now moves forward, and says when', () => {
    const c = compile(defs);
    const state = foldAggregates(c, undefined, [order(89, 10), order(10, 10)], NOW);
    const today = Math.floor(NOW / DAY);
    // The 89-day-old order's day bucket leaves the window 90 days after the bucket ends.
    const expiry = (today - 89 + 1) * DAY + 90 * DAY;
    expect(aggregatesNextChangeAt(c, state, NOW)).toBe(expiry);
    expect(evaluateAggregates(c, state, expiry - 1).recent).toBe(2);
    expect(evaluateAggregates(c, state, expiry).recent).toBe(1);
    expect(aggregatesNextChangeAt(c, state, expiry)).toBe((today - 10 + 1) * DAY + 90 * DAY);
    expect(evaluateAggregates(c, state, NOW + 200 * DAY)).toEqual({ recent: 0, all: 2 });
    expect(aggregatesNextChangeAt(c, state, NOW + 200 * DAY)).toBeUndefined();
  });

  it('drops buckets out of the window from the state when folding, and skips late events already outside it', () => {
    const c = compile(defs);
    const state = foldAggregates(c, undefined, [order(89, 10), order(10, 10)], NOW);
    expect((state.recent as [string, unknown[]])[1]).toHaveLength(2);
    const later = foldAggregates(c, state, [], NOW + 30 * DAY);
    expect(later).not.toBe(state);
    expect((later.recent as [string, unknown[]])[1]).toHaveLength(1);
    expect(evaluateAggregates(c, later, NOW + 30 * DAY)).toEqual({ recent: 1, all: 2 });
    // Nothing to drop and nothing new: the same object comes back.
    expect(foldAggregates(c, later, [], NOW + 30 * DAY)).toBe(later);
    const late = order(95, 10, { type: 'track' });
    const withLate = foldAggregates(c, later, [late], NOW + 30 * DAY);
    expect(evaluateAggregates(c, withLate, NOW + 30 * DAY)).toEqual({ recent: 1, all: 3 });
  });

  it('uses hour buckets for hour windows', () => {
    const c = compile({ h: { op: 'count', window: '24h' } });
    const state = foldAggregates(c, undefined, [ev({ ts: NOW - 25 * HOUR }), ev({ ts: NOW - 23 * HOUR }), ev({ ts: NOW - HOUR })], NOW);
    expect(evaluateAggregates(c, state, NOW).h).toBe(2);
    expect(aggregatesNextChangeAt(c, state, NOW)).toBe(NOW - 23 * HOUR + HOUR + 24 * HOUR);
    expect(evaluateAggregates(c, state, NOW + 2 * HOUR).h).toBe(1);
  });

  it('windows every op', () => {
    const w = '30d';
    const defs2: ComputedTraitsInput = {
      sum: { op: 'sum', property: '$revenue', window: w },
      avg: { op: 'avg', property: '$revenue', window: w },
      min: { op: 'min', property: '$revenue', window: w },
      max: { op: 'max', property: '$revenue', window: w },
      first: { op: 'first', property: 'sku', window: w },
      last: { op: 'last', property: 'sku', window: w },
      distinct: { op: 'distinct', property: 'sku', window: w },
      mode: { op: 'mode', property: '$channel', window: w },
      lastAt: { op: 'last', property: '$timestamp', window: w },
    };
    const events = [
      order(40, 1000, { channel: 'store', properties: { sku: 'old' } }),
      order(39, 1000, { channel: 'store', properties: { sku: 'old2' } }),
      order(20, 10, { properties: { sku: 'b' } }),
      order(10, 30, { properties: { sku: 'a' } }),
      order(5, 20, { channel: 'store', properties: { sku: 'b' } }),
    ];
    expect(run(defs2, events)).toEqual({
      sum: 60, avg: 20, min: 10, max: 30, first: 'b', last: 'b', distinct: 2, mode: 'web',
      lastAt: new Date(NOW - 5 * DAY).toISOString(),
    });
    // 12 days on, the order of 20 days ago has left too.
    expect(run(defs2, events, NOW + 12 * DAY)).toEqual({
      sum: 50, avg: 25, min: 20, max: 30, first: 'a', last: 'b', distinct: 2, mode: 'store',
      lastAt: new Date(NOW - 5 * DAY).toISOString(),
    });
  });
});

describe('daysSince', () => {
  it('gives whole days since the time, and when it ticks over', () => {
    const c = compile({ since: EXAMPLE_COMPUTED_TRAITS.daysSinceLastOrder, firstSince: { op: 'min', property: '$timestamp', as: 'daysSince' } });
    const last = NOW - 10.5 * DAY;
    const state = foldAggregates(c, undefined, [order(10.5, 5), order(30, 5)], NOW);
    expect(evaluateAggregates(c, state, NOW)).toEqual({ since: 10, firstSince: 30 });
    expect(aggregatesNextChangeAt(c, state, NOW)).toBe(last + 11 * DAY);
    expect(evaluateAggregates(c, state, last + 11 * DAY - 1).since).toBe(10);
    expect(evaluateAggregates(c, state, last + 11 * DAY).since).toBe(11);
    // An order from a clock slightly ahead reads as 0 days.
    const ahead = foldAggregates(c, undefined, [order(-0.5, 5)], NOW);
    expect(evaluateAggregates(c, ahead, NOW).since).toBe(0);
    expect(aggregatesNextChangeAt(c, ahead, NOW)).toBe(NOW + 0.5 * DAY + DAY);
    expect(aggregatesNextChangeAt(c, {}, NOW)).toBeUndefined();
  });
});

describe('state', () => {
  it('is nearly free without definitions, and comes back unchanged when no event matches', () => {
    const none = compileComputedTraits({});
    const states = {};
    expect(foldAggregates(none, states, [order(1, 1)], NOW)).toBe(states);
    expect(foldAggregates(none, { stale: [1, 2] }, [], NOW)).toEqual({});
    const c = compile({ n: { op: 'count', event: 'Order Completed' } });
    const folded = foldAggregates(c, undefined, [order(1, 1)], NOW);
    expect(foldAggregates(c, folded, [ev({ name: 'Page' })], NOW)).toBe(folded);
  });

  it('never mutates its inputs', () => {
    const c = compile({ ...EXAMPLE_COMPUTED_TRAITS, skus: { op: 'distinct', property: 'sku' }, ch: { op: 'mode', property: '$channel', window: '30d' } });
    const a = foldAggregates(c, undefined, [order(1, 5, { properties: { sku: 'x' } }), order(40, 5)], NOW);
    const frozen = JSON.stringify(a);
    const b = foldAggregates(c, a, [order(2, 7, { properties: { sku: 'y' } }), order(1, 5, { channel: 'app' })], NOW);
    mergeAggregateStates(c, a, b, NOW);
    evaluateAggregates(c, a, NOW + 100 * DAY);
    expect(JSON.stringify(a)).toBe(frozen);
    expect(JSON.parse(JSON.stringify(b))).toEqual(b);
  });

  it('starts a trait afresh when its definition changes, and drops traits no longer configured', () => {
    // Kept in state: the where keeps them from being the built-in counters read from the profile.
    const paid = { revenue: { exists: true } };
    const before = compile({ n: { op: 'count', event: 'Order Completed', where: paid }, gone: { op: 'count', where: paid } });
    const state = foldAggregates(before, undefined, [order(1, 1), order(2, 1)], NOW);
    const after = compile({ n: { op: 'count', event: 'Order Refunded', description: 'now refunds' } });
    expect(evaluateAggregates(after, state, NOW)).toEqual({ n: 0 });
    expect(foldAggregates(after, state, [], NOW)).toEqual({});
    const refunds = foldAggregates(after, state, [ev({ name: 'Order Refunded' })], NOW);
    expect(evaluateAggregates(after, refunds, NOW)).toEqual({ n: 1 });
    expect(Object.keys(refunds)).toEqual(['n']);
    // A description change keeps the state.
    const described = compile({ n: { op: 'count', event: 'Order Completed', where: paid, description: 'orders' }, gone: { op: 'count', where: paid } });
    expect(evaluateAggregates(described, state, NOW).n).toBe(2);
    // Garbage from elsewhere reads as nothing.
    expect(evaluateAggregates(described, { n: 'nonsense', gone: [null, 3] }, NOW)).toEqual({ n: 0, gone: 0 });
  });
});

describe('caps of distinct and mode', () => {
  const values = Array.from({ length: 1500 }, (_, i) => `v${String(i).padStart(4, '0')}`);
  const events = values.map((v) => ev({ properties: { v } }));

  it('keeps the smallest values, so the count is exact up to the cap whatever the order', () => {
    const c = compile({ d: { op: 'distinct', property: 'v' } });
    const state = foldAggregates(c, undefined, events, NOW);
    expect(evaluateAggregates(c, state, NOW).d).toBe(MAX_DISTINCT_VALUES);
    expect((state.d as [string, string[]])[1]).toEqual(values.slice(0, MAX_DISTINCT_VALUES));
    const reversed = foldAggregates(c, undefined, [...events].reverse(), NOW);
    expect(reversed).toEqual(state);
    const merged = mergeAggregateStates(c, foldAggregates(c, undefined, events.slice(700), NOW), foldAggregates(c, undefined, events.slice(0, 700), NOW), NOW);
    expect(merged).toEqual(state);
    expect(evaluateAggregates(c, foldAggregates(c, undefined, events.slice(0, 999), NOW), NOW).d).toBe(999);
  });

  it('keeps the most recently seen values of a windowed distinct', () => {
    const c = compile({ d: { op: 'distinct', property: 'v', window: '90d' } });
    // 1500 values over 15 days: the oldest 500 are the ones dropped.
    const spread = values.map((v, i) => ev({ ts: NOW - (15 - Math.floor(i / 100)) * DAY, properties: { v } }));
    const state = foldAggregates(c, undefined, spread, NOW);
    expect(evaluateAggregates(c, state, NOW).d).toBe(MAX_DISTINCT_VALUES);
    expect((state.d as [string, [string[], number[]]])[1][0]).toEqual(values.slice(500));
    expect(foldAggregates(c, undefined, [...spread].reverse(), NOW)).toEqual(state);
    // Seeing an old value again makes it recent.
    const again = foldAggregates(c, state, [ev({ properties: { v: values[0] as string } })], NOW);
    expect((again.d as [string, [string[], number[]]])[1][0]).toContain(values[0]);
    // 85 days on, only values last seen 5 days ago or later are in the window.
    expect(evaluateAggregates(c, state, NOW + 85 * DAY).d).toBe(500);
    expect(aggregatesNextChangeAt(c, state, NOW)).toBe((Math.floor(NOW / DAY) - 10 + 1) * DAY + 90 * DAY);
  });

  it('lets only the kept values compete for the mode', () => {
    const c = compile({ m: { op: 'mode', property: 'v' } });
    const popular = Array.from({ length: 5 }, () => ev({ properties: { v: 'zzz' } }));
    const state = foldAggregates(c, undefined, [...events, ...popular, ev({ properties: { v: 'v0500' } })], NOW);
    expect(evaluateAggregates(c, state, NOW).m).toBe('v0500');
    expect((state.m as [string, [string[], number[]]])[1][0]).toHaveLength(MAX_DISTINCT_VALUES);
    const small = foldAggregates(c, undefined, [...events.slice(0, 10), ...popular], NOW);
    expect(evaluateAggregates(c, small, NOW).m).toBe('zzz');
  });
});

// ---------------------------------------------------------------------------
// Order independence and merging, over random event sets
// ---------------------------------------------------------------------------

const EVERY_OP: ComputedTraitsInput = {
  ...EXAMPLE_COMPUTED_TRAITS,
  n: { op: 'count' },
  nW: { op: 'count', window: '30d' },
  nH: { op: 'count', window: '72h', type: ['page'] },
  s: { op: 'sum', property: 'score' },
  sW: { op: 'sum', property: 'score', window: '30d' },
  a: { op: 'avg', property: 'score', where: { sku: { ne: 'c' } } },
  aW: { op: 'avg', property: 'score', window: '30d' },
  mn: { op: 'min', property: 'score' },
  mnW: { op: 'min', property: '$revenue', window: '30d' },
  mx: { op: 'max', property: 'score' },
  mxW: { op: 'max', property: 'score', window: '60d' },
  f: { op: 'first', property: 'sku' },
  fW: { op: 'first', property: 'sku', window: '30d' },
  l: { op: 'last', property: 'sku' },
  lW: { op: 'last', property: 'sku', window: '30d' },
  d: { op: 'distinct', property: 'sku' },
  dW: { op: 'distinct', property: 'sku', window: '30d' },
  mo: { op: 'mode', property: 'sku' },
  moW: { op: 'mode', property: 'sku', window: '30d' },
  since: { op: 'first', property: '$timestamp', as: 'daysSince', window: '60d' },
};

const arbEvents = fc
  .array(
    fc.record({
      type: fc.constantFrom('track', 'track', 'track', 'page', 'identify'),
      name: fc.constantFrom('Order Completed', 'Ticket Closed', 'Product Viewed'),
      // Few distinct times, so ties in event time are common.
      at: fc.integer({ min: -1, max: 120 }).map((d) => NOW - d * DAY),
      hour: fc.constantFrom(0, 3 * HOUR, 13 * HOUR),
      channel: fc.option(fc.constantFrom('web', 'store', 'app'), { nil: undefined }),
      revenue: fc.option(fc.integer({ min: 0, max: 5_000_000 }), { nil: undefined }),
      score: fc.option(fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(0.1, 0.2, 0.3, 1.5, 19.99, -2.25)), { nil: undefined }),
      csat: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
      sku: fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { nil: undefined }),
    }),
    { maxLength: 40 },
  )
  .map((rows) =>
    rows.map(
      (r, i): AggregateEvent => ({
        messageId: `msg-${i}`,
        type: r.type,
        name: r.name,
        ts: r.at - r.hour,
        ...(r.channel === undefined ? {} : { channel: r.channel }),
        ...(r.revenue === undefined ? {} : { revenue: r.revenue }),
        properties: { score: r.score, csat: r.csat, sku: r.sku },
      }),
    ),
  );

describe('order independence and merging', () => {
  const c = compile(EVERY_OP);
  const fold = (events: readonly AggregateEvent[]) => foldAggregates(c, undefined, events, NOW);

  it('gives deep-equal states for any permutation of the events', () => {
    fc.assert(
      fc.property(
        arbEvents.chain((events) => fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length }))),
        ([events, shuffled]) => {
          const a = fold(events);
          const b = fold(shuffled);
          expect(b).toEqual(a);
          expect(evaluateAggregates(c, b, NOW)).toEqual(evaluateAggregates(c, a, NOW));
          expect(aggregatesNextChangeAt(c, b, NOW)).toBe(aggregatesNextChangeAt(c, a, NOW));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives the same state when two halves are folded apart and merged, or folded one after the other', () => {
    fc.assert(
      fc.property(
        arbEvents.chain((events) => fc.tuple(fc.constant(events), fc.array(fc.boolean(), { minLength: events.length, maxLength: events.length }))),
        ([events, sides]) => {
          const left = events.filter((_, i) => sides[i]);
          const right = events.filter((_, i) => !sides[i]);
          const whole = fold(events);
          const merged = mergeAggregateStates(c, fold(left), fold(right), NOW);
          expect(merged).toEqual(whole);
          expect(mergeAggregateStates(c, fold(right), fold(left), NOW)).toEqual(whole);
          expect(foldAggregates(c, fold(left), right, NOW)).toEqual(whole);
          const later = NOW + 45 * DAY;
          expect(evaluateAggregates(c, merged, later)).toEqual(evaluateAggregates(c, whole, later));
          expect(mergeAggregateStates(c, fold(left), fold(right), later)).toEqual(mergeAggregateStates(c, whole, {}, later));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the default computed traits: one mechanism, stored once', () => {
  const at = (daysAgo: number) => NOW - daysAgo * DAY;
  const unify = (messageId: string, daysAgo: number, fields: Partial<UnifyEvent>): UnifyEvent => ({
    messageId,
    type: 'track',
    timestamp: new Date(at(daysAgo)).toISOString(),
    ts: at(daysAgo),
    identifiers: [],
    traits: {},
    ...fields,
  });
  const events = [
    unify('o1', 30, { name: 'Order Completed', revenue: 1_250_000, properties: { status: 'paid' } }),
    unify('o2', 20, { name: 'Order Completed', revenue: 300_000, properties: { status: 'refunded' } }),
    unify('o3', 10, { name: 'Order Completed', revenue: 12_345, properties: { status: 'paid' } }),
    unify('v1', 5, { type: 'page', name: 'Home' }),
  ];
  const profileFor = (config: ReturnType<typeof parseConfig>) => {
    const derivations = compileDerivations(config.unification.computedTraits, config.unification.segments, []);
    const profile = applyEvents(emptyProfile('p-1', new Date(NOW).toISOString()), events, NOW / 1000, { compiled: derivations.computedTraits, nowMs: NOW }).profile;
    return { derivations, profile };
  };

  it('has the built-in counters as definitions with no user config, and keeps them beside a user config', () => {
    expect(parseConfig({}).unification.computedTraits).toMatchObject(DEFAULT_COMPUTED_TRAITS);
    const own = parseConfig({ unification: { computedTraits: { csat: { op: 'avg', event: 'Ticket Closed', property: 'csat' } }, segments: {} } });
    expect(Object.keys(own.unification.computedTraits).sort()).toEqual(['csat', 'eventCount', 'firstSeen', 'lastSeen', 'orderCount', 'totalRevenue']);
  });

  it('lets a user definition of the same name replace a default', () => {
    const paid = { op: 'count', event: 'Order Completed', where: { status: 'paid' } } as const;
    const c = parseConfig({ unification: { computedTraits: { orderCount: paid }, segments: {} } });
    expect(c.unification.computedTraits.orderCount).toEqual(paid);
  });

  it('serves the defaults and lifetimeValue from the stored counters: lifetimeValue and totalRevenue are one stored value', () => {
    const { derivations, profile } = profileFor(parseConfig({}));
    expect(derivations.computedTraits.served.map((t) => t.name).sort()).toEqual(['eventCount', 'firstSeen', 'lastSeen', 'lifetimeValue', 'orderCount', 'totalRevenue']);
    for (const name of ['eventCount', 'firstSeen', 'lastSeen', 'lifetimeValue', 'orderCount', 'totalRevenue']) expect(profile.aggregates ?? {}).not.toHaveProperty(name);
    // Only the traits with a state of their own and an event to fold (no tickets, no channels here).
    expect(Object.keys(profile.aggregates ?? {}).sort()).toEqual(['averageOrderValue', 'daysSinceLastOrder', 'lastOrderAt', 'ordersLast90Days']);
    const values = computedValues(profile, derivations, NOW);
    expect(values).toMatchObject({
      eventCount: 4,
      firstSeen: new Date(at(30)).toISOString(),
      lastSeen: new Date(at(5)).toISOString(),
      orderCount: 3,
      totalRevenue: 156.2345,
      lifetimeValue: 156.2345,
    });
  });

  it('gives a redefined orderCount its own state, and segments read the redefined value', () => {
    const config = parseConfig({
      unification: {
        computedTraits: { orderCount: { op: 'count', event: 'Order Completed', where: { status: 'paid' } } },
        segments: { threeOrders: { rule: { attr: 'computed.orderCount', op: 'gte', value: 3 } }, twoOrders: { rule: { attr: 'computed.orderCount', op: 'gte', value: 2 } } },
      },
      activation: { recommendations: { userAttributes: [] } },
    });
    const { derivations, profile } = profileFor(config);
    expect(Object.keys(profile.aggregates ?? {})).toEqual(['orderCount']);
    expect(profile.computed.orderCount).toBe(3);
    const subject = segmentSubject(profile, derivations, NOW);
    expect(subject.computed.orderCount).toBe(2);
    expect(evaluateSegments(derivations.segments, subject, NOW)).toEqual(['twoOrders']);
    expect(refreshProfile(profile, derivations, NOW).segments).toEqual({ twoOrders: new Date(NOW).toISOString() });
  });

  it('still rejects a segment naming an unknown computed trait, listing the defaults among the known ones', () => {
    expect(() =>
      parseConfig({ unification: { computedTraits: {}, segments: { busy: { rule: { attr: 'computed.evntCount', op: 'gte', value: 3 } } } } }),
    ).toThrow(/unification\.segments\.busy\.rule\.attr: unknown computed trait "evntCount" \(did you mean "eventCount"\?\).*eventCount, firstSeen, lastSeen, orderCount, totalRevenue/);
  });
});
