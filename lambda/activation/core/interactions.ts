/**
 * From a parsed track event to the interactions it records (Personalize's
 * interactions schema, and the built-in recommender's input): only the
 * events config.activation.recommendations.events names, one interaction per
 * item — the event's own item id (the first of `itemIdProperties` present on
 * its properties), else each entry of its `products` list, read by the same
 * property names. An item without an id is rejected with the reason, never
 * dropped unseen; the event's other items are still recorded.
 */
import type { UnifyEvent } from '../../shared/events';
import type { ActivationConfig } from '../../config/activation';
import type { Interaction } from '../contracts/recommendations';

/** What maps events to interactions (config.activation.recommendations). */
export interface InteractionMapping {
  /** Track event name → its EVENT_TYPE and the (numeric) property sent as EVENT_VALUE. */
  readonly events: Readonly<Record<string, { readonly type: string; readonly value?: string | undefined }>>;
  /** Properties naming an item, first present wins. */
  readonly itemIdProperties: readonly string[];
}

export function interactionMapping(recommendations: Pick<ActivationConfig['recommendations'], 'events' | 'itemIdProperties'>): InteractionMapping {
  return { events: recommendations.events, itemIdProperties: recommendations.itemIdProperties };
}

/** The part of a parsed event an interaction is made of. */
export type InteractionEvent = Pick<UnifyEvent, 'type' | 'name' | 'properties' | 'messageId' | 'ts' | 'identifiers'>;

/** Personalize's ITEM_ID is a string of at most 256 characters. */
export const MAX_ITEM_ID_LENGTH = 256;

/** An item of an event that records nothing, and why. */
export interface RejectedItem {
  /** Position in `products`; absent for the event's own item. */
  readonly index?: number;
  readonly reason: string;
}

export interface MappedEvent {
  /** The interactions without their profile: the profile is resolved after mapping. */
  readonly items: readonly Omit<Interaction, 'profileId' | 'sessionId'>[];
  readonly rejected: readonly RejectedItem[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An item id as a string, or why the value is not one. */
function itemIdOf(holder: Readonly<Record<string, unknown>>, names: readonly string[]): { id: string } | { reason: string } | undefined {
  for (const name of names) {
    const raw = holder[name];
    if (raw === undefined || raw === null || raw === '') continue;
    if (typeof raw !== 'string' && typeof raw !== 'number') return { reason: `${name} must be a string or a number` };
    const id = String(raw).trim();
    if (id === '') continue;
    if (id.length > MAX_ITEM_ID_LENGTH) return { reason: `${name} is longer than ${MAX_ITEM_ID_LENGTH} characters` };
    return { id };
  }
  return undefined;
}

/** A finite number, or a numeric string; anything else is no value. */
export function numericValue(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The interactions an event records, without their profile; undefined when
 * it records none by config (not a track event, or a name the mapping does
 * not list). Pure.
 */
export function mapEvent(event: InteractionEvent, mapping: InteractionMapping): MappedEvent | undefined {
  if (event.type !== 'track' || event.name === undefined) return undefined;
  const rule = mapping.events[event.name];
  if (rule === undefined) return undefined;
  const properties = event.properties ?? {};
  const value = (holder: Readonly<Record<string, unknown>>) => (rule.value === undefined ? undefined : (numericValue(holder[rule.value]) ?? numericValue(properties[rule.value])));
  const items: Omit<Interaction, 'profileId' | 'sessionId'>[] = [];
  const rejected: RejectedItem[] = [];
  const seen = new Set<string>();
  const add = (itemId: string, index: number, holder: Readonly<Record<string, unknown>>) => {
    // The same item twice in one event is one interaction: the store keys it by (profile, time, item, type) anyway.
    if (seen.has(itemId)) return;
    seen.add(itemId);
    const eventValue = value(holder);
    items.push({ itemId, eventType: rule.type, ...(eventValue === undefined ? {} : { eventValue }), at: event.ts, messageId: `${event.messageId}#${index}` });
  };
  const names = mapping.itemIdProperties.join(' or ');

  const own = itemIdOf(properties, mapping.itemIdProperties);
  if (own !== undefined) {
    if ('id' in own) add(own.id, 0, properties);
    else rejected.push({ reason: own.reason });
    return { items, rejected };
  }
  const products = properties.products;
  if (products === undefined || products === null) {
    rejected.push({ reason: `no item id: the event has no ${names} and no products list` });
    return { items, rejected };
  }
  if (!Array.isArray(products)) {
    rejected.push({ reason: 'products must be a list' });
    return { items, rejected };
  }
  if (products.length === 0) rejected.push({ reason: 'the products list is empty' });
  products.forEach((product: unknown, index) => {
    if (!isObject(product)) {
      rejected.push({ index, reason: `products[${index}] is not an object` });
      return;
    }
    const id = itemIdOf(product, mapping.itemIdProperties);
    if (id === undefined) rejected.push({ index, reason: `products[${index}] has no ${names}` });
    else if ('reason' in id) rejected.push({ index, reason: `products[${index}]: ${id.reason}` });
    else add(id.id, index, product);
  });
  return { items, rejected };
}

/** The anonymous id an event carries (Personalize's sessionId), if any. */
export function anonymousIdOf(event: Pick<UnifyEvent, 'identifiers'>): string | undefined {
  return event.identifiers.find((i) => i.type === 'anonymousId')?.value;
}

/** The mapped items as interactions of a profile: USER_ID the profile id, sessionId the anonymous id, else the profile id. */
export function toInteractions(mapped: MappedEvent, profileId: string, anonymousId: string | undefined): Interaction[] {
  const sessionId = anonymousId ?? profileId;
  return mapped.items.map((item) => ({ ...item, profileId, sessionId }));
}

/** Both steps at once: the interactions of an event already known to belong to `profileId`. */
export function eventInteractions(
  event: InteractionEvent,
  mapping: InteractionMapping,
  profileId: string,
): { interactions: Interaction[]; rejected: readonly RejectedItem[] } | undefined {
  const mapped = mapEvent(event, mapping);
  if (mapped === undefined) return undefined;
  return { interactions: toInteractions(mapped, profileId, anonymousIdOf(event)), rejected: mapped.rejected };
}
