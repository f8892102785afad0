/**
 * Property-based fuzzing of the record decoder and event parser: no input,
 * however malformed, crashes a batch or escapes the accounting.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../lambda/shared/events';
import { aggregate } from '../../lambda/shared/kpl';
import { decodeRecords } from '../../lambda/unification/core/records';
import { MemoryProfileStore } from '../../lambda/unification/adapters/memory-profile-store';
import { unifyBatch } from '../../lambda/unification/usecases/unify-batch';
import { parseOptions, settings } from '../support/events';

const now = Date.UTC(2026, 10, 2);
const opts = { ...parseOptions, now };

/** Values shaped like Segment events, with every field liable to be wrong. */
const eventLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom('track', 'identify', 'page', 'screen', 'group', 'alias'), fc.string(), fc.integer()),
    messageId: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    userId: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.object()),
    anonymousId: fc.oneof(fc.uuid(), fc.string(), fc.constant(null)),
    event: fc.oneof(fc.constantFrom('Order Completed', 'Product Viewed'), fc.string(), fc.integer()),
    timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string(), fc.integer()),
    traits: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), fc.constant(null)),
    properties: fc.oneof(fc.record({ revenue: fc.oneof(fc.double(), fc.string(), fc.constant(null)) }), fc.jsonValue()),
    context: fc.oneof(
      fc.record({ traits: fc.dictionary(fc.constantFrom('email', 'phone', 'name'), fc.oneof(fc.emailAddress(), fc.string())) }, { requiredKeys: [] }),
      fc.jsonValue(),
    ),
    previousId: fc.oneof(fc.string(), fc.integer()),
    groupId: fc.oneof(fc.string(), fc.integer()),
  },
  { requiredKeys: [] },
);

/** Valid events over a small pool of identifiers, so that batches link and merge profiles. */
const validEvent = fc
  .record({
    type: fc.constantFrom('track', 'identify', 'page', 'screen', 'alias'),
    messageId: fc.integer({ min: 0, max: 400 }).map((n) => `m-${n}`),
    userId: fc.option(fc.integer({ min: 0, max: 9 }).map((n) => `u-${n}`), { nil: undefined }),
    anonymousId: fc.integer({ min: 0, max: 19 }).map((n) => `a-${n}`),
    email: fc.option(fc.integer({ min: 0, max: 9 }).map((n) => `p${n}@example.com`), { nil: undefined }),
    at: fc.integer({ min: Date.UTC(2025, 0, 1), max: now }),
    revenue: fc.double({ min: 0, max: 1000, noNaN: true }),
  })
  .map(({ type, messageId, userId, anonymousId, email, at, revenue }) => ({
    type,
    messageId,
    userId,
    anonymousId,
    timestamp: new Date(at).toISOString(),
    event: 'Order Completed',
    previousId: `a-${(at % 7) + 20}`,
    properties: { revenue },
    traits: { email, plan: messageId },
    context: { traits: { email } },
  }));

const payload = fc.oneof(
  { weight: 3, arbitrary: validEvent.map((e) => Buffer.from(JSON.stringify(e))) },
  eventLike.map((e) => Buffer.from(JSON.stringify(e))),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'undefined')),
  fc.string().map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
);

const record = fc.oneof(
  { weight: 4, arbitrary: payload },
  { weight: 1, arbitrary: fc.array(payload, { minLength: 1, maxLength: 5 }).map((parts) => aggregate(parts.map((data) => ({ partitionKey: 'k', data })))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), Buffer.from(b)])) },
);

describe('fuzzing', () => {
  it('parseEvent never throws: it accepts an event or gives a reason', () => {
    fc.assert(
      fc.property(payload, (data) => {
        const result = parseEvent(data, now, opts);
        if (result.ok) expect(result.event.identifiers.length).toBeGreaterThan(0);
        else expect(result.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodeRecords accounts for every payload of every record, KPL or plain', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), (datas) => {
        const records = datas.map((data, i) => ({ sequenceNumber: String(i), partitionKey: 'k', data, arrivalMs: now }));
        const out = decodeRecords(records, 'fuzz', opts);
        expect(out.events.length + out.quarantined.length).toBe(out.payloads);
        for (const q of out.quarantined) expect(q.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('a whole batch of arbitrary records never fails: applied, duplicate or quarantined, and it adds up', async () => {
    const seen = { applied: 0, quarantined: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 30 }), async (datas) => {
        const store = new MemoryProfileStore();
        const records = datas.map((data, i) => ({ sequenceNumber: String(i).padStart(5, '0'), partitionKey: 'k', data, arrivalMs: now }));
        const outcome = await unifyBatch(records, 'fuzz', 'fuzz', { store, quarantine: { put: async () => {} }, settings, clock: () => now });
        expect(outcome.failedSequenceNumbers).toEqual([]);
        seen.applied += outcome.applied;
        seen.quarantined += outcome.quarantined;
        expect(outcome.applied + outcome.duplicates + outcome.quarantined).toBe(outcome.payloads);
        const live = [...store.profiles.values()].filter((p) => p.mergedInto === undefined);
        expect(live.reduce((n, p) => n + p.computed.eventCount, 0)).toBe(outcome.applied);
      }),
      { numRuns: 300 },
    );
    // the generator reaches both sides: events that apply and records that are rejected
    expect(seen.applied).toBeGreaterThan(100);
    expect(seen.quarantined).toBeGreaterThan(100);
  });
});
