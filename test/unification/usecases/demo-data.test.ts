/**
 * The demo dataset has what recommendations, scores and campaigns need: a
 * catalog its events name, baskets that stay within a category, a year of
 * orders with lapsed and active customers, consent for most people, a time
 * zone and push tokens; and it is the same for the same seed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import { DEMO_CATALOG, demoCatalogCsv, generateDemo, type DemoEvent } from '../../../lambda/local/demo';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { unifySettings } from '../../../lambda/unification/settings';
import { unifyBatch } from '../../../lambda/unification/usecases/unify-batch';
import { record } from '../../support/events';

const NOW = Date.UTC(2026, 11, 1);
const DAY = 86_400_000;
const demo = generateDemo({ people: 120, seed: 5, now: NOW });
const named = (name: string) => demo.events.filter((e) => e.type === 'track' && e.event === name);
const props = (e: DemoEvent) => e.properties as Record<string, unknown>;
type Line = { product_id: string; sku: string; name: string; price: number; quantity: number };
const byId = new Map(DEMO_CATALOG.map((item) => [item.item_id, item]));

describe('the demo catalog', () => {
  it('is what samples/items.csv holds: forty items in five categories with brand and price', async () => {
    const text = await readFile(join(__dirname, '../../../samples/items.csv'), 'utf8');
    expect(text).toBe(demoCatalogCsv());
    const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(40);
    expect(Object.keys(rows[0] ?? {})).toEqual(['item_id', 'name', 'category', 'brand', 'price']);
    expect(new Set(rows.map((r) => r.category)).size).toBe(5);
    expect(new Set(rows.map((r) => r.item_id)).size).toBe(40);
    expect(rows.every((r) => Number(r.price) > 0)).toBe(true);
  });
});

describe('the demo shopping events', () => {
  it('name catalog items: views and cart adds by product_id with name, category and price, orders with a products list', () => {
    expect(named('Product Viewed').length).toBeGreaterThan(100);
    expect(named('Product Added').length).toBeGreaterThan(20);
    for (const e of [...named('Product Viewed'), ...named('Product Added')]) {
      const p = props(e);
      const item = byId.get(p.product_id as string);
      expect(item).toBeDefined();
      expect(p).toMatchObject({ sku: item?.item_id, name: item?.name, category: item?.category, price: item?.price });
    }
    for (const e of named('Order Completed')) {
      const lines = props(e).products as Line[];
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toEqual({ product_id: line.sku, sku: byId.get(line.sku)?.item_id, name: byId.get(line.sku)?.name, price: byId.get(line.sku)?.price, quantity: line.quantity });
      const total = Math.round(lines.reduce((sum, l) => sum + l.price * l.quantity, 0) * 100) / 100;
      expect(Number(props(e).revenue ?? props(e).total)).toBeCloseTo(total, 2);
    }
  });

  it('has baskets of several items that mostly stay within one category', () => {
    const multi = named('Order Completed').map((e) => props(e).products as Line[]).filter((lines) => lines.length > 1);
    expect(multi.length).toBeGreaterThan(30);
    const sameCategory = multi.filter((lines) => new Set(lines.map((l) => byId.get(l.sku)?.category)).size === 1);
    expect(sameCategory.length / multi.length).toBeGreaterThan(0.7);
  });

  it('spreads orders over the past year', () => {
    const ages = named('Order Completed').map((e) => (NOW - Date.parse(e.timestamp as string)) / DAY);
    expect(Math.max(...ages)).toBeGreaterThan(200);
    expect(Math.max(...ages)).toBeLessThanOrEqual(366);
    expect(ages.filter((a) => a < 30).length).toBeGreaterThan(10);
    expect(ages.filter((a) => a > 90).length).toBeGreaterThan(10);
  });

  it('puts the push token on app events of the people who have one, and nowhere else', () => {
    const withToken = demo.people.filter((p) => p.deviceToken !== undefined);
    expect(withToken.length).toBeGreaterThan(10);
    expect(new Set(withToken.map((p) => p.deviceToken)).size).toBe(withToken.length);
    const tokens = demo.events.map((e) => ((e.context as { device?: { token?: string } } | undefined)?.device?.token)).filter((t) => t !== undefined);
    expect(new Set(tokens)).toEqual(new Set(withToken.map((p) => p.deviceToken)));
    expect(demo.events.filter((e) => (e.context as { device?: { token?: string } } | undefined)?.device?.token !== undefined).every((e) => (e.context as { channel?: string }).channel === 'mobile')).toBe(true);
  });

  it('is the same for the same seed', () => {
    expect(generateDemo({ people: 20, seed: 9, now: NOW })).toEqual(generateDemo({ people: 20, seed: 9, now: NOW }));
    expect(generateDemo({ people: 20, seed: 9, now: NOW }).events).not.toEqual(generateDemo({ people: 20, seed: 10, now: NOW }).events);
  });
});

describe('the demo unified', () => {
  it('gives one profile per person, lapsed and recent buyers, consent for most people, and a time zone', async () => {
    const config = parseConfig({});
    const store = new MemoryProfileStore();
    let n = 0;
    const deps = { store, quarantine: { put: async () => {} }, settings: unifySettings(config), clock: () => NOW, newProfileId: () => `p${++n}`, sleep: async () => {} };
    const records = demo.events.map((e) => record(e, NOW));
    for (let i = 0; i < records.length; i += 250) expect((await unifyBatch(records.slice(i, i + 250), `b${i}`, 'test', deps)).quarantined).toBe(0);
    const live = [...store.profiles.values()].filter((p) => p.mergedInto === undefined && p.computed.eventCount > 0);
    const people = demo.people.map((person) => live.find((p) => p.identifiers.email?.includes(person.email)));
    expect(people.every((p) => p !== undefined)).toBe(true);
    // One profile per person: nobody merged with someone else (push tokens are per person), nobody split.
    demo.people.forEach((person, i) => {
      expect(live.filter((p) => p.identifiers.email?.includes(person.email))).toHaveLength(1);
      expect(people[i]?.identifiers.email).toEqual([person.email]);
      if (person.channels.includes('crm')) expect(people[i]?.identifiers.userId).toEqual([person.userId]);
      if (person.deviceToken !== undefined) expect(people[i]?.identifiers.deviceToken).toEqual([person.deviceToken]);
    });
    const inSegment = (name: string) => live.filter((p) => p.segments?.[name] !== undefined).length;
    expect(inSegment('lapsedCustomers')).toBeGreaterThan(15);
    expect(inSegment('recentBuyers')).toBeGreaterThan(15);
    const decided = people.filter((p) => Object.keys(p?.consent ?? {}).some((purpose) => ['marketing_email', 'marketing_sms', 'marketing_push', 'personalization', 'advertising'].includes(purpose)));
    expect(decided.length / people.length).toBeGreaterThan(0.6);
    // A mix of answers, not one answer for all.
    const emailStates = new Set(people.map((p) => p?.consent?.marketing_email?.at(-1)?.status).filter((s) => s !== undefined));
    expect(emailStates).toEqual(new Set(['granted', 'denied']));
    const zones = people.map((p) => p?.traits.timezone?.v).filter((z): z is string => typeof z === 'string');
    expect(zones.length / people.length).toBeGreaterThan(0.9);
    expect(new Set(zones).size).toBeGreaterThan(3);
    expect(zones.every((z) => new Intl.DateTimeFormat('en-US', { timeZone: z }).resolvedOptions().timeZone === z)).toBe(true);
    expect(live.filter((p) => p.identifiers.deviceToken !== undefined).length).toBe(demo.people.filter((p) => p.deviceToken !== undefined).length);
  });
});
