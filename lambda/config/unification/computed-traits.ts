/**
 * The computed-traits section of the config: aggregates over a profile's
 * events (count, sum, avg, min, max, first, last, distinct count, mode),
 * filtered by event and property, optionally over a time window. How they
 * are folded and evaluated is lambda/unification/core/traits/.
 */
import * as z from 'zod/mini';
import '../zod-locale';
import { namedRecord } from '../named-record';

/** The event types a trait may filter on (core/traits checks the list against the event model). */
export const EVENT_TYPE_NAMES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;

export const AGGREGATE_OPS = ['count', 'sum', 'avg', 'min', 'max', 'first', 'last', 'distinct', 'mode'] as const;

/** Properties that read the event itself rather than its `properties`. */
export const SPECIAL_PROPERTIES = ['$timestamp', '$channel', '$revenue', '$name'] as const;

/** Longest windows: day buckets up to ten years, hour buckets up to 30 days. */
export const MAX_WINDOW_DAYS = 3660;
export const MAX_WINDOW_HOURS = 720;

/** A window: a whole number of days (`90d`) or hours (`24h`); the count and the unit are its two groups. */
export const TRAIT_WINDOW = /^([1-9][0-9]{0,3})([dh])$/;

const TRAIT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
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
    window: z.optional(z.string().check(z.regex(TRAIT_WINDOW, 'a window is a whole number of days or hours, e.g. "90d" or "24h"'))),
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
      const w = typeof d.window === 'string' ? TRAIT_WINDOW.exec(d.window) : null;
      if (w !== null) {
        const n = Number(w[1]);
        if (w[2] === 'd' && n > MAX_WINDOW_DAYS) issue('window', `a window is at most ${MAX_WINDOW_DAYS}d`);
        if (w[2] === 'h' && n > MAX_WINDOW_HOURS) issue('window', `an hour window is at most ${MAX_WINDOW_HOURS}h; write longer windows in days`);
      }
    }),
  );

/**
 * The counters every profile has, whatever the config, as definitions: the
 * number of events, the times of the first and latest events, the number of
 * orders and their revenue. A configured trait of the same name replaces
 * one. A definition meaning the same as one of these (such as a sum of
 * `Order Completed` `$revenue` under another name) is read from the
 * counters the profile keeps anyway, not stored a second time
 * (lambda/unification/core/traits/compile.ts).
 */
export const DEFAULT_COMPUTED_TRAITS = {
  eventCount: { description: 'Number of events', op: 'count' },
  firstSeen: { description: 'Time of the first event', op: 'min', property: '$timestamp' },
  lastSeen: { description: 'Time of the latest event', op: 'max', property: '$timestamp' },
  orderCount: { description: 'Number of orders', op: 'count', event: 'Order Completed' },
  totalRevenue: { description: 'Revenue of all orders', op: 'sum', event: 'Order Completed', property: '$revenue' },
} as const satisfies Record<string, z.input<typeof computedTraitSchema>>;

export type ComputedTraitDefinition = z.output<typeof computedTraitSchema>;

/** Trait name → definition. */
export const computedTraitsSchema = namedRecord(
  computedTraitSchema,
  TRAIT_NAME,
  (name) => `computed trait "${name}": names start with a letter and hold only letters, digits and _`,
);

/** The config's `unification.computedTraits`: the configured definitions merged over DEFAULT_COMPUTED_TRAITS. */
export const computedTraitsSectionSchema = z.pipe(
  computedTraitsSchema,
  z.transform((defs): Record<string, ComputedTraitDefinition> => ({ ...(DEFAULT_COMPUTED_TRAITS as Record<string, ComputedTraitDefinition>), ...defs })),
);

export type ComputedTraitsInput = z.input<typeof computedTraitsSchema>;
export type ComputedTraits = z.output<typeof computedTraitsSchema>;

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
