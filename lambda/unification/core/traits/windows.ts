/**
 * Windowed traits: one bucket per day (`d` windows) or hour (`h` windows),
 * folded and merged bucket by bucket, dropping buckets that have left the
 * window; a windowed distinct keeps each value's latest bucket instead.
 *
 * Windows are measured in whole buckets: a bucket counts while any part of
 * it is inside the window, so an event counts from its time until between one
 * window and one window plus one bucket (a day, or an hour) later; the far
 * edge of a window is only as precise as its bucket. Events ahead of now
 * (clock skew) count.
 */
import { lowerBound } from './kinds';
import type { AggregateEvent, CompiledTrait } from './model';
import { storedBuckets, storedLatest, UNCHANGED, type Bucket, type Latest } from './state';

/**
 * The first bucket still inside the window at `nowMs`. A bucket counts while
 * any part of it is inside the window, so an event counts for between the
 * window and the window plus one bucket (a day, or an hour) after its time:
 * the window's far edge is only as precise as the bucket.
 */
export function firstLiveBucket(t: CompiledTrait, nowMs: number): number {
  return Math.floor((nowMs - t.windowMs) / t.bucketMs);
}

/** When a bucket leaves the window. */
export function bucketExpiry(t: CompiledTrait, bucket: number): number {
  return (bucket + 1) * t.bucketMs + t.windowMs;
}

export function foldWindowed(t: CompiledTrait, prev: unknown, events: readonly AggregateEvent[], nowMs: number): unknown {
  const stored = storedBuckets(t, prev);
  const live = firstLiveBucket(t, nowMs);
  let buckets: Bucket[] | undefined;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as AggregateEvent;
    if (!t.matches(e)) continue;
    const v = t.read(e);
    if (v === undefined) continue;
    const b = Math.floor(e.ts / t.bucketMs);
    if (b < live) continue;
    if (buckets === undefined) {
      buckets = [];
      for (const [k, c] of stored ?? []) if (k >= live) buckets.push([k, t.kind.clone(c)]);
    }
    // Events are mostly recent: search from the newest bucket.
    let j = buckets.length - 1;
    while (j >= 0 && (buckets[j] as Bucket)[0] > b) j--;
    const at = buckets[j];
    if (at !== undefined && at[0] === b) at[1] = t.kind.add(at[1], v, e);
    else buckets.splice(j + 1, 0, [b, t.kind.add(undefined, v, e)]);
  }
  if (buckets === undefined) {
    if (stored === undefined) return prev === undefined ? UNCHANGED : undefined;
    if (stored.length > 0 && (stored[0] as Bucket)[0] >= live) return UNCHANGED;
    buckets = stored.filter(([k]) => k >= live);
  }
  return buckets.length === 0 ? undefined : [t.fp, buckets];
}

// --- Windowed distinct: each value's latest bucket --------------------------
// [values sorted, latest bucket of each]. A value counts while its latest
// bucket is in the window. Over the cap, the values seen longest ago go first
// (ties: the greater value): keeping the top values by a key that only grows
// with more events is the same whatever the order or grouping of the events.

/** The values whose latest bucket is live (a new cell). */
export function latestLive(c: Latest | undefined, live: number): Latest | undefined {
  if (c === undefined) return undefined;
  const values: string[] = [];
  const buckets: number[] = [];
  for (let i = 0; i < c[0].length; i++) {
    const b = c[1][i] as number;
    if (b >= live) {
      values.push(c[0][i] as string);
      buckets.push(b);
    }
  }
  return values.length === 0 ? undefined : [values, buckets];
}

/** Drops the values seen longest ago (ties: the greater value) until at most `cap` remain. */
function capLatest(c: Latest, cap: number): void {
  const [values, buckets] = c;
  if (values.length <= cap) return;
  const order = values.map((_, i) => i).sort((i, j) => (buckets[j] as number) - (buckets[i] as number) || (i - j));
  const keep = new Set(order.slice(0, cap));
  let w = 0;
  for (let i = 0; i < values.length; i++) {
    if (!keep.has(i)) continue;
    values[w] = values[i] as string;
    buckets[w] = buckets[i] as number;
    w++;
  }
  values.length = w;
  buckets.length = w;
}

export function foldLatest(t: CompiledTrait, prev: unknown, events: readonly AggregateEvent[], nowMs: number): unknown {
  const stored = storedLatest(t, prev);
  const live = firstLiveBucket(t, nowMs);
  let cell: Latest | undefined;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as AggregateEvent;
    if (!t.matches(e)) continue;
    const key = t.read(e) as string | undefined;
    if (key === undefined) continue;
    const b = Math.floor(e.ts / t.bucketMs);
    if (b < live) continue;
    cell ??= latestLive(stored, live) ?? [[], []];
    const [values, buckets] = cell;
    const j = lowerBound(values, key);
    if (values[j] === key) {
      if ((buckets[j] as number) < b) buckets[j] = b;
    } else {
      values.splice(j, 0, key);
      buckets.splice(j, 0, b);
      if (values.length > t.cap) capLatest(cell, t.cap);
    }
  }
  if (cell === undefined) {
    if (stored === undefined) return prev === undefined ? UNCHANGED : undefined;
    if (stored[1].every((b) => b >= live)) return UNCHANGED;
    cell = latestLive(stored, live);
  }
  return cell === undefined || cell[0].length === 0 ? undefined : [t.fp, cell];
}

export function mergeLatest(t: CompiledTrait, a: Latest | undefined, b: Latest | undefined, nowMs: number): Latest | undefined {
  const live = firstLiveBucket(t, nowMs);
  const x = latestLive(a, live) ?? [[], []];
  const y = latestLive(b, live) ?? [[], []];
  const values: string[] = [];
  const buckets: number[] = [];
  let i = 0;
  let j = 0;
  while (i < x[0].length || j < y[0].length) {
    const p = x[0][i];
    const q = y[0][j];
    if (q === undefined || (p !== undefined && p < q)) {
      values.push(p as string);
      buckets.push(x[1][i++] as number);
    } else if (p === undefined || q < p) {
      values.push(q);
      buckets.push(y[1][j++] as number);
    } else {
      values.push(p);
      buckets.push(Math.max(x[1][i++] as number, y[1][j++] as number));
    }
  }
  if (values.length === 0) return undefined;
  const merged: Latest = [values, buckets];
  capLatest(merged, t.cap);
  return merged;
}
