import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import { parseEvent, type UnifyEvent } from '../../../lambda/shared/events';
import { eventInteractions, interactionMapping, mapEvent } from '../../../lambda/activation/core/interactions';
import { parseOptions } from '../../support/events';

const mapping = interactionMapping(parseConfig({}).activation.recommendations);
const NOW = Date.UTC(2026, 10, 2);

function parsed(event: Record<string, unknown>): UnifyEvent {
  const result = parseEvent(JSON.stringify({ type: 'track', messageId: 'm-1', timestamp: '2026-11-01T10:00:00.000Z', anonymousId: 'anon-1', ...event }), NOW, { ...parseOptions, now: NOW });
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

describe('interactions from track events', () => {
  it('records one interaction for an event naming its own item, typed by the mapping', () => {
    const out = eventInteractions(parsed({ event: 'Product Viewed', properties: { sku: 'SKU-1', price: 10 } }), mapping, 'p-1');
    expect(out?.interactions).toEqual([
      { profileId: 'p-1', itemId: 'SKU-1', eventType: 'View', at: Date.UTC(2026, 10, 1, 10), messageId: 'm-1#0', sessionId: 'anon-1' },
    ]);
    expect(out?.rejected).toEqual([]);
  });

  it('takes the first item id property present: product_id before sku', () => {
    const out = eventInteractions(parsed({ event: 'Product Added', properties: { product_id: 42, sku: 'SKU-9' } }), mapping, 'p-1');
    expect(out?.interactions.map((i) => [i.itemId, i.eventType])).toEqual([['42', 'AddToCart']]);
  });

  it('records each entry of the products list, with the value of the product, else of the event', () => {
    const event = parsed({
      event: 'Order Completed',
      properties: { price: 99, revenue: 150, products: [{ sku: 'A', price: 20 }, { product_id: 'B' }, { sku: 'C', price: 'not a number' }] },
    });
    const out = eventInteractions(event, mapping, 'p-1');
    expect(out?.interactions.map((i) => ({ itemId: i.itemId, value: i.eventValue, messageId: i.messageId, type: i.eventType }))).toEqual([
      { itemId: 'A', value: 20, messageId: 'm-1#0', type: 'Purchase' },
      { itemId: 'B', value: 99, messageId: 'm-1#1', type: 'Purchase' },
      { itemId: 'C', value: 99, messageId: 'm-1#2', type: 'Purchase' },
    ]);
  });

  it('sends no value for a mapping without one, nor a non-numeric one', () => {
    const viewed = eventInteractions(parsed({ event: 'Product Viewed', properties: { sku: 'A', price: 5 } }), mapping, 'p-1');
    expect(viewed?.interactions[0]).not.toHaveProperty('eventValue');
    const order = eventInteractions(parsed({ event: 'Order Completed', properties: { revenue: 1, products: [{ sku: 'A', price: 'n/a' }] } }), mapping, 'p-1');
    expect(order?.interactions[0]).not.toHaveProperty('eventValue');
  });

  it('rejects products without an id, with the reason, and keeps the others', () => {
    const out = mapEvent(parsed({ event: 'Order Completed', properties: { revenue: 3, products: [{ name: 'no id' }, 'text', { sku: 'ok' }] } }), mapping);
    expect(out?.items.map((i) => i.itemId)).toEqual(['ok']);
    expect(out?.items[0]?.messageId).toBe('m-1#2');
    expect(out?.rejected).toEqual([
      { index: 0, reason: 'products[0] has no product_id or sku' },
      { index: 1, reason: 'products[1] is not an object' },
    ]);
  });

  it('rejects a mapped event with neither an item id nor products', () => {
    const out = mapEvent(parsed({ event: 'Product Viewed', properties: { name: 'x' } }), mapping);
    expect(out?.items).toEqual([]);
    expect(out?.rejected).toEqual([{ reason: 'no item id: the event has no product_id or sku and no products list' }]);
  });

  it('records nothing for events the mapping does not name, nor for other call types', () => {
    expect(mapEvent(parsed({ event: 'Ticket Closed', properties: { sku: 'A' } }), mapping)).toBeUndefined();
    const page = parseEvent(JSON.stringify({ type: 'page', messageId: 'p', anonymousId: 'a', name: 'Product Viewed', properties: { sku: 'A' } }), NOW, { ...parseOptions, now: NOW });
    expect(page.ok && mapEvent(page.event, mapping)).toBeUndefined();
  });

  it('uses the profile id as the session when the event has no anonymous id', () => {
    const result = parseEvent(JSON.stringify({ type: 'track', messageId: 'm-2', userId: 'u-1', event: 'Product Viewed', properties: { sku: 'A' } }), NOW, { ...parseOptions, now: NOW });
    if (!result.ok) throw new Error(result.reason);
    expect(eventInteractions(result.event, mapping, 'p-7')?.interactions[0]?.sessionId).toBe('p-7');
  });

  it('counts an item repeated in one event once', () => {
    const out = mapEvent(parsed({ event: 'Order Completed', properties: { revenue: 2, products: [{ sku: 'A' }, { sku: 'A' }] } }), mapping);
    expect(out?.items.map((i) => i.itemId)).toEqual(['A']);
  });

  it('follows a configured mapping: other event names, value properties and id properties', () => {
    const custom = interactionMapping(
      parseConfig({ activation: { recommendations: { events: { 'Item Rated': { type: 'Rating', value: 'stars' } }, itemIdProperties: ['item'] } } }).activation.recommendations,
    );
    const out = eventInteractions(parsed({ event: 'Item Rated', properties: { item: 'X', stars: '4' } }), custom, 'p-1');
    expect(out?.interactions.map((i) => [i.itemId, i.eventType, i.eventValue])).toEqual([['X', 'Rating', 4]]);
  });
});
