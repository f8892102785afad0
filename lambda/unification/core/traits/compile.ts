/**
 * Compiles computed-trait definitions from config once (at cold start) into
 * matchers, readers and the op's kind, for the hot path.
 *
 * Each trait's stored state carries a fingerprint hashing the parts of the
 * definition that decide what is folded (op, filters, property, window):
 * when config changes a definition, the old state no longer matches and the
 * trait starts again from nothing (replay the events to backfill it).
 */
import {
  DEFAULT_COMPUTED_TRAITS,
  EVENT_TYPE_NAMES,
  TRAIT_WINDOW,
  type ComputedTraitDefinition,
  type ComputedTraits,
  type WhereCondition,
} from '../../../config/unification/computed-traits';
import type { EventType } from '../../../shared/events';
import { SCALE } from './decimal';
import { avgKind, countKind, distinctKind, extremeKind, MAX_DISTINCT_VALUES, MIN_VALUES_PER_BUCKET, modeKind, pickKind, sumKind } from './kinds';
import {
  DAY_MS,
  HOUR_MS,
  type AggregateEvent,
  type BuiltInCounters,
  type Cell,
  type CompiledComputedTraits,
  type CompiledTrait,
  type Kind,
  type Reader,
  type ServedTrait,
} from './model';

// The config lists the event types a trait may filter on: these do not compile when that list and shared/events.ts disagree.
const everyEventTypeListed: [Exclude<EventType, (typeof EVENT_TYPE_NAMES)[number]>] extends [never] ? true : false = true;
const onlyEventTypesListed: [Exclude<(typeof EVENT_TYPE_NAMES)[number], EventType>] extends [never] ? true : false = true;
void everyEventTypeListed;
void onlyEventTypesListed;

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function compileReader(path: string): Reader {
  switch (path) {
    case '$timestamp':
      return (e) => e.ts;
    case '$channel':
      return (e) => e.channel;
    case '$revenue':
      return (e) => (e.revenue === undefined ? undefined : e.revenue / SCALE);
    case '$name':
      return (e) => e.name;
  }
  const segments = path.split('.');
  if (segments.length === 1) {
    return (e) => {
      const p = e.properties;
      return p !== undefined && hasOwn(p, path) ? p[path] : undefined;
    };
  }
  return (e) => {
    let v: unknown = e.properties;
    for (const k of segments) {
      if (typeof v !== 'object' || v === null || !hasOwn(v, k)) return undefined;
      v = (v as Record<string, unknown>)[k];
    }
    return v;
  };
}

/** Orders two numbers or two strings; NaN when they are not comparable. */
function compare(a: unknown, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return Number.NaN;
}

/**
 * Missing values (absent or null) fail every condition but `ne` and
 * `exists: false`, as in segments.
 */
function compileCondition(read: Reader, c: WhereCondition): (e: AggregateEvent) => boolean {
  if (typeof c !== 'object') return (e) => read(e) === c;
  const tests: Array<(v: unknown) => boolean> = [];
  if (c.eq !== undefined) {
    const x = c.eq;
    tests.push((v) => v === x);
  }
  if (c.ne !== undefined) {
    const x = c.ne;
    tests.push((v) => v !== x);
  }
  if (c.gt !== undefined) {
    const x = c.gt;
    tests.push((v) => compare(v, x) > 0);
  }
  if (c.gte !== undefined) {
    const x = c.gte;
    tests.push((v) => compare(v, x) >= 0);
  }
  if (c.lt !== undefined) {
    const x = c.lt;
    tests.push((v) => compare(v, x) < 0);
  }
  if (c.lte !== undefined) {
    const x = c.lte;
    tests.push((v) => compare(v, x) <= 0);
  }
  if (c.in !== undefined) {
    const set = new Set<unknown>(c.in);
    tests.push((v) => set.has(v));
  }
  if (c.exists !== undefined) {
    const want = c.exists;
    tests.push((v) => (v !== undefined && v !== null) === want);
  }
  return (e) => {
    const v = read(e);
    for (const t of tests) if (!t(v)) return false;
    return true;
  };
}

function compileMatcher(d: ComputedTraitDefinition): (e: AggregateEvent) => boolean {
  const names = d.event === undefined ? undefined : new Set(typeof d.event === 'string' ? [d.event] : d.event);
  const types: ReadonlySet<string> | undefined =
    d.type !== undefined ? new Set(d.type) : names !== undefined ? new Set(['track']) : undefined;
  const where = Object.entries(d.where ?? {}).map(([path, c]) => compileCondition(compileReader(path), c));
  return (e) => {
    if (types !== undefined && !types.has(e.type)) return false;
    if (names !== undefined && (e.name === undefined || !names.has(e.name))) return false;
    for (const w of where) if (!w(e)) return false;
    return true;
  };
}

const finiteNumber = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const scalarValue = (v: unknown) => (typeof v === 'string' ? v : finiteNumber(v));
const keyValue = (v: unknown) =>
  typeof v === 'string' ? v : (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' ? String(v) : undefined;

/** 32-bit FNV-1a, base 36. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

/** Fingerprint of what decides a trait's state (not its description or `as`). */
function fingerprint(d: ComputedTraitDefinition): string {
  const sortKeys = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  const where = Object.entries(d.where ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, c]) => [k, typeof c === 'object' ? sortKeys({ ...c }) : c]);
  const event = d.event === undefined ? null : [...new Set(typeof d.event === 'string' ? [d.event] : d.event)].sort();
  const type = d.type === undefined ? null : [...new Set(d.type)].sort();
  return fnv1a(JSON.stringify([1, d.op, event, type, where, d.property ?? null, d.window ?? null]));
}

function compileTrait(name: string, d: ComputedTraitDefinition): CompiledTrait {
  const w = d.window === undefined ? null : TRAIT_WINDOW.exec(d.window);
  const bucketMs = w === null ? 0 : w[2] === 'h' ? HOUR_MS : DAY_MS;
  const windowMs = w === null ? 0 : Number(w[1]) * bucketMs;
  // Buckets a window can span: those it overlaps, plus one for events up to a day ahead.
  const span = windowMs === 0 ? 1 : windowMs / bucketMs + 1 + Math.ceil(DAY_MS / bucketMs);
  const layout = windowMs === 0 ? 'plain' : d.op === 'distinct' ? 'latest' : 'buckets';
  const cap = layout === 'buckets' ? Math.max(MIN_VALUES_PER_BUCKET, Math.ceil(MAX_DISTINCT_VALUES / span)) : MAX_DISTINCT_VALUES;
  const daysSince = d.as === 'daysSince';
  const raw = d.property === undefined ? () => 1 : compileReader(d.property);
  let kind: Kind;
  let read: Reader;
  switch (d.op) {
    case 'count':
      kind = countKind;
      read = () => 1;
      break;
    case 'sum':
    case 'avg':
      kind = d.op === 'sum' ? sumKind : avgKind;
      read = (e) => finiteNumber(raw(e));
      break;
    case 'min':
    case 'max':
      kind = extremeKind(d.op === 'max', d.property === '$timestamp' ? (daysSince ? 'daysSince' : 'iso') : undefined);
      read = (e) => finiteNumber(raw(e));
      break;
    case 'first':
    case 'last':
      if (d.property === '$timestamp') {
        // The first/last event's time is the least/greatest time.
        kind = extremeKind(d.op === 'last', daysSince ? 'daysSince' : 'iso');
        read = (e) => e.ts;
      } else {
        kind = pickKind(d.op === 'last');
        read = (e) => scalarValue(raw(e));
      }
      break;
    case 'distinct':
      kind = distinctKind(cap);
      read = (e) => keyValue(raw(e));
      break;
    case 'mode':
      kind = modeKind(cap);
      read = (e) => keyValue(raw(e));
      break;
  }
  return { name, fp: fingerprint(d), matches: compileMatcher(d), read, kind, layout, windowMs, bucketMs, cap, daysSince };
}

/**
 * The cell of each built-in counter, by the fingerprint of its default
 * definition. The cells have the shapes the ops keep: a count, the least or
 * greatest time, [ten-thousandths, remainder] for a sum.
 */
const BUILT_IN_CELLS: ReadonlyMap<string, (c: BuiltInCounters) => Cell | undefined> = new Map<
  string,
  (c: BuiltInCounters) => Cell | undefined
>([
  [fingerprint(DEFAULT_COMPUTED_TRAITS.eventCount), (c) => c.eventCount],
  [fingerprint(DEFAULT_COMPUTED_TRAITS.firstSeen), (c) => c.firstSeen ?? undefined],
  [fingerprint(DEFAULT_COMPUTED_TRAITS.lastSeen), (c) => c.lastSeen ?? undefined],
  [fingerprint(DEFAULT_COMPUTED_TRAITS.orderCount), (c) => c.orderCount],
  [fingerprint(DEFAULT_COMPUTED_TRAITS.totalRevenue), (c) => [c.revenue, 0]],
]);

/**
 * Compiles validated definitions (computedTraitsSchema output) once, for the
 * functions below. A definition that folds the same events into the same
 * state as a built-in counter, whatever its name, is served from the
 * counters and keeps no state of its own; `as: "daysSince"` is left to the
 * fold, since its value changes with time and the re-check reads stored
 * states.
 */
export function compileComputedTraits(defs: ComputedTraits | undefined): CompiledComputedTraits {
  const traits: CompiledTrait[] = [];
  const served: ServedTrait[] = [];
  for (const [name, d] of Object.entries(defs ?? {})) {
    const t = compileTrait(name, d);
    const cell = d.as === undefined ? BUILT_IN_CELLS.get(t.fp) : undefined;
    if (cell === undefined) traits.push(t);
    else served.push({ name, kind: t.kind, cell });
  }
  return { traits, names: new Set(traits.map((t) => t.name)), served };
}
