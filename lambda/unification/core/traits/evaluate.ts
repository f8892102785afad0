/** The computed traits' values at a time, and the next time at which time alone may change one. */
import { DAY_MS, type AggregateValue, type BuiltInCounters, type Cell, type CompiledComputedTraits, type CompiledTrait } from './model';
import { own, storedBuckets, storedCell, storedLatest } from './state';
import { bucketExpiry, firstLiveBucket, latestLive } from './windows';

/** The cell of everything inside the window at `nowMs` (for a plain trait, its cell). */
function liveCell(t: CompiledTrait, state: unknown, nowMs: number): Cell | undefined {
  if (t.layout === 'plain') return storedCell(t, state);
  if (t.layout === 'latest') return latestLive(storedLatest(t, state), firstLiveBucket(t, nowMs))?.[0];
  const live = firstLiveBucket(t, nowMs);
  let acc: Cell | undefined;
  for (const [k, c] of storedBuckets(t, state) ?? []) {
    if (k < live) continue;
    acc = acc === undefined ? t.kind.clone(c) : t.kind.mergeInto(acc, c, Number.POSITIVE_INFINITY);
  }
  return acc;
}

const NO_COUNTERS: BuiltInCounters = { eventCount: 0, firstSeen: null, lastSeen: null, orderCount: 0, revenue: 0 };

/**
 * The traits' values at `nowMs`, by name: those with stored states from
 * `states`, those meaning the same as a built-in counter from `counters`
 * (Profile.computed; none given reads as a profile with no events). Count,
 * sum and distinct of nothing are 0, the others null. Sums and averages are
 * decimal numbers ($revenue in currency units), times ISO-8601 strings or
 * whole days (as: daysSince), modes strings. Every reader of computed values
 * (segments, the API, the customer view and record) goes through this.
 */
export function evaluateAggregates(
  compiled: CompiledComputedTraits,
  states: Readonly<Record<string, unknown>> | undefined,
  nowMs: number,
  counters: BuiltInCounters = NO_COUNTERS,
): Record<string, AggregateValue> {
  const out: Record<string, AggregateValue> = {};
  for (const t of compiled.served) out[t.name] = t.kind.value(t.cell(counters), nowMs);
  for (const t of compiled.traits) out[t.name] = t.kind.value(liveCell(t, own(states, t.name), nowMs), nowMs);
  return out;
}

/**
 * The earliest time after `nowMs` at which time alone may change a value: the
 * oldest bucket of a windowed trait leaving its window, or a daysSince value
 * reaching its next day. Undefined when no value changes with time.
 */
export function aggregatesNextChangeAt(
  compiled: CompiledComputedTraits,
  states: Readonly<Record<string, unknown>> | undefined,
  nowMs: number,
): number | undefined {
  let next: number | undefined;
  const consider = (at: number) => {
    if (at > nowMs && (next === undefined || at < next)) next = at;
  };
  for (const t of compiled.traits) {
    const state = own(states, t.name);
    const live = firstLiveBucket(t, nowMs);
    if (t.layout === 'buckets') {
      const oldest = (storedBuckets(t, state) ?? []).find(([k]) => k >= live);
      if (oldest !== undefined) consider(bucketExpiry(t, oldest[0]));
    } else if (t.layout === 'latest') {
      for (const k of storedLatest(t, state)?.[1] ?? []) if (k >= live) consider(bucketExpiry(t, k));
    }
    if (t.daysSince && t.kind.time !== undefined) {
      const cell = liveCell(t, state, nowMs);
      if (cell !== undefined) {
        const at = t.kind.time(cell);
        const days = Math.max(0, Math.floor((nowMs - at) / DAY_MS));
        consider(at + (days + 1) * DAY_MS);
      }
    }
  }
  return next;
}
