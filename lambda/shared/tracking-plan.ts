/**
 * The tracking plan's checks, on plain data: what an event breaks in the plan
 * (config: trackingPlan, lambda/config/tracking-plan.ts) and what to do about
 * it. The collector checks events as clients sent them and flags the ones it
 * accepts (`context.c360`); the stream consumer checks the events producers
 * wrote to the stream directly, recognising the collector's flag so that no
 * event is checked twice.
 *
 * The flag on an event the collector checked:
 *
 *   context.c360 = { plan: 'checked', violations?: [{ property?, reason }, ...] }
 *
 * `violations` is present on an event accepted although it breaks the plan
 * (mode `allow`): the lake keeps it, and the tracking_plan_violations view
 * counts it by event and reason.
 */
import type { EventPlan, PlanMode, PropertyPlan, TrackingPlan } from '../config/tracking-plan';

export interface Violation {
  /** The property (track) or trait (identify) at fault; absent for the event as a whole. */
  readonly property?: string;
  readonly reason: string;
}

export type PlanAction = 'accept' | 'flag' | 'reject';

export interface PlanVerdict {
  /** accept: nothing to say; flag: accepted with its violations (mode allow); reject: refused (mode block, or an unplanned event when those are blocked). */
  readonly action: PlanAction;
  readonly violations: readonly Violation[];
}

/** Violations kept per event, at most: the flag must not make an event too large for the stream's checks. */
export const MAX_VIOLATIONS = 10;
const MAX_NAME = 128;

export const UNPLANNED_REASON = 'event is not in the tracking plan';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether the plan checks nothing (the default): every verdict is accept. */
export function planIsEmpty(plan: TrackingPlan): boolean {
  return Object.keys(plan.events).length === 0 && plan.identify === undefined && plan.unplannedEvents === 'allow';
}

/** The name the plan and its reports use for an event: a track call's event name, else its type. */
export function planEventName(event: unknown): string {
  if (!isObject(event)) return '(not an object)';
  if (event.type === 'track' && typeof event.event === 'string') return event.event;
  return typeof event.type === 'string' ? event.type : '(no type)';
}

/** The schema the plan has for an event and the object it checks, or undefined when the plan says nothing about it. */
function schemaOf(plan: TrackingPlan, event: Json): { schema: EventPlan; values: unknown } | undefined {
  if (event.type === 'track' && typeof event.event === 'string') {
    const schema = Object.hasOwn(plan.events, event.event) ? plan.events[event.event] : undefined;
    return schema === undefined ? undefined : { schema, values: event.properties };
  }
  if (event.type === 'identify' && plan.identify !== undefined) return { schema: plan.identify, values: event.traits };
  return undefined;
}

const patterns = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (re === undefined) {
    re = new RegExp(pattern);
    patterns.set(pattern, re);
  }
  return re;
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

function hasType(value: unknown, type: PropertyPlan['type']): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
  }
}

/** What one present value breaks in its property's schema. */
function valueProblems(value: unknown, p: PropertyPlan): string[] {
  if (!hasType(value, p.type)) {
    const got = typeOf(value);
    return [`expected ${p.type}, got ${got === 'number' && p.type === 'integer' ? 'a fraction' : got}`];
  }
  const out: string[] = [];
  if (p.enum !== undefined && !p.enum.includes(value as string | number | boolean)) {
    out.push(`not one of ${p.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  if (p.pattern !== undefined && typeof value === 'string' && !compiled(p.pattern).test(value)) out.push(`does not match ${p.pattern}`);
  const size = typeof value === 'number' ? value : typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
  if (size !== undefined) {
    const what = typeof value === 'number' ? '' : typeof value === 'string' ? 'length ' : 'items ';
    if (p.min !== undefined && size < p.min) out.push(`${what}below min ${p.min}`);
    if (p.max !== undefined && size > p.max) out.push(`${what}above max ${p.max}`);
  }
  return out;
}

const name = (property: string) => (property.length > MAX_NAME ? `${property.slice(0, MAX_NAME)}…` : property);

/**
 * What an event breaks in its schema: required properties missing (absent or
 * null), values of the wrong type, outside the allowed values, pattern or
 * bounds, and undeclared properties where the schema allows none. An event
 * the plan has no schema for (an unplanned track event, page, screen, group,
 * alias; identify without an identify schema) breaks nothing here:
 * planVerdict decides about unplanned events. At most MAX_VIOLATIONS.
 */
export function checkEvent(plan: TrackingPlan, event: unknown): Violation[] {
  if (!isObject(event)) return [{ reason: 'an event must be a JSON object' }];
  const found = schemaOf(plan, event);
  if (found === undefined) return [];
  const { schema } = found;
  const out: Violation[] = [];
  if (found.values !== undefined && found.values !== null && !isObject(found.values)) {
    return [{ reason: `${event.type === 'identify' ? 'traits' : 'properties'} must be an object` }];
  }
  const values: Json = isObject(found.values) ? found.values : {};
  for (const required of schema.required) {
    if (values[required] === undefined || values[required] === null) out.push({ property: name(required), reason: 'required' });
  }
  for (const [key, value] of Object.entries(values)) {
    const p = Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
    if (p === undefined) {
      if (!schema.additionalProperties) out.push({ property: name(key), reason: 'not declared in the tracking plan' });
      continue;
    }
    if (value === undefined || value === null) continue;
    for (const reason of valueProblems(value, p)) out.push({ property: name(key), reason });
  }
  return out.slice(0, MAX_VIOLATIONS);
}

/** The mode of a source: its own, else the plan's. */
export function modeOf(plan: TrackingPlan, source: string): PlanMode {
  return (Object.hasOwn(plan.sources, source) ? plan.sources[source] : undefined) ?? plan.mode;
}

/**
 * What to do with an event from a source: accept it (nothing broken), flag
 * it (broken, the source's mode is allow), or reject it (broken and the mode
 * is block; or a track event the plan does not list while unplannedEvents
 * is block, whatever the mode).
 */
export function planVerdict(plan: TrackingPlan, source: string, event: unknown): PlanVerdict {
  if (planIsEmpty(plan)) return { action: 'accept', violations: [] };
  if (isObject(event) && event.type === 'track' && typeof event.event === 'string' && !Object.hasOwn(plan.events, event.event)) {
    return plan.unplannedEvents === 'block' ? { action: 'reject', violations: [{ reason: UNPLANNED_REASON }] } : { action: 'accept', violations: [] };
  }
  const violations = checkEvent(plan, event);
  if (violations.length === 0) return { action: 'accept', violations };
  return { action: modeOf(plan, source) === 'block' ? 'reject' : 'flag', violations };
}

/** One violation as text: `property: reason`, or the reason alone. */
export const describeViolation = (v: Violation): string => (v.property === undefined ? v.reason : `${v.property}: ${v.reason}`);

/** Why an event is rejected: `tracking plan: <event>: <reasons>` (the collector's answer and the quarantine's reason). */
export function rejectionReason(event: unknown, violations: readonly Violation[]): string {
  return `tracking plan: ${planEventName(event)}: ${violations.map(describeViolation).join('; ')}`;
}

/** The event with the collector's flag (`context.c360`): checked, and its violations when it is accepted with some. */
export function markChecked(event: Json, verdict: PlanVerdict): Json {
  const context = isObject(event.context) ? event.context : {};
  const own = isObject(context.c360) ? context.c360 : {};
  const c360: Json = { ...own, plan: 'checked' };
  if (verdict.action === 'flag') c360.violations = verdict.violations.map((v) => ({ ...v }));
  else delete c360.violations;
  return { ...event, context: { ...context, c360 } };
}

/** Whether the collector has checked an event already (its flag, markChecked). */
export function wasChecked(event: unknown): boolean {
  return isObject(event) && isObject(event.context) && isObject(event.context.c360) && event.context.c360.plan === 'checked';
}
