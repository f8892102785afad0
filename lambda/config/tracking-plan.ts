/**
 * The tracking plan section (`trackingPlan`): what each event may carry, as
 * Segment Protocols and Snowplow schemas describe it, and what happens to an
 * event that breaks it. The collector checks every event it accepts; the
 * stream consumer checks the events producers wrote to the stream directly
 * (lambda/shared/tracking-plan.ts holds the checks).
 *
 * The default is an empty plan: every event is accepted as it is.
 *
 * Example:
 *
 *   trackingPlan: {
 *     mode: 'allow',                       // default for every source
 *     sources: { pos: 'block' },           // per source (the write key's source name)
 *     unplannedEvents: 'allow',            // track events the plan does not list
 *     events: {
 *       'Order Completed': {
 *         properties: {
 *           order_id: { type: 'string', pattern: '^[A-Z]-\\d+$' },
 *           revenue: { type: 'number', min: 0 },
 *           currency: { type: 'string', enum: ['USD', 'EUR'] },
 *           products: { type: 'array', max: 100 },
 *         },
 *         required: ['order_id', 'revenue'],
 *         additionalProperties: true,
 *       },
 *     },
 *     identify: { properties: { email: { type: 'string' } }, required: ['email'] },  // identify traits
 *   }
 *
 * Modes: `allow` accepts an event that breaks the plan and flags it
 * (`context.c360.violations` in the lake); `block` rejects it (the collector
 * answers 400 / lists it in `rejected`; the consumer quarantines it with the
 * reason `tracking plan: <event>: <reasons>`).
 *
 * `min` / `max` bound a number's value (number, integer), a string's length
 * and an array's item count. `pattern` (strings) is a regular expression,
 * matched anywhere unless anchored.
 */
import * as z from 'zod/mini';
import { withDefault } from './builders';

export const PROPERTY_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array'] as const;
export const PLAN_MODES = ['allow', 'block'] as const;
export type PlanMode = (typeof PLAN_MODES)[number];

const planMode = z.enum(PLAN_MODES);

const propertySchema = z
  .strictObject({
    type: z.enum(PROPERTY_TYPES),
    description: z.optional(z.string()),
    /** The only values allowed. */
    enum: z.optional(z.array(z.union([z.string(), z.number(), z.boolean()])).check(z.minLength(1))),
    /** Strings: a regular expression the value matches. */
    pattern: z.optional(z.string()),
    /** Numbers: the value; strings: the length; arrays: the item count. */
    min: z.optional(z.number()),
    max: z.optional(z.number()),
  })
  .check(
    z.superRefine((p, ctx) => {
      const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', message, path: [path], input: p });
      if (p.pattern !== undefined) {
        if (p.type !== 'string') issue('pattern', `a pattern applies to strings; this property is ${p.type}`);
        try {
          new RegExp(p.pattern);
        } catch (err) {
          issue('pattern', `not a valid regular expression: ${(err as Error).message}`);
        }
      }
      for (const bound of ['min', 'max'] as const) {
        if (p[bound] !== undefined && (p.type === 'boolean' || p.type === 'object')) issue(bound, `${bound} applies to numbers, strings and arrays; this property is ${p.type}`);
      }
      if (p.min !== undefined && p.max !== undefined && p.min > p.max) issue('max', `max (${p.max}) is below min (${p.min})`);
      if (p.enum !== undefined) {
        const expected = p.type === 'integer' ? 'number' : p.type;
        p.enum.forEach((value, i) => {
          const fits = typeof value === expected && (p.type !== 'integer' || Number.isInteger(value));
          if (!fits) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not of type ${p.type}`, path: ['enum', i], input: p });
        });
        if (p.type === 'object' || p.type === 'array') issue('enum', `enum applies to strings, numbers and booleans; this property is ${p.type}`);
      }
    }),
  );

const propertyName = z.string().check(z.minLength(1));

/** One event's schema: its properties (track) or traits (identify). */
export const eventSchemaSchema = z
  .strictObject({
    description: z.optional(z.string()),
    properties: withDefault(z.record(propertyName, propertySchema), {}),
    /** Properties the event must carry (each declared in `properties`). */
    required: withDefault(z.array(propertyName), []),
    /** Whether the event may carry properties `properties` does not declare. */
    additionalProperties: withDefault(z.boolean(), true),
  })
  .check(
    z.superRefine((e, ctx) => {
      const seen = new Set<string>();
      e.required.forEach((name, i) => {
        if (!Object.hasOwn(e.properties, name)) {
          ctx.addIssue({ code: 'custom', message: `required property "${name}" is not declared in properties`, path: ['required', i], input: e });
        }
        if (seen.has(name)) ctx.addIssue({ code: 'custom', message: `"${name}" is listed twice`, path: ['required', i], input: e });
        seen.add(name);
      });
    }),
  );

export const trackingPlanSection = z.prefault(
  z.strictObject({
    /** What a violation does, for sources `sources` does not name. */
    mode: withDefault(planMode, 'allow'),
    /** A mode per source (the collector's source name; `kinesis` for producers writing to the stream without `context.source`). */
    sources: withDefault(z.record(z.string().check(z.minLength(1)), planMode), {}),
    /** Track events the plan does not list: accepted (`allow`) or rejected (`block`) whatever the source's mode. */
    unplannedEvents: withDefault(planMode, 'allow'),
    /** Track events by name. */
    events: withDefault(z.record(z.string().check(z.minLength(1), z.maxLength(512)), eventSchemaSchema), {}),
    /** Identify calls' traits; not checked when absent. */
    identify: z.optional(eventSchemaSchema),
  }),
  {},
);

export type TrackingPlan = z.output<typeof trackingPlanSection>;
export type EventPlan = z.output<typeof eventSchemaSchema>;
export type PropertyPlan = EventPlan['properties'][string];
