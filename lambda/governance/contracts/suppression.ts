/**
 * The suppression list's view of an event: which normalised identifiers a raw
 * Segment-spec event names. Every ingest path (the HTTP collector, the file
 * import, the stream consumer) asks the list about these, so an erased
 * person's later events are dropped wherever they arrive. Pure, and importable
 * by every pillar; it reads identifiers from the same places the consumer
 * links them from (shared/events.ts), with the same normalisation.
 */
import type { Identifier } from '../../shared/events';
import { normalizeIdentifier, RAW_CONTACT_TRAITS } from '../../shared/normalize';

/** The reason an ingest path gives for a dropped event of an erased person. */
export const SUPPRESSED_REASON = 'suppressed: erased person';

export interface SuppressionIdentifierOptions {
  /** Identifier types that link events to profiles (config: unification.identity.identifiers). */
  readonly identifierTypes: readonly string[];
  readonly defaultPhoneRegion: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The normalised, deduplicated identifiers of a raw event object: userId,
 * anonymousId, and for the other configured types an identify call's traits,
 * `context.traits`, a track/page/screen call's properties and `context.externalIds`. Anything that is not
 * an object gives none. Values a blocklist would refuse are kept: a blocked
 * value is never on the suppression list, as no erasure resolves to it.
 */
export function suppressionIdentifiers(event: unknown, opts: SuppressionIdentifierOptions): Identifier[] {
  if (!isObject(event)) return [];
  const context = isObject(event.context) ? event.context : {};
  const contextTraits = isObject(context.traits) ? context.traits : {};
  // As the consumer reads them: a group call's traits are the group's, not the person's.
  const ownTraits = event.type === 'identify' && isObject(event.traits) ? event.traits : {};
  const properties = (event.type === 'track' || event.type === 'page' || event.type === 'screen') && isObject(event.properties) ? event.properties : {};
  const externalIds = Array.isArray(context.externalIds) ? context.externalIds.filter(isObject) : [];
  const found = new Map<string, Identifier>();
  const add = (type: string, raw: unknown) => {
    const value = normalizeIdentifier(type, raw, opts.defaultPhoneRegion);
    if (value !== undefined) found.set(`${type}\u0000${value}`, { type, value });
  };
  for (const type of opts.identifierTypes) {
    if (type === 'userId') add(type, event.userId);
    else if (type === 'anonymousId') add(type, event.anonymousId);
    else if (RAW_CONTACT_TRAITS.includes(type)) continue;
    else {
      add(type, ownTraits[type]);
      add(type, contextTraits[type]);
      add(type, properties[type]);
      for (const ext of externalIds) if (ext.type === type) add(type, ext.id);
    }
  }
  return [...found.values()];
}
