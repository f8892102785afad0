/**
 * Folding events into the computed traits' states, and merging the states of
 * two profiles. The state is a fold with the same guarantees as the profile
 * itself (core/profile/profile.ts):
 * - order-independent: any permutation of the same events gives a deep-equal
 *   state (ties in event time are broken by messageId);
 * - mergeable: merging the states of two disjoint event sets equals folding
 *   their union, so a profile merge loses and double-counts nothing;
 * - bounded: windowed traits keep one bucket per day or hour and drop buckets
 *   that have left the window (windows.ts); distinct and mode keep at most
 *   MAX_DISTINCT_VALUES values (kinds.ts).
 *
 * `nowMs` is the processing time: pass the same one to every call for one
 * profile write.
 *
 * Pure module: no I/O.
 */
import type { AggregateEvent, CompiledComputedTraits, CompiledTrait } from './model';
import { hasOwn, own, storedBuckets, storedCell, storedLatest, UNCHANGED, type Bucket } from './state';
import { firstLiveBucket, foldLatest, foldWindowed, mergeLatest } from './windows';

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

function foldPlain(t: CompiledTrait, prev: unknown, events: readonly AggregateEvent[]): unknown {
  let cell = storedCell(t, prev);
  let owned = false;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as AggregateEvent;
    if (!t.matches(e)) continue;
    const v = t.read(e);
    if (v === undefined) continue;
    if (!owned) {
      if (cell !== undefined) cell = t.kind.clone(cell);
      owned = true;
    }
    cell = t.kind.add(cell, v, e);
  }
  if (owned) return [t.fp, cell];
  // A state from another definition (config changed) is dropped.
  return prev !== undefined && cell === undefined ? undefined : UNCHANGED;
}

function hasStale(c: CompiledComputedTraits, states: Readonly<Record<string, unknown>>): boolean {
  for (const k in states) if (!c.names.has(k)) return true;
  return false;
}

function copyDefined(c: CompiledComputedTraits, states: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (states !== undefined) for (const t of c.traits) if (hasOwn(states, t.name)) out[t.name] = states[t.name];
  return out;
}

/**
 * Folds events into the traits' states. Events that match no trait's filters,
 * or lack its property, change nothing; windowed traits skip events already
 * out of the window at `nowMs` and drop buckets that left it. The input is
 * never mutated: when nothing changes the same object comes back, else a new
 * one holding only the configured traits.
 *
 * @param nowMs the processing time: windows are relative to it.
 */
export function foldAggregates(
  compiled: CompiledComputedTraits,
  states: Readonly<Record<string, unknown>> | undefined,
  events: readonly AggregateEvent[],
  nowMs: number,
): Readonly<Record<string, unknown>> {
  const traits = compiled.traits;
  if (traits.length === 0) return states === undefined || hasStale(compiled, states) ? EMPTY : states;
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < traits.length; i++) {
    const t = traits[i] as CompiledTrait;
    const prev = own(states, t.name);
    const next =
      t.layout === 'plain' ? foldPlain(t, prev, events) : t.layout === 'buckets' ? foldWindowed(t, prev, events, nowMs) : foldLatest(t, prev, events, nowMs);
    if (next === UNCHANGED) continue;
    out ??= copyDefined(compiled, states);
    if (next === undefined) delete out[t.name];
    else out[t.name] = next;
  }
  if (out === undefined && states !== undefined && hasStale(compiled, states)) out = copyDefined(compiled, states);
  return out ?? states ?? EMPTY;
}

/**
 * The states of two disjoint event sets merged: the same as folding their
 * union (at `nowMs`). Neither input is mutated.
 */
export function mergeAggregateStates(
  compiled: CompiledComputedTraits,
  a: Readonly<Record<string, unknown>> | undefined,
  b: Readonly<Record<string, unknown>> | undefined,
  nowMs: number,
): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const t of compiled.traits) {
    if (t.layout === 'latest') {
      const merged = mergeLatest(t, storedLatest(t, own(a, t.name)), storedLatest(t, own(b, t.name)), nowMs);
      if (merged !== undefined) out[t.name] = [t.fp, merged];
      continue;
    }
    if (t.layout === 'plain') {
      const x = storedCell(t, own(a, t.name));
      const y = storedCell(t, own(b, t.name));
      if (x === undefined && y === undefined) continue;
      const cell = x === undefined ? y : y === undefined ? x : t.kind.mergeInto(t.kind.clone(x), y, t.cap);
      out[t.name] = [t.fp, cell];
      continue;
    }
    const live = firstLiveBucket(t, nowMs);
    const x = storedBuckets(t, own(a, t.name)) ?? [];
    const y = storedBuckets(t, own(b, t.name)) ?? [];
    const buckets: Bucket[] = [];
    let i = 0;
    let j = 0;
    while (i < x.length || j < y.length) {
      const p = x[i];
      const q = y[j];
      if (q === undefined || (p !== undefined && p[0] < q[0])) {
        if (p !== undefined && p[0] >= live) buckets.push(p);
        i++;
      } else if (p === undefined || q[0] < p[0]) {
        if (q[0] >= live) buckets.push(q);
        j++;
      } else {
        if (p[0] >= live) buckets.push([p[0], t.kind.mergeInto(t.kind.clone(p[1]), q[1], t.cap)]);
        i++;
        j++;
      }
    }
    if (buckets.length > 0) out[t.name] = [t.fp, buckets];
  }
  return out;
}
