/**
 * The PII classification over the lake's real column lists: every column of
 * every table (raw events, quarantine, curated exports with the config's
 * computed traits, segment history) gets a class; contact and name columns
 * are direct, counts none, the JSON columns direct; a config override
 * changes a column's class and unlisted fields take `unknownFields`; and
 * the column policy a role derives from it.
 */
import { describe, expect, it } from 'vitest';
import { EXPORT_TABLE_COLUMNS, SEGMENT_EVENT_COLUMNS, profileTableColumns } from '../../lambda/analytics/contracts/curated';
import { parseConfig } from '../../lambda/config';
import { config } from '../../lambda/config/load';
import {
  MASK,
  PII_CLASSES,
  classification,
  columnClassification,
  columnPolicy,
  governanceRoles,
} from '../../lambda/governance/contracts/classification';
import { QUARANTINE_COLUMNS, RAW_EVENT_COLUMNS } from '../../lib/constructs/collection/raw-lake';

const c = classification(config);

/** Every lake table and its columns, from the contracts the tables are built from. */
const LAKE_TABLES: Record<string, readonly string[]> = {
  raw_events: RAW_EVENT_COLUMNS.map((col) => col.name),
  quarantine: QUARANTINE_COLUMNS.map((col) => col.name),
  ...Object.fromEntries(Object.entries(EXPORT_TABLE_COLUMNS).map(([t, cols]) => [t, cols.map((col) => col.name)])),
  profiles: profileTableColumns(config).map((col) => col.name),
  segment_events: SEGMENT_EVENT_COLUMNS.map((col) => col.name),
};

/** The computed-trait columns of the deployment's config (c360.config.ts). */
const computed = LAKE_TABLES.profiles!.filter((name) => name.startsWith('computed_'));

const classOf = (column: string, cl = c) => columnClassification(cl, column).class;

describe('columnClassification over the lake tables', () => {
  it('gives every column of every lake table a class and a category', () => {
    let columns = 0;
    for (const [table, names] of Object.entries(LAKE_TABLES)) {
      expect(names.length, table).toBeGreaterThan(0);
      for (const name of names) {
        const fc = columnClassification(c, name);
        expect(PII_CLASSES, `${table}.${name}`).toContain(fc.class);
        expect(fc.category, `${table}.${name}`).toMatch(/^[a-z][a-z0-9_]*$/);
        columns++;
      }
    }
    expect(columns).toBeGreaterThan(60);
  });

  it('marks contact details and names direct, wherever they are columns', () => {
    for (const column of ['email', 'phone', 'first_name', 'last_name', 'user_id', 'userid', 'previousid']) expect(classOf(column), column).toBe('direct');
    expect(LAKE_TABLES.profiles).toEqual(expect.arrayContaining(['email', 'phone', 'first_name']));
  });

  it('marks counts, times and names of things none', () => {
    expect(computed.length).toBeGreaterThan(0);
    for (const column of ['event_count', 'order_count', 'total_revenue', 'created_at', 'segment', 'type', 'event', 'reason', 'export_id', ...computed]) {
      expect(classOf(column), column).toBe('none');
    }
  });

  it('marks the JSON columns and the whole records direct: they may hold any field', () => {
    for (const column of ['traits', 'context', 'data', 'rawdata', 'identifier_value', 'matched_with_value', 'partitionkey']) expect(classOf(column), column).toBe('direct');
  });

  it('marks pseudonymous ids indirect', () => {
    for (const column of ['profile_id', 'merged_profile_id', 'profileid', 'messageid', 'anonymousid']) expect(classOf(column), column).toBe('indirect');
  });

  it('follows a config override of the field a column holds', () => {
    expect(classOf('city')).toBe('indirect');
    const overridden = classification(parseConfig({ governance: { classification: { fields: { 'traits.city': { class: 'direct', category: 'location' } } } } }));
    expect(columnClassification(overridden, 'city')).toEqual({ class: 'direct', category: 'location' });
  });

  it('gives unlisted fields the unknownFields class, and JSON columns at least that class', () => {
    expect(c.field('traits.favouriteColour').class).toBe('indirect');
    const strict = classification(parseConfig({ governance: { classification: { unknownFields: 'direct' } } }));
    expect(strict.field('traits.favouriteColour').class).toBe('direct');
    expect(strict.field('properties.coupon').class).toBe('direct');
    expect(columnClassification(strict, 'properties').class).toBe('direct');
    const lax = classification(parseConfig({ governance: { classification: { unknownFields: 'none' } } }));
    expect(columnClassification(lax, 'properties').class).toBe('direct');
  });

  it('classifies a nested key by its closest listed parent', () => {
    expect(c.field('context.traits.email').class).toBe('direct');
    expect(c.field('traits.address.city').class).toBe('indirect');
    expect(c.field('traits.address.zip').class).toBe('direct');
  });
});

describe('columnPolicy', () => {
  const roles = governanceRoles(config);
  const analyst = columnPolicy(c, 'analyst', roles.analyst!);
  const steward = columnPolicy(c, 'steward', roles.steward!);

  it('reads every column in clear for the steward', () => {
    for (const [table, names] of Object.entries(LAKE_TABLES)) for (const name of names) expect(steward.column(table, name), `${table}.${name}`).toEqual({ kind: 'clear' });
  });

  it('masks the analyst\'s direct columns, pseudonymises join keys and governs JSON by key', () => {
    expect(analyst.column('profiles', 'email')).toEqual({ kind: 'mask' });
    expect(analyst.column('profiles', 'user_id')).toEqual({ kind: 'pseudonym' });
    expect(analyst.column('profiles', 'city')).toEqual({ kind: 'clear' });
    expect(analyst.column('raw_events', 'traits')).toEqual({ kind: 'json', scope: 'traits' });
    expect(analyst.column('quarantine', 'data')).toEqual({ kind: 'json', scope: 'record' });
    expect(analyst.column('identities', 'identifier_value')).toEqual({ kind: 'typed', typeColumn: 'identifier_type' });
    expect(analyst.identifier('email')).toBe('pseudonym');
    expect(analyst.identifier('anonymousId')).toBe('clear');
  });

  it('masks each JSON leaf by its own field key', () => {
    expect(analyst.json('traits', { email: 'a@b.co', city: 'Salem', address: { street: '1 Main', city: 'Salem' }, tags: ['x'] })).toEqual({
      email: MASK,
      city: 'Salem',
      address: { street: MASK, city: 'Salem' },
      tags: ['x'],
    });
    expect(analyst.json('context', { channel: 'web', ip: '10.0.0.1', traits: { phone: '+15035550101' } })).toEqual({ channel: 'web', ip: MASK, traits: { phone: MASK } });
    expect(analyst.json('record', { type: 'identify', userId: 'u1', anonymousId: 'a1', traits: { email: 'a@b.co' } })).toEqual({
      type: 'identify',
      userId: MASK,
      anonymousId: 'a1',
      traits: { email: MASK },
    });
  });

  it('removes what the role may not see when its otherwise is omit', () => {
    const cfg = parseConfig({ governance: { roles: { marketing: { sees: ['none'], otherwise: 'omit' } } } });
    const marketing = columnPolicy(classification(cfg), 'marketing', governanceRoles(cfg).marketing!);
    expect(marketing.column('profiles', 'email')).toEqual({ kind: 'omit' });
    expect(marketing.column('profiles', 'city')).toEqual({ kind: 'omit' });
    expect(marketing.column('profiles', 'country')).toEqual({ kind: 'clear' });
    expect(marketing.json('traits', { email: 'a@b.co', loyaltyTier: 'gold', city: 'Salem' })).toEqual({ loyaltyTier: 'gold' });
    expect(marketing.identifier('anonymousId')).toBe('omit');
  });

  it('lists analyst and steward, and the config\'s own roles', () => {
    const cfg = parseConfig({ governance: { roles: { marketing: { sees: ['none'] } } } });
    expect(Object.keys(governanceRoles(cfg)).sort()).toEqual(['analyst', 'marketing', 'steward']);
  });
});

describe('the erasure reach', () => {
  it('searches the values of every trait the classification marks direct, a config override included', async () => {
    const { classification, directTraitNames } = await import('../../lambda/governance/contracts/classification');
    const { parseConfig } = await import('../../lambda/config');
    const names = directTraitNames(classification(parseConfig({ governance: { classification: { fields: { 'traits.loyaltyCard': { class: 'direct' }, 'traits.city': { class: 'direct' } } } } })));
    expect(names).toEqual(expect.arrayContaining(['email', 'phone', 'firstName', 'lastName', 'address', 'loyaltyCard', 'city']));
    expect(directTraitNames(classification(parseConfig({})))).not.toContain('city');
  });
});
