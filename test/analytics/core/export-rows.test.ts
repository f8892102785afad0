import { describe, expect, it } from 'vitest';
import {
  computedTraitColumns,
  computedTraitColumnType,
  PROFILE_COLUMNS,
  profileTableColumns,
  snakeCase,
} from '../../../lambda/analytics/contracts/curated';
import { exportRows } from '../../../lambda/analytics/core/export-rows';
import { parseConfig } from '../../../lambda/config';
import type { UnifyEvent } from '../../../lambda/shared/events';
import { customerRecordReader } from '../../../lambda/unification/contracts/customer-record';
import { applyEvents, emptyProfile, mergeProfiles, recordRejected, type Profile } from '../../../lambda/unification/core/profile/profile';
import { compileComputedTraits } from '../../../lambda/unification/core/traits/compile';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1, 10);
const iso = (ms: number) => new Date(ms).toISOString();

const config = parseConfig({
  unification: {
    computedTraits: {
      lifetimeValue: { op: 'sum', event: 'Order Completed', property: '$revenue' },
      ordersLast7Days: { op: 'count', event: 'Order Completed', window: '7d' },
      lastOrderAt: { op: 'last', event: 'Order Completed', property: '$timestamp' },
      daysSinceLastOrder: { op: 'last', event: 'Order Completed', property: '$timestamp', as: 'daysSince' },
      preferredChannel: { op: 'mode', property: '$channel' },
      orderCount: { op: 'count', event: 'Order Completed' },
    },
    segments: {},
  },
});
const fold = (nowMs: number) => ({ compiled: compileComputedTraits(config.unification.computedTraits), nowMs });
const columns = computedTraitColumns(config);
const read = customerRecordReader(config);

function event(messageId: string, ts: number, fields: Partial<UnifyEvent>): UnifyEvent {
  return { messageId, type: 'track', timestamp: iso(ts), ts, identifiers: [], traits: {}, ...fields };
}

/** A shopper whose web visits (an order) were merged with the CRM's record, with a rejected identifier and a segment. */
function shopper(): Profile {
  const web = applyEvents(
    emptyProfile('p-web', iso(T0)),
    [event('w1', T0, { name: 'Order Completed', revenue: 425_000, channel: 'web', identifiers: [{ type: 'anonymousId', value: 'a-1' }] })],
    T0 / 1000,
    fold(T0),
  ).profile;
  const crm = applyEvents(
    emptyProfile('p-crm', iso(T0 - DAY)),
    [
      event('c1', T0 - DAY, {
        type: 'identify',
        channel: 'crm',
        identifiers: [
          { type: 'userId', value: 'u-1' },
          { type: 'email', value: 'ana@example.org' },
        ],
        traits: {
          email: 'Ana@Example.org',
          phone: '+447700900123',
          firstName: 'Ana',
          lastName: 'Lima',
          address: { city: 'London', country: 'GB', postalCode: 'SW1A 1AA' },
          loyalty: { tier: 'gold' },
        },
      }),
    ],
    T0 / 1000,
    fold(T0),
  ).profile;
  const merged = mergeProfiles(
    web,
    crm,
    {
      at: iso(T0 + DAY),
      survivor: 'p-web',
      merged: 'p-crm',
      rule: 'shared-identifier',
      identifier: { type: 'userId', value: 'u-1' },
      matchedWith: { type: 'anonymousId', value: 'a-1' },
      messageId: 'link-1',
    },
    fold(T0 + DAY),
  );
  const rejected = recordRejected(merged, [{ type: 'email', value: 'test@example.com', reason: 'blocked value', messageId: 'w3', at: iso(T0 + 2000) }]);
  return { ...rejected, segments: { buyers: iso(T0 + 5000), vip: iso(T0 + DAY) }, enriched: { region: 'London' }, updatedAt: iso(T0 + DAY) };
}

describe('export rows of a customer record', () => {
  it('fills the fixed profiles columns from counters, identifiers and the Segment-spec traits', () => {
    const row = exportRows(read(shopper(), T0 + 3 * DAY), columns).profiles[0]!;
    expect(row).toMatchObject({
      profile_id: 'p-web',
      created_at: T0 - DAY,
      updated_at: T0 + DAY,
      first_seen: T0 - DAY,
      last_seen: T0,
      event_count: 2,
      order_count: 1,
      total_revenue: 42.5,
      user_id: 'u-1',
      email: 'Ana@Example.org',
      phone: '+447700900123',
      first_name: 'Ana',
      last_name: 'Lima',
      city: 'London',
      country: 'GB',
      postcode: 'SW1A 1AA',
      identifier_count: 3,
      merged_from_count: 1,
      segment_count: 2,
      consent: null,
    });
    expect(JSON.parse(row.channels as string)).toEqual({ web: 1, crm: 1 });
    expect(JSON.parse(row.traits as string)).toMatchObject({ firstName: 'Ana', loyalty: { tier: 'gold' }, address: { city: 'London' } });
    expect(JSON.parse(row.enriched as string)).toEqual({ region: 'London' });
  });

  it('puts every column of the contract in the profiles row, fixed then computed', () => {
    const row = exportRows(read(shopper(), T0), columns).profiles[0]!;
    expect(Object.keys(row)).toEqual(profileTableColumns(config).map((c) => c.name));
  });

  it('types the computed traits as their columns say, evaluated at the export time', () => {
    const at3 = exportRows(read(shopper(), T0 + 3 * DAY), columns).profiles[0]!;
    expect(at3).toMatchObject({
      computed_lifetime_value: 42.5,
      computed_orders_last_7_days: 1,
      computed_last_order_at: T0,
      computed_days_since_last_order: 3,
      computed_preferred_channel: 'crm',
      computed_order_count: 1,
    });
    const at10 = exportRows(read(shopper(), T0 + 10 * DAY), columns).profiles[0]!;
    expect(at10).toMatchObject({ computed_orders_last_7_days: 0, computed_days_since_last_order: 10, computed_last_order_at: T0 });
  });

  it('writes one identities row per identifier, one merge row per merge, one row per segment and per rejected identifier', () => {
    const rows = exportRows(read(shopper(), T0), columns);
    expect(rows.identities).toEqual(
      expect.arrayContaining([
        { profile_id: 'p-web', identifier_type: 'anonymousId', identifier_value: 'a-1' },
        { profile_id: 'p-web', identifier_type: 'userId', identifier_value: 'u-1' },
        { profile_id: 'p-web', identifier_type: 'email', identifier_value: 'ana@example.org' },
      ]),
    );
    expect(rows.identities).toHaveLength(3);
    expect(rows.identity_merges).toEqual([
      {
        profile_id: 'p-web',
        merged_profile_id: 'p-crm',
        rule: 'shared-identifier',
        identifier_type: 'userId',
        identifier_value: 'u-1',
        matched_with_type: 'anonymousId',
        matched_with_value: 'a-1',
        message_id: 'link-1',
        match_id: null,
        match_rule: null,
        merged_at: T0 + DAY,
      },
    ]);
    expect(rows.segment_membership).toEqual([
      { profile_id: 'p-web', segment: 'buyers', entered_at: T0 + 5000 },
      { profile_id: 'p-web', segment: 'vip', entered_at: T0 + DAY },
    ]);
    expect(rows.rejected_identifiers).toEqual([
      { profile_id: 'p-web', identifier_type: 'email', identifier_value: 'test@example.com', reason: 'blocked value', message_id: 'w3', rejected_at: T0 + 2000 },
    ]);
  });

  it('records a batch match with its match group and rule', () => {
    const p = shopper();
    const matched: Profile = {
      ...p,
      merges: [{ at: iso(T0), survivor: 'p-web', merged: 'p-old', rule: 'matched', matchId: 'mg-7', matchRule: 'name+dob' }],
    };
    expect(exportRows(read(matched, T0), columns).identity_merges).toEqual([
      expect.objectContaining({ merged_profile_id: 'p-old', rule: 'matched', match_id: 'mg-7', match_rule: 'name+dob', identifier_type: null, message_id: null }),
    ]);
  });

  it('reads top-level and snake-case trait spellings, and leaves non-text traits out of text columns', () => {
    const p = shopper();
    const other: Profile = {
      ...p,
      traits: {
        first_name: { v: 'Bea', t: 1, m: 'a' },
        last_name: { v: 'Ng', t: 1, m: 'a' },
        city: { v: 'Leeds', t: 1, m: 'a' },
        country: { v: 'GB', t: 1, m: 'a' },
        postcode: { v: 'LS1', t: 1, m: 'a' },
        email: { v: { nested: true }, t: 1, m: 'a' },
        phone: { v: 447700900123, t: 1, m: 'a' },
      },
    };
    expect(exportRows(read(other, T0), columns).profiles[0]).toMatchObject({
      first_name: 'Bea',
      last_name: 'Ng',
      city: 'Leeds',
      country: 'GB',
      postcode: 'LS1',
      email: null,
      phone: '447700900123',
    });
  });

  it('exports a profile with no events yet with nulls where there is nothing', () => {
    const rows = exportRows(read(emptyProfile('p-0', iso(T0)), T0), columns);
    expect(rows.profiles[0]).toMatchObject({ first_seen: null, last_seen: null, user_id: null, email: null, computed_last_order_at: null, computed_lifetime_value: 0 });
    expect([rows.identities, rows.identity_merges, rows.segment_membership, rows.rejected_identifiers]).toEqual([[], [], [], []]);
  });
});

describe('computed-trait columns of profiles', () => {
  it('names each computed_<snake case>, typed by its op, after the fixed columns', () => {
    const all = profileTableColumns(parseConfig({}));
    expect(all.slice(0, PROFILE_COLUMNS.length)).toEqual(PROFILE_COLUMNS);
    expect(Object.fromEntries(all.slice(PROFILE_COLUMNS.length).map((c) => [c.name, c.type]))).toEqual({
      // The default computed traits, merged under the example ones.
      computed_event_count: 'bigint',
      computed_first_seen: 'timestamp',
      computed_last_seen: 'timestamp',
      computed_total_revenue: 'double',
      computed_lifetime_value: 'double',
      computed_order_count: 'bigint',
      computed_average_order_value: 'double',
      computed_days_since_last_order: 'bigint',
      computed_last_order_at: 'timestamp',
      computed_orders_last_90_days: 'bigint',
      computed_average_csat: 'double',
      computed_preferred_channel: 'string',
    });
  });

  it('types min, max, first, last and distinct by what they read', () => {
    expect(computedTraitColumnType({ op: 'min', property: '$timestamp' })).toBe('timestamp');
    expect(computedTraitColumnType({ op: 'max', property: '$timestamp', as: 'daysSince' })).toBe('bigint');
    expect(computedTraitColumnType({ op: 'max', property: 'csat' })).toBe('double');
    expect(computedTraitColumnType({ op: 'first', property: '$revenue' })).toBe('double');
    expect(computedTraitColumnType({ op: 'first', property: 'plan' })).toBe('string');
    expect(computedTraitColumnType({ op: 'last', property: '$channel' })).toBe('string');
    expect(computedTraitColumnType({ op: 'distinct', property: 'sku' })).toBe('bigint');
  });

  it('snake-cases camel case, acronyms and numbers', () => {
    expect(snakeCase('lifetimeValue')).toBe('lifetime_value');
    expect(snakeCase('ordersLast90Days')).toBe('orders_last_90_days');
    expect(snakeCase('NPSScore')).toBe('nps_score');
    expect(snakeCase('already_snake')).toBe('already_snake');
  });

  it('fails with the config path when two traits would share a column', () => {
    const clash = parseConfig({
      unification: { computedTraits: { fooBar: { op: 'count' }, foo_bar: { op: 'count', event: 'Order Completed' } }, segments: {} },
    });
    expect(() => computedTraitColumns(clash)).toThrow(
      'unification.computedTraits.foo_bar: its profiles column "computed_foo_bar" is already the column of unification.computedTraits.fooBar',
    );
    expect(() => profileTableColumns(clash)).toThrow(/unification\.computedTraits\.foo_bar/);
  });

  it('fails with the config path when a trait would take a fixed column', () => {
    const one = parseConfig({ unification: { computedTraits: { score: { op: 'count' } }, segments: {} } });
    expect(() => computedTraitColumns(one, [...PROFILE_COLUMNS, { name: 'computed_score', type: 'bigint' }])).toThrow(
      'unification.computedTraits.score: its profiles column "computed_score" is already the fixed column computed_score of profiles',
    );
  });
});
