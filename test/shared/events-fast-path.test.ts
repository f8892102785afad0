/**
 * parseEvent takes most records through a plain check of the event schema's
 * rules (isPlainlyValidEvent) instead of the zod schema. That check may only
 * accept what the schema accepts, with the same values: these properties hold
 * it to that, on generated events near every field's limits.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isPlainlyValidEvent, parseEvent, segmentEventSchema } from '../../lambda/shared/events';
import { parseOptions } from '../support/events';

const text = (max: number) => fc.string({ maxLength: max });
/** A value for any field: mostly plausible, often of the wrong type or just over a limit. */
const anyValue = fc.oneof(
  text(8),
  fc.string({ minLength: 60, maxLength: 70 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(text(4), fc.oneof(text(6), fc.integer(), fc.boolean())),
);
const record = fc.dictionary(text(6), fc.oneof(text(8), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 4 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof(fc.constant(undefined), arb, anyValue);

const context = fc.record(
  {
    traits: maybe(record),
    channel: maybe(fc.oneof(text(10), fc.string({ minLength: 64, maxLength: 66 }))),
    externalIds: maybe(fc.array(fc.record({ id: fc.oneof(text(6), fc.integer(), fc.boolean()), type: fc.oneof(text(6), fc.integer()) }), { maxLength: 3 })),
    device: maybe(fc.record({ token: maybe(text(12)), type: text(4) }, { requiredKeys: [] })),
    consent: maybe(
      fc.record(
        {
          categoryPreferences: maybe(fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.boolean(), fc.integer()), { maxKeys: 3 })),
          policyVersion: maybe(fc.string({ maxLength: 3 })),
          source: maybe(fc.oneof(fc.constantFrom('api', 'preference-center', 'Api', '1x', ''), text(5))),
        },
        { requiredKeys: [] },
      ),
    ),
    userAgent: maybe(text(6)),
  },
  { requiredKeys: [] },
);

const event = fc.record(
  {
    type: fc.constantFrom('track', 'identify', 'page', 'screen', 'group', 'alias'),
    messageId: maybe(fc.oneof(fc.string({ maxLength: 3 }), fc.string({ minLength: 255, maxLength: 258 }))),
    timestamp: maybe(fc.constantFrom('2026-11-01T10:00:00.000Z', '2026-11-01T10:00:00+02:00', 'yesterday', '')),
    originalTimestamp: maybe(text(8)),
    sentAt: maybe(text(8)),
    channel: maybe(text(8)),
    userId: maybe(fc.oneof(text(6), fc.integer())),
    anonymousId: maybe(fc.oneof(text(6), fc.integer())),
    event: maybe(fc.oneof(fc.constantFrom('Order Completed', 'Product Viewed', ''), text(6))),
    name: maybe(text(6)),
    properties: maybe(record),
    traits: maybe(record),
    groupId: maybe(fc.oneof(text(4), fc.integer())),
    previousId: maybe(fc.oneof(text(4), fc.integer())),
    context: maybe(context),
    extra: maybe(text(4)),
  },
  { requiredKeys: ['type'] },
);

/** As a record's payload reads after JSON.parse (no undefined, no NaN). */
const asParsed = (x: unknown) => JSON.parse(JSON.stringify(x)) as Record<string, unknown>;

describe('the plain check of the event schema', () => {
  it('accepts only events the schema accepts, with the values the schema gives back', () => {
    fc.assert(
      fc.property(event, (raw) => {
        const e = asParsed(raw);
        if (!isPlainlyValidEvent(e)) return;
        const parsed = segmentEventSchema.safeParse(e);
        expect(parsed.success).toBe(true);
        expect(isDeepStrictEqual(parsed.data, e)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('is the path valid events take: it accepts what the schema accepts, barring odd keys', () => {
    let accepted = 0;
    fc.assert(
      fc.property(event, (raw) => {
        const e = asParsed(raw);
        if (!segmentEventSchema.safeParse(e).success) return;
        accepted++;
        expect(isPlainlyValidEvent(e)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    // The generator gives valid events often enough for the property to say something.
    expect(accepted).toBeGreaterThan(30);
  });

  it('leaves to the schema what it does not take as it is: an own __proto__ key, an infinite number', () => {
    const proto = JSON.parse('{"type":"identify","userId":"u-1","traits":{"__proto__":{"admin":true},"plan":"pro"}}') as Record<string, unknown>;
    expect(isPlainlyValidEvent(proto)).toBe(false);
    const infinite = JSON.parse('{"type":"alias","userId":"u-1","previousId":1e400}') as Record<string, unknown>;
    expect(isPlainlyValidEvent(infinite)).toBe(false);
    expect(segmentEventSchema.safeParse(infinite).success).toBe(false);
    const r = parseEvent('{"type":"alias","userId":"u-1","previousId":1e400}', Date.UTC(2026, 10, 1), { ...parseOptions, now: Date.UTC(2026, 10, 2) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^schema: previousId/);
  });
});
