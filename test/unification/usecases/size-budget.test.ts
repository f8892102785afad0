/** The size budget on plain data: journal chunks, events a profile has no room for, merges the budget forbids. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { chunkEvents, JOURNAL_CHUNK_BYTES, jsonBytes, jsonBytesBound, PROFILE_BUDGET_BYTES, profileBytes } from '../../../lambda/unification/core/profile/size-budget';
import type { QuarantineEntry } from '../../../lambda/unification/ports';
import type { StreamRecord } from '../../../lambda/unification/core/records';
import { resolveAndWrite, unifyBatch, type UnifyDeps } from '../../../lambda/unification/usecases/unify-batch';
import { identify, record, settings, track } from '../../support/events';

const NOW = Date.UTC(2026, 10, 2);

function harness() {
  const store = new MemoryProfileStore();
  const quarantined: QuarantineEntry[] = [];
  let n = 0;
  const deps: UnifyDeps = {
    store,
    quarantine: { put: async (_batch, entries) => void quarantined.push(...entries) },
    settings,
    clock: () => NOW,
    newProfileId: () => `p${++n}`,
    sleep: async () => {},
  };
  return { store, deps, quarantined, run: (records: StreamRecord[]) => unifyBatch(records, `b${n}`, 'test', deps) };
}

const live = (store: MemoryProfileStore) => [...store.profiles.values()].filter((p) => p.mergedInto === undefined);
/** A string of `n` characters that no two calls share. */
let salt = 0;
const text = (n: number) => `${++salt}:`.padEnd(n, 'x');
const at = (i: number) => new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString();

describe('size budget', () => {
  it('bounds the JSON bytes of any value from above', () => {
    const strings = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.constantFrom('\u0000', '\ud800', '"\\', 'é€😀'));
    const numbers = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0.0000012345678901234567, -1.2345678901234567e-308, Number.MAX_VALUE, -Number.MIN_VALUE));
    const values = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, strings, numbers, fc.boolean(), fc.constant(null), fc.constant(undefined), tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 5 }),
      object: fc.dictionary(strings, tie('value'), { maxKeys: 5 }),
    })).value;
    fc.assert(fc.property(values, (v) => v === undefined || jsonBytesBound(v) >= jsonBytes(v)), { numRuns: 2000 });
    // Not plain data: measured exactly, through toJSON.
    const d = new Date(NOW);
    expect(jsonBytesBound({ d })).toBeGreaterThanOrEqual(jsonBytes({ d }));
  });

  it('measures exactly a profile the bound does not clear, and applies it when it fits', async () => {
    const { store, run, quarantined } = harness();
    // 12 traits of 10,000 two-byte characters: a bound of 720 KB, 240 KB of JSON.
    const events = Array.from({ length: 12 }, (_, i) => record(identify(`wide-${i}`, { userId: 'u-1', timestamp: at(i), traits: { [`note${i}`]: 'é'.repeat(10_000) } })));
    const outcome = await run(events);
    expect(outcome.applied).toBe(12);
    expect(quarantined).toEqual([]);
    const [profile] = live(store);
    expect(jsonBytesBound(profile)).toBeGreaterThan(PROFILE_BUDGET_BYTES);
    expect(profileBytes(profile as object)).toBeLessThanOrEqual(PROFILE_BUDGET_BYTES);
  });

  it('chunks events in order, each chunk within the budget unless one event alone is larger', () => {
    const events = Array.from({ length: 20 }, (_, i) => ({ i, pad: text(i === 7 ? 900 : 100) }));
    const chunks = chunkEvents(events, 500);
    expect(chunks.flat()).toEqual(events);
    for (const c of chunks) expect(c.length === 1 || jsonBytes(c) <= 500).toBe(true);
    expect(chunks.find((c) => c.includes(events[7] as (typeof events)[number]))).toHaveLength(1);
  });

  it('splits a write whose events are larger than one journal item over several', async () => {
    const { store, run } = harness();
    // A merged profile: every write journals its events.
    await run([record(track('a-1', { anonymousId: 'anon-1' })), record(identify('b-1', { userId: 'u-1' }))]);
    await run([record(identify('join', { userId: 'u-1', anonymousId: 'anon-1' }))]);
    const [profile] = live(store);
    const events = Array.from({ length: 30 }, (_, i) => record(track(`big-${i}`, { userId: 'u-1', timestamp: at(i), properties: { note: text(15_000) } })));
    const outcome = await run(events);
    expect(outcome.applied).toBe(30);
    const entries = (await store.readJournal([profile?.profileId as string])).filter((e) => e.events.some((x) => x.messageId.startsWith('big-')));
    expect(entries.length).toBeGreaterThan(1);
    for (const e of entries) expect(jsonBytes(e.events)).toBeLessThanOrEqual(JOURNAL_CHUNK_BYTES);
    expect(entries.flatMap((e) => e.events.map((x) => x.messageId)).sort()).toEqual(events.map((_, i) => `big-${i}`).sort());
  });

  it('keeps the earliest events that fit when one batch would take a profile over the budget', async () => {
    const { store, run, quarantined } = harness();
    // Reversed on the stream: the budget keeps the earliest by event time, not the first to arrive.
    const events = Array.from({ length: 30 }, (_, i) => record(identify(`grow-${i}`, { userId: 'u-1', timestamp: at(i), traits: { [`t${i}`]: text(15_000) } }))).reverse();
    const outcome = await run(events);
    const [profile] = live(store);
    expect(outcome.applied + outcome.quarantined).toBe(30);
    expect(outcome.quarantined).toBeGreaterThan(0);
    expect(profileBytes(profile as object)).toBeLessThanOrEqual(PROFILE_BUDGET_BYTES);
    const kept = Object.keys(profile?.traits ?? {}).map((t) => Number(t.slice(1))).sort((a, b) => a - b);
    expect(kept).toEqual(Array.from({ length: outcome.applied }, (_, i) => i));
    expect(quarantined.every((q) => /^profile size limit: the profile would hold \d+ KB of JSON, over its budget of 350 KB/.test(q.reason))).toBe(true);
  });

  it('rejects a match group whose merge would break the budget, with the reason, and merges nothing', async () => {
    const { store, run, deps } = harness();
    const big = (who: string, id: Record<string, string>) =>
      Array.from({ length: 14 }, (_, i) => record(identify(`${who}-${i}`, { ...id, timestamp: at(i), traits: { [`${who}${i}`]: text(15_000) } })));
    await run([...big('a', { userId: 'u-1' }), ...big('b', { anonymousId: 'anon-2' })]);
    const ids = live(store).map((p) => p.profileId);
    expect(ids).toHaveLength(2);
    const outcome = await resolveAndWrite([], [{ matchId: 'm-1', profileIds: ids }], deps);
    expect(outcome.rejectedMatches.map((r) => r.profileId).sort()).toEqual([...ids].sort());
    expect(outcome.rejectedMatches[0]?.reason).toMatch(/profile size limit.*the merge of .* is not made/);
    expect(live(store)).toHaveLength(2);
    expect(outcome.linksPending).toBe(false);
  });
});
