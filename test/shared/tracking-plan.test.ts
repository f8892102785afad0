/** The tracking plan's checks on plain data: violations of each kind, modes per source, unplanned events, the collector's flag. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/config';
import type { TrackingPlan } from '../../lambda/config/tracking-plan';
import {
  MAX_VIOLATIONS,
  UNPLANNED_REASON,
  checkEvent,
  markChecked,
  planIsEmpty,
  planVerdict,
  rejectionReason,
  wasChecked,
} from '../../lambda/shared/tracking-plan';

const plan = (input: Record<string, unknown>): TrackingPlan => parseConfig({ trackingPlan: input }).trackingPlan;

const ORDERS = plan({
  sources: { pos: 'block' },
  events: {
    'Order Completed': {
      properties: {
        order_id: { type: 'string', pattern: '^[A-Z]-\\d+$' },
        revenue: { type: 'number', min: 0, max: 10000 },
        quantity: { type: 'integer', min: 1 },
        currency: { type: 'string', enum: ['USD', 'EUR'] },
        gift: { type: 'boolean' },
        shipping: { type: 'object' },
        products: { type: 'array', max: 2 },
        note: { type: 'string', max: 5 },
      },
      required: ['order_id', 'revenue'],
      additionalProperties: false,
    },
    'Product Viewed': { properties: { sku: { type: 'string' } } },
  },
  identify: { properties: { email: { type: 'string' } }, required: ['email'] },
});

const order = (properties: Record<string, unknown>) => ({ type: 'track', event: 'Order Completed', userId: 'u1', properties });

describe('checkEvent', () => {
  it('finds nothing wrong with an event that keeps the plan', () => {
    const ok = order({ order_id: 'W-1', revenue: 12.5, quantity: 2, currency: 'USD', gift: false, shipping: { city: 'X' }, products: [{}], note: 'hi' });
    expect(checkEvent(ORDERS, ok)).toEqual([]);
  });

  it('names every property at fault and why', () => {
    const bad = order({ order_id: 'w1', quantity: 1.5, currency: 'GBP', gift: 'yes', shipping: [], products: [1, 2, 3], note: 'too long', coupon: 'X' });
    expect(checkEvent(ORDERS, bad)).toEqual([
      { property: 'revenue', reason: 'required' },
      { property: 'order_id', reason: 'does not match ^[A-Z]-\\d+$' },
      { property: 'quantity', reason: 'expected integer, got a fraction' },
      { property: 'currency', reason: 'not one of "USD", "EUR"' },
      { property: 'gift', reason: 'expected boolean, got string' },
      { property: 'shipping', reason: 'expected object, got array' },
      { property: 'products', reason: 'items above max 2' },
      { property: 'note', reason: 'length above max 5' },
      { property: 'coupon', reason: 'not declared in the tracking plan' },
    ]);
  });

  it('checks bounds of numbers, and treats null as absent', () => {
    expect(checkEvent(ORDERS, order({ order_id: 'W-1', revenue: -1 }))).toEqual([{ property: 'revenue', reason: 'below min 0' }]);
    expect(checkEvent(ORDERS, order({ order_id: 'W-1', revenue: 10001 }))).toEqual([{ property: 'revenue', reason: 'above max 10000' }]);
    expect(checkEvent(ORDERS, order({ order_id: 'W-1', revenue: 'NaN' }))).toEqual([{ property: 'revenue', reason: 'expected number, got string' }]);
    expect(checkEvent(ORDERS, order({ order_id: null, revenue: 1, note: null }))).toEqual([{ property: 'order_id', reason: 'required' }]);
  });

  it('reads a missing properties object as empty and refuses one that is not an object', () => {
    expect(checkEvent(ORDERS, { type: 'track', event: 'Order Completed', userId: 'u1' })).toEqual([
      { property: 'order_id', reason: 'required' },
      { property: 'revenue', reason: 'required' },
    ]);
    expect(checkEvent(ORDERS, { type: 'track', event: 'Order Completed', properties: 'x' })).toEqual([{ reason: 'properties must be an object' }]);
  });

  it('checks identify traits against the identify schema, and allows undeclared properties by default', () => {
    expect(checkEvent(ORDERS, { type: 'identify', userId: 'u1', traits: { name: 'Ana' } })).toEqual([{ property: 'email', reason: 'required' }]);
    expect(checkEvent(ORDERS, { type: 'identify', userId: 'u1', traits: { email: 'a@example.com', name: 'Ana' } })).toEqual([]);
    expect(checkEvent(ORDERS, { type: 'track', event: 'Product Viewed', properties: { sku: 'S1', extra: 1 } })).toEqual([]);
  });

  it('says nothing about events the plan has no schema for', () => {
    expect(checkEvent(ORDERS, { type: 'track', event: 'Unknown', properties: { x: 1 } })).toEqual([]);
    expect(checkEvent(ORDERS, { type: 'page', name: 'Home' })).toEqual([]);
    expect(checkEvent(plan({}), { type: 'identify', traits: {} })).toEqual([]);
  });

  it(`keeps at most ${MAX_VIOLATIONS} violations`, () => {
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`p${i}`, i]));
    expect(checkEvent(ORDERS, order({ order_id: 'W-1', revenue: 1, ...many }))).toHaveLength(MAX_VIOLATIONS);
  });
});

describe('planVerdict', () => {
  const bad = order({ order_id: 'W-1' });

  it('flags a violation where the mode is allow and rejects it where the source blocks', () => {
    expect(planVerdict(ORDERS, 'web', bad)).toEqual({ action: 'flag', violations: [{ property: 'revenue', reason: 'required' }] });
    expect(planVerdict(ORDERS, 'pos', bad)).toEqual({ action: 'reject', violations: [{ property: 'revenue', reason: 'required' }] });
    expect(planVerdict(ORDERS, 'pos', order({ order_id: 'W-1', revenue: 1 }))).toEqual({ action: 'accept', violations: [] });
  });

  it('blocks every source when the default mode is block, but a source may allow', () => {
    const strict = plan({ mode: 'block', sources: { legacy: 'allow' }, events: { A: { properties: { x: { type: 'string' } }, required: ['x'] } } });
    const event = { type: 'track', event: 'A', properties: {} };
    expect(planVerdict(strict, 'web', event).action).toBe('reject');
    expect(planVerdict(strict, 'legacy', event).action).toBe('flag');
  });

  it('accepts unplanned events by default and rejects them, in any mode, when unplannedEvents is block', () => {
    const unknown = { type: 'track', event: 'Unknown' };
    expect(planVerdict(ORDERS, 'web', unknown)).toEqual({ action: 'accept', violations: [] });
    const closed = plan({ unplannedEvents: 'block', events: { A: {} } });
    expect(planVerdict(closed, 'web', unknown)).toEqual({ action: 'reject', violations: [{ reason: UNPLANNED_REASON }] });
    expect(planVerdict(closed, 'web', { type: 'track', event: 'A' }).action).toBe('accept');
    // Only track events are planned by name: other calls are not "unplanned".
    expect(planVerdict(closed, 'web', { type: 'page', name: 'Home' }).action).toBe('accept');
  });

  it('accepts everything with the default (empty) plan', () => {
    const empty = plan({});
    expect(planIsEmpty(empty)).toBe(true);
    expect(planIsEmpty(ORDERS)).toBe(false);
    expect(planVerdict(empty, 'web', { type: 'track', event: 'Anything', properties: { a: 1 } })).toEqual({ action: 'accept', violations: [] });
  });
});

describe('reasons and the collector flag', () => {
  it('writes the rejection reason as tracking plan: <event>: <reasons>', () => {
    expect(rejectionReason(order({}), [{ property: 'order_id', reason: 'required' }, { property: 'revenue', reason: 'required' }])).toBe(
      'tracking plan: Order Completed: order_id: required; revenue: required',
    );
    expect(rejectionReason({ type: 'identify' }, [{ reason: UNPLANNED_REASON }])).toBe(`tracking plan: identify: ${UNPLANNED_REASON}`);
  });

  it('marks an event checked, with its violations only when flagged, keeping the rest of its context', () => {
    const event = { type: 'track', event: 'X', context: { source: 'web', c360: { plan: 'no', violations: ['forged'] } } };
    const flagged = markChecked(event, { action: 'flag', violations: [{ property: 'a', reason: 'required' }] });
    expect(flagged.context).toEqual({ source: 'web', c360: { plan: 'checked', violations: [{ property: 'a', reason: 'required' }] } });
    const clean = markChecked(event, { action: 'accept', violations: [] });
    expect(clean.context).toEqual({ source: 'web', c360: { plan: 'checked' } });
    expect(wasChecked(clean)).toBe(true);
    expect(wasChecked(event)).toBe(false);
    expect(wasChecked({ type: 'track' })).toBe(false);
    expect(event.context.c360.plan).toBe('no');
  });
});
