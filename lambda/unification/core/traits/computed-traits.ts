/**
 * Computed traits from config: aggregates over a profile's events (count,
 * sum, avg, min, max, first, last, distinct count, mode), optionally over a
 * time window, kept as a small JSON state on the profile.
 *
 * The state is a fold over events with the same guarantees as the profile
 * itself (core/profile.ts):
 * - order-independent: any permutation of the same events gives a deep-equal
 *   state (ties in event time are broken by messageId);
 * - mergeable: merging the states of two disjoint event sets equals folding
 *   their union, so a profile merge loses and double-counts nothing;
 * - bounded: windowed traits keep one bucket per day (`d` windows) or hour
 *   (`h` windows) and drop buckets that have left the window (a windowed
 *   distinct keeps each value's latest bucket instead); distinct and mode
 *   keep at most MAX_DISTINCT_VALUES values.
 *
 * Windows are measured in whole buckets: a bucket counts while any part of
 * it is inside the window, so an event counts from its time until between one
 * window and one window plus one bucket (a day, or an hour) later; the far
 * edge of a window is only as precise as its bucket. Events ahead of now
 * (clock skew) count. `nowMs` is the processing time: pass the same one to
 * every call for one profile write.
 *
 * Exactness: numbers with at most four decimals (amounts, scores) are summed
 * as integers of ten-thousandths, so sums and averages are exact and
 * order-independent below 2^53 ten-thousandths (about 9e11); other numbers
 * go to a floating-point remainder whose last bits may depend on the order.
 *
 * Each trait's stored state is `[fingerprint, data]`. The fingerprint hashes
 * the parts of the definition that decide what is folded (op, filters,
 * property, window): when config changes a definition, the old state no
 * longer matches and the trait starts again from nothing (replay the events
 * to backfill it).
 *
 * Pure module: no I/O.
 */
import * as z from 'zod/mini';
import '../../../config/zod-locale';
import { namedRecord } from '../../../config/named-record';
import type { EventType } from '../../../shared/events';

// ---------------------------------------------------------------------------
// Config schema
// ---------------------------------------------------------------------------

const EVENT_TYPE_NAMES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const satisfies readonly EventType[];
// Does not compile when events.ts gains an event type this list lacks.
const everyEventTypeListed: [Exclude<EventType, (typeof EVENT_TYPE_NAMES)[number]>] extends [never] ? true : false = true;
void everyEventTypeListed;

export const AGGREGATE_OPS = ['count', 'sum', 'avg', 'min', 'max', 'first', 'last', 'distinct', 'mode'] as const;
export type AggregateOp = (typeof AGGREGATE_OPS)[number];

/** Properties that read the event itself rather than its `properties`. */
export const SPECIAL_PROPERTIES = ['$timestamp', '$channel', '$revenue', '$name'] as const;

/**
 * The most values a distinct or mode trait keeps; which are kept never
 * depends on the order events arrive in:
 * - distinct keeps the lexicographically smallest values (by UTF-16 code
 *   units), so its count is exact up to the cap and then reads as the cap;
 * - a windowed distinct keeps the values seen most recently (by bucket, ties
 *   to the smaller value), so its count is exact up to the cap too;
 * - mode keeps the lexicographically smallest values with their counts, and
 *   only those compete; a windowed mode applies the cap per bucket, shared out
 *   over the buckets the window spans (at least MIN_VALUES_PER_BUCKET each).
 */
export const MAX_DISTINCT_VALUES = 1000;
const MIN_VALUES_PER_BUCKET = 10;

/** Longest windows: day buckets up to ten years, hour buckets up to 30 days. */
export const MAX_WINDOW_DAYS = 3660;
export const MAX_WINDOW_HOURS = 720;

/** Revenue is stored in ten-thousandths (REVENUE_SCALE in events.ts); decimal sums use the same scale. */
const SCALE = 10_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const TRAIT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const WINDOW = /^([1-9][0-9]{0,3})([dh])$/;
const WHERE_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'exists'] as const;

export type WhereScalar = string | number | boolean;
export interface WhereOperators {
  readonly eq?: WhereScalar;
  readonly ne?: WhereScalar;
  readonly gt?: number | string;
  readonly gte?: number | string;
  readonly lt?: number | string;
  readonly lte?: number | string;
  readonly in?: readonly WhereScalar[];
  readonly exists?: boolean;
}
/** A value to equal, or operators that must all hold. */
export type WhereCondition = WhereScalar | WhereOperators;

const isScalar = (v: unknown): v is WhereScalar =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

function whereProblem(c: unknown): string | undefined {
  if (isScalar(c)) return undefined;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) {
    return 'a where condition is a value to equal, or an object of eq, ne, gt, gte, lt, lte, in, exists';
  }
  const entries = Object.entries(c);
  if (entries.length === 0) return 'a where condition needs at least one of eq, ne, gt, gte, lt, lte, in, exists';
  for (const [op, v] of entries) {
    switch (op) {
      case 'eq':
      case 'ne':
        if (!isScalar(v)) return `${op} compares with a string, number or boolean`;
        break;
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) return `${op} compares with a number or a string`;
        break;
      case 'in':
        if (!Array.isArray(v) || v.length === 0 || !v.every(isScalar)) return 'in takes a non-empty list of strings, numbers or booleans';
        break;
      case 'exists':
        if (typeof v !== 'boolean') return 'exists is true or false';
        break;
      default:
        return `unknown operator "${op}": use ${WHERE_OPS.join(', ')}`;
    }
  }
  return undefined;
}

/** Why a property path is unusable, or undefined. */
function propertyProblem(p: string): string | undefined {
  if (p.startsWith('$')) {
    return (SPECIAL_PROPERTIES as readonly string[]).includes(p)
      ? undefined
      : `unknown special property "${p}": use ${SPECIAL_PROPERTIES.join(', ')}`;
  }
  if (p === '' || p.split('.').some((s) => s === '')) return `"${p}" is not a property path: write e.g. "csat" or "product.price"`;
  if (p.startsWith('properties.')) {
    return `property paths start inside the event's properties: write "${p.slice('properties.'.length)}", not "${p}"`;
  }
  return undefined;
}

const whereConditionSchema = z.custom<WhereCondition>().check(
  z.superRefine((c, ctx) => {
    const problem = whereProblem(c);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: c });
  }),
);

const nonEmptyText = z.string().check(z.minLength(1));

export const computedTraitSchema = z
  .strictObject({
    description: z.optional(z.string()),
    op: z.enum(AGGREGATE_OPS),
    /** Event names (track events, or page/screen names) to aggregate; default any. */
    event: z.optional(z.union([nonEmptyText, z.array(nonEmptyText).check(z.minLength(1))])),
    /** Event types to aggregate; default all, or `track` alone when `event` is given. */
    type: z.optional(z.array(z.enum(EVENT_TYPE_NAMES)).check(z.minLength(1))),
    /** Conditions on the event's properties (paths as for `property`), all of which must hold. */
    where: z.optional(z.record(z.string(), whereConditionSchema)),
    /** A dotted path in the event's properties, or $timestamp, $channel, $revenue (a decimal amount) or $name. */
    property: z.optional(z.string()),
    /** Only events within this long before now: days (`90d`) or hours (`24h`). */
    window: z.optional(z.string().check(z.regex(WINDOW, 'a window is a whole number of days or hours, e.g. "90d" or "24h"'))),
    /** For first/last/min/max of $timestamp: whole days since that time instead of an ISO-8601 time. */
    as: z.optional(z.literal('daysSince')),
  })
  .check(
    z.superRefine((d, ctx) => {
      const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', message, path: [path], input: d });
      const p = typeof d.property === 'string' ? d.property : undefined;
      if (d.op === 'count') {
        if (p !== undefined) {
          issue('property', `count counts matching events and takes no property; to count only events that have "${p}", add where: { "${p}": { exists: true } }`);
        }
      } else if (p === undefined) {
        issue('property', `${d.op} needs a property: a path in the event's properties (e.g. "csat") or one of ${SPECIAL_PROPERTIES.join(', ')}`);
      } else {
        const problem = propertyProblem(p);
        if (problem !== undefined) issue('property', problem);
        else if ((d.op === 'sum' || d.op === 'avg' || d.op === 'min' || d.op === 'max') && (p === '$channel' || p === '$name')) {
          issue('property', `${d.op} needs a numeric property; ${p} is text (distinct or mode suit it)`);
        } else if ((d.op === 'sum' || d.op === 'avg') && p === '$timestamp') {
          issue('property', `${d.op} needs a numeric property; a sum of times means nothing (use min, max, first or last, optionally as: "daysSince")`);
        }
      }
      if (d.as === 'daysSince' && (p !== '$timestamp' || !['first', 'last', 'min', 'max'].includes(d.op))) {
        issue('as', 'as: "daysSince" needs op first, last, min or max of property $timestamp');
      }
      for (const key of typeof d.where === 'object' && d.where !== null ? Object.keys(d.where) : []) {
        const problem = propertyProblem(key);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, path: ['where', key], input: d });
      }
      if (d.event !== undefined && Array.isArray(d.type) && !d.type.some((t) => t === 'track' || t === 'page' || t === 'screen')) {
        issue('event', 'event names match track, page and screen events, and type lists none of them');
      }
      const w = typeof d.window === 'string' ? WINDOW.exec(d.window) : null;
      if (w !== null) {
        const n = Number(w[1]);
        if (w[2] === 'd' && n > MAX_WINDOW_DAYS) issue('window', `a window is at most ${MAX_WINDOW_DAYS}d`);
        if (w[2] === 'h' && n > MAX_WINDOW_HOURS) issue('window', `an hour window is at most ${MAX_WINDOW_HOURS}h; write longer windows in days`);
      }
    }),
  );

/** Trait name → definition. */
export const computedTraitsSchema = namedRecord(
  computedTraitSchema,
  TRAIT_NAME,
  (name) => `computed trait "${name}": names start with a letter and hold only letters, digits and _`,
);

export type ComputedTraitsInput = z.input<typeof computedTraitsSchema>;
export type ComputedTraits = z.output<typeof computedTraitsSchema>;
export type ComputedTraitDefinition = z.output<typeof computedTraitSchema>;

/** A realistic set of computed traits for a retail profile (the demo data's events). */
export const EXAMPLE_COMPUTED_TRAITS = {
  lifetimeValue: { description: 'Revenue of all orders', op: 'sum', event: 'Order Completed', property: '$revenue' },
  orderCount: { description: 'Number of orders', op: 'count', event: 'Order Completed' },
  averageOrderValue: { description: 'Average order revenue', op: 'avg', event: 'Order Completed', property: '$revenue' },
  daysSinceLastOrder: { description: 'Whole days since the last order', op: 'last', event: 'Order Completed', property: '$timestamp', as: 'daysSince' },
  lastOrderAt: { description: 'Time of the last order', op: 'last', event: 'Order Completed', property: '$timestamp' },
  ordersLast90Days: { description: 'Orders in the last 90 days', op: 'count', event: 'Order Completed', window: '90d' },
  averageCsat: { description: 'Average satisfaction score (1-5) of closed support tickets', op: 'avg', event: 'Ticket Closed', property: 'csat' },
  preferredChannel: { description: 'The channel the customer uses most', op: 'mode', property: '$channel' },
} as const satisfies ComputedTraitsInput;

// ---------------------------------------------------------------------------
// Compilation
// ---------------------------------------------------------------------------

/**
 * What the fold reads from an event. UnifyEvent satisfies it structurally;
 * `properties` are the track/page/screen properties.
 */
export interface AggregateEvent {
  readonly messageId: string;
  readonly type: string;
  /** Track event name, or page/screen name. */
  readonly name?: string;
  /** Event time, epoch ms. */
  readonly ts: number;
  readonly channel?: string;
  /** Revenue in ten-thousandths (an integer). */
  readonly revenue?: number;
  readonly properties?: Readonly<Record<string, unknown>>;
}

export type AggregateValue = number | string | null;

type Cell = unknown;
type Reader = (e: AggregateEvent) => unknown;

/** How one op keeps, combines and reads its state ("cell"; one per bucket when windowed). */
interface Kind {
  /** Shallow shape check of a stored cell (the fingerprint already matched). */
  isCell(c: unknown): boolean;
  /** A copy the fold may mutate. */
  clone(c: Cell): Cell;
  /** Adds one value to a cell the caller owns (or to nothing); returns the cell. */
  add(c: Cell | undefined, v: unknown, e: AggregateEvent): Cell;
  /** Merges b into a, which the caller owns; keeps at most `cap` values. */
  mergeInto(a: Cell, b: Cell, cap: number): Cell;
  /** The evaluated value of a cell, or of nothing. */
  value(c: Cell | undefined, nowMs: number): AggregateValue;
  /** Epoch ms of the cell's time, for daysSince: the next change. */
  time?(c: Cell): number;
}

interface CompiledTrait {
  readonly name: string;
  readonly fp: string;
  readonly matches: (e: AggregateEvent) => boolean;
  /** The value to aggregate; undefined skips the event. */
  readonly read: Reader;
  readonly kind: Kind;
  /** How the state is kept: one cell; one cell per bucket; each value's latest bucket (windowed distinct). */
  readonly layout: 'plain' | 'buckets' | 'latest';
  /** 0 when not windowed. */
  readonly windowMs: number;
  readonly bucketMs: number;
  /** Values kept per cell (distinct, mode). */
  readonly cap: number;
  readonly daysSince: boolean;
}

/** Definitions compiled once (at cold start) for the hot path. */
export interface CompiledComputedTraits {
  readonly traits: readonly CompiledTrait[];
  readonly names: ReadonlySet<string>;
}

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

// --- Exact decimal sums -----------------------------------------------------
// A number with at most four decimals (every amount in currency units, every
// score) is added as an integer count of ten-thousandths, so sums are exact
// and do not depend on the order of the additions. Anything else goes to a
// floating-point remainder, whose last bits may depend on the order.

function addDecimal(acc: number[], i: number, x: number): void {
  const q = x * SCALE;
  const r = Math.round(q);
  const s = (acc[i] as number) + r;
  if (Math.abs(q - r) <= Math.abs(q) * 4 * Number.EPSILON && Number.isSafeInteger(s)) acc[i] = s;
  else acc[i + 1] = (acc[i + 1] as number) + x;
}

function mergeDecimal(a: number[], b: readonly number[], i: number): void {
  const s = (a[i] as number) + (b[i] as number);
  if (Number.isSafeInteger(s)) a[i] = s;
  else a[i + 1] = (a[i + 1] as number) + (b[i] as number) / SCALE;
  a[i + 1] = (a[i + 1] as number) + (b[i + 1] as number);
}

const isNumberArray = (c: unknown, n: number) => Array.isArray(c) && c.length === n && c.every((x) => typeof x === 'number');

const countKind: Kind = {
  isCell: (c) => typeof c === 'number',
  clone: (c) => c,
  add: (c) => ((c as number | undefined) ?? 0) + 1,
  mergeInto: (a, b) => (a as number) + (b as number),
  value: (c) => (c as number | undefined) ?? 0,
};

/** [exact sum in ten-thousandths, floating-point remainder]. */
const sumKind: Kind = {
  isCell: (c) => isNumberArray(c, 2),
  clone: (c) => (c as number[]).slice(),
  add: (c, v) => {
    const acc = (c as number[] | undefined) ?? [0, 0];
    addDecimal(acc, 0, v as number);
    return acc;
  },
  mergeInto: (a, b) => {
    mergeDecimal(a as number[], b as number[], 0);
    return a;
  },
  value: (c) => {
    if (c === undefined) return 0;
    const [s, f] = c as [number, number];
    return s / SCALE + f;
  },
};

/** [count, exact sum in ten-thousandths, floating-point remainder]. */
const avgKind: Kind = {
  isCell: (c) => isNumberArray(c, 3),
  clone: (c) => (c as number[]).slice(),
  add: (c, v) => {
    const acc = (c as number[] | undefined) ?? [0, 0, 0];
    acc[0] = (acc[0] as number) + 1;
    addDecimal(acc, 1, v as number);
    return acc;
  },
  mergeInto: (a, b) => {
    const x = a as number[];
    x[0] = (x[0] as number) + ((b as number[])[0] as number);
    mergeDecimal(x, b as number[], 1);
    return x;
  },
  value: (c) => {
    if (c === undefined) return null;
    const [n, s, f] = c as [number, number, number];
    if (n === 0) return null;
    // One division when the sum is exact: avg of 0.1, 0.2, 0.3 is 0.2.
    return f === 0 ? s / (n * SCALE) : (s / SCALE + f) / n;
  },
};

function formatTime(ms: number, daysSince: boolean, nowMs: number): AggregateValue {
  return daysSince ? Math.max(0, Math.floor((nowMs - ms) / DAY_MS)) : new Date(ms).toISOString();
}

/** min or max of a number; of $timestamp (also first/last of it) as a time. */
function extremeKind(max: boolean, time: 'iso' | 'daysSince' | undefined): Kind {
  return {
    isCell: (c) => typeof c === 'number',
    clone: (c) => c,
    add: (c, v) => (c === undefined ? v : max ? Math.max(c as number, v as number) : Math.min(c as number, v as number)),
    mergeInto: (a, b) => (max ? Math.max(a as number, b as number) : Math.min(a as number, b as number)),
    value: (c, nowMs) => (c === undefined ? null : time === undefined ? (c as number) : formatTime(c as number, time === 'daysSince', nowMs)),
    time: (c) => c as number,
  };
}

/** [event time, messageId, value] of the first or last event: later by time, then by messageId. */
function pickKind(last: boolean): Kind {
  const wins = (t: number, m: string, c: readonly [number, string, unknown]) =>
    last ? (t !== c[0] ? t > c[0] : m > c[1]) : t !== c[0] ? t < c[0] : m < c[1];
  return {
    isCell: (c) => Array.isArray(c) && c.length === 3 && typeof c[0] === 'number' && typeof c[1] === 'string',
    clone: (c) => c,
    add: (c, v, e) => {
      const cur = c as [number, string, unknown] | undefined;
      return cur === undefined || wins(e.ts, e.messageId, cur) ? [e.ts, e.messageId, v] : cur;
    },
    mergeInto: (a, b) => {
      const x = b as [number, string, unknown];
      return wins(x[0], x[1], a as [number, string, unknown]) ? b : a;
    },
    value: (c) => (c === undefined ? null : ((c as [number, string, AggregateValue])[2] ?? null)),
  };
}

/** Index of the first element >= key in a sorted list. */
function lowerBound(list: readonly string[], key: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The distinct values, sorted; the `cap` smallest. */
function distinctKind(cap: number): Kind {
  return {
    isCell: (c) => Array.isArray(c),
    clone: (c) => (c as string[]).slice(),
    add: (c, v) => {
      const list = (c as string[] | undefined) ?? [];
      const key = v as string;
      const i = lowerBound(list, key);
      if (list[i] === key || i >= cap) return list;
      list.splice(i, 0, key);
      if (list.length > cap) list.pop();
      return list;
    },
    mergeInto: (a, b, max) => {
      const x = a as string[];
      const y = b as string[];
      const out: string[] = [];
      let i = 0;
      let j = 0;
      while (out.length < max && (i < x.length || j < y.length)) {
        const p = x[i];
        const q = y[j];
        if (q === undefined || (p !== undefined && p < q)) {
          out.push(p as string);
          i++;
        } else if (p === undefined || q < p) {
          out.push(q);
          j++;
        } else {
          out.push(p);
          i++;
          j++;
        }
      }
      return out;
    },
    value: (c) => (c === undefined ? 0 : Math.min((c as string[]).length, MAX_DISTINCT_VALUES)),
  };
}

/** [sorted values, their counts]; the `cap` smallest values. The mode is the most frequent, ties to the smallest. */
function modeKind(cap: number): Kind {
  return {
    isCell: (c) => Array.isArray(c) && c.length === 2 && Array.isArray(c[0]) && Array.isArray(c[1]),
    clone: (c) => {
      const [v, n] = c as [string[], number[]];
      return [v.slice(), n.slice()];
    },
    add: (c, v) => {
      const cell = (c as [string[], number[]] | undefined) ?? [[], []];
      const [values, counts] = cell;
      const key = v as string;
      const i = lowerBound(values, key);
      if (values[i] === key) counts[i] = (counts[i] as number) + 1;
      else if (i < cap) {
        values.splice(i, 0, key);
        counts.splice(i, 0, 1);
        if (values.length > cap) {
          values.pop();
          counts.pop();
        }
      }
      return cell;
    },
    mergeInto: (a, b, max) => {
      const [xv, xn] = a as [string[], number[]];
      const [yv, yn] = b as [string[], number[]];
      const values: string[] = [];
      const counts: number[] = [];
      let i = 0;
      let j = 0;
      while (values.length < max && (i < xv.length || j < yv.length)) {
        const p = xv[i];
        const q = yv[j];
        if (q === undefined || (p !== undefined && p < q)) {
          values.push(p as string);
          counts.push(xn[i++] as number);
        } else if (p === undefined || q < p) {
          values.push(q);
          counts.push(yn[j++] as number);
        } else {
          values.push(p);
          counts.push((xn[i++] as number) + (yn[j++] as number));
        }
      }
      return [values, counts];
    },
    value: (c) => {
      if (c === undefined) return null;
      const [values, counts] = c as [string[], number[]];
      let best: string | null = null;
      let bestCount = 0;
      for (let i = 0; i < values.length; i++) {
        if ((counts[i] as number) > bestCount) {
          best = values[i] as string;
          bestCount = counts[i] as number;
        }
      }
      return best;
    },
  };
}

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
  const w = d.window === undefined ? null : WINDOW.exec(d.window);
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

/** Compiles validated definitions (computedTraitsSchema output) once, for the functions below. */
export function compileComputedTraits(defs: ComputedTraits | undefined): CompiledComputedTraits {
  const traits = Object.entries(defs ?? {}).map(([name, d]) => compileTrait(name, d));
  return { traits, names: new Set(traits.map((t) => t.name)) };
}

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

type Bucket = [number, Cell];
const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});
const UNCHANGED = Symbol('unchanged');

function own(states: Readonly<Record<string, unknown>> | undefined, name: string): unknown {
  return states !== undefined && hasOwn(states, name) ? states[name] : undefined;
}

/** The stored cell of a plain trait, or undefined when absent or not this definition's. */
function storedCell(t: CompiledTrait, s: unknown): Cell | undefined {
  return Array.isArray(s) && s.length === 2 && s[0] === t.fp && t.kind.isCell(s[1]) ? s[1] : undefined;
}

/** The stored buckets of a windowed trait, sorted by bucket, or undefined. */
function storedBuckets(t: CompiledTrait, s: unknown): readonly Bucket[] | undefined {
  if (!Array.isArray(s) || s.length !== 2 || s[0] !== t.fp || !Array.isArray(s[1])) return undefined;
  const buckets = s[1] as unknown[];
  for (const b of buckets) if (!Array.isArray(b) || b.length !== 2 || typeof b[0] !== 'number' || !t.kind.isCell(b[1])) return undefined;
  return buckets as Bucket[];
}

/**
 * The first bucket still inside the window at `nowMs`. A bucket counts while
 * any part of it is inside the window, so an event counts for between the
 * window and the window plus one bucket (a day, or an hour) after its time:
 * the window's far edge is only as precise as the bucket.
 */
function firstLiveBucket(t: CompiledTrait, nowMs: number): number {
  return Math.floor((nowMs - t.windowMs) / t.bucketMs);
}

/** When a bucket leaves the window. */
function bucketExpiry(t: CompiledTrait, bucket: number): number {
  return (bucket + 1) * t.bucketMs + t.windowMs;
}

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

function foldWindowed(t: CompiledTrait, prev: unknown, events: readonly AggregateEvent[], nowMs: number): unknown {
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

type Latest = [string[], number[]];

function storedLatest(t: CompiledTrait, s: unknown): Latest | undefined {
  if (!Array.isArray(s) || s.length !== 2 || s[0] !== t.fp) return undefined;
  const c = s[1] as unknown;
  return Array.isArray(c) && c.length === 2 && Array.isArray(c[0]) && Array.isArray(c[1]) && c[0].length === c[1].length ? (c as Latest) : undefined;
}

/** The values whose latest bucket is live (a new cell). */
function latestLive(c: Latest | undefined, live: number): Latest | undefined {
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

function foldLatest(t: CompiledTrait, prev: unknown, events: readonly AggregateEvent[], nowMs: number): unknown {
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

function mergeLatest(t: CompiledTrait, a: Latest | undefined, b: Latest | undefined, nowMs: number): Latest | undefined {
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

/**
 * The traits' values at `nowMs`, by name: count, sum and distinct of nothing
 * are 0, the others null. Sums and averages are decimal numbers ($revenue in
 * currency units), times ISO-8601 strings or whole days (as: daysSince),
 * modes strings.
 */
export function evaluateAggregates(
  compiled: CompiledComputedTraits,
  states: Readonly<Record<string, unknown>> | undefined,
  nowMs: number,
): Record<string, AggregateValue> {
  const out: Record<string, AggregateValue> = {};
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
