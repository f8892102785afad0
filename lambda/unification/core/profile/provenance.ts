/**
 * Why a profile holds each of its identifiers: the earliest event (event
 * time, then messageId) that carried it, and the other identifiers that event
 * carried. Keeping the earliest makes the explanation a fold that does not
 * depend on event order or batch boundaries, like the rest of the profile:
 * two events that join an anonymous purchase to a known customer explain the
 * same way whether they arrive together, apart, or in either order.
 *
 * An identifier the profile holds with no entry is `unrecorded`: it was
 * linked before explanations were kept (a document from before them), or
 * added without an event that carried it. It stays unrecorded: a later event
 * carrying it is not the one that brought it.
 */
import type { Identifier } from '../../../shared/events';
import { idKey, parseIdKey } from '../identity/keys';

/** Event time (epoch ms), messageId, and the identifier keys the event also carried (sorted, at most MAX_VIA). */
export type LinkEntry = readonly [ts: number, messageId: string, via: readonly string[]];

/** Identifier key (`type#value`) → the event that brought it. */
export type IdentifierLinks = Readonly<Record<string, LinkEntry>>;

/** How many of an event's other identifiers an entry keeps (an event may carry up to 50). */
export const MAX_VIA = 10;

export interface IdentifierLink {
  type: string;
  value: string;
  messageId?: string;
  /** Event time, ISO-8601. */
  at?: string;
  /** `first-seen`: the event carried only this identifier; `linked`: with those in `via`; `unrecorded`: linked before explanations were kept. */
  rule: 'first-seen' | 'linked' | 'unrecorded';
  via: Identifier[];
}

type Identifiers = Readonly<Record<string, readonly string[]>>;

/** What an explanation is read from: a Profile, or anything holding its identifiers and links. */
export interface ExplainedIdentities {
  readonly identifiers: Identifiers;
  readonly links?: IdentifierLinks;
}

/** The parts of an event that link identifiers. */
export interface LinkingEvent {
  readonly messageId: string;
  readonly ts: number;
  readonly identifiers: readonly Identifier[];
  readonly previousId?: string;
}

function holds(identifiers: Identifiers, type: string, value: string): boolean {
  return identifiers[type]?.includes(value) === true;
}

/** Whether entry `a` is earlier than `b`: event time, then messageId. */
function earlier(a: LinkEntry, b: LinkEntry): boolean {
  return a[0] !== b[0] ? a[0] < b[0] : a[1] < b[1];
}

function capVia(keys: Iterable<string>): string[] {
  return [...new Set(keys)].sort().slice(0, MAX_VIA);
}

/**
 * Of two entries, the earlier; the same event seen twice keeps the union of
 * what it carried (a previous id may only resolve once the profile holds it).
 */
function combine(a: LinkEntry, b: LinkEntry): LinkEntry {
  if (a[0] === b[0] && a[1] === b[1]) {
    if (b[2].every((k) => a[2].includes(k))) return a;
    return [a[0], a[1], capVia([...a[2], ...b[2]])];
  }
  return earlier(a, b) ? a : b;
}

/**
 * The identifier keys an event carried that the profile holds: its own, and
 * its alias previous id under the type the profile holds it as (userId, else
 * anonymousId).
 */
function carriedKeys(event: LinkingEvent, held: Identifiers): string[] {
  const keys: string[] = [];
  for (const { type, value } of event.identifiers) if (holds(held, type, value)) keys.push(idKey(type, value));
  const prev = event.previousId;
  if (prev !== undefined) {
    const type = holds(held, 'userId', prev) ? 'userId' : holds(held, 'anonymousId', prev) ? 'anonymousId' : undefined;
    if (type !== undefined) keys.push(idKey(type, prev));
  }
  return keys;
}

/**
 * Records the events' identifiers: for each one the profile holds (`after`),
 * the earliest event that carried it. An identifier the profile already held
 * (`before`) without an entry stays unrecorded. Returns `links` itself when
 * nothing changes.
 */
export function recordLinks(
  links: IdentifierLinks | undefined,
  before: Identifiers,
  after: Identifiers,
  events: readonly LinkingEvent[],
): IdentifierLinks | undefined {
  let out: Record<string, LinkEntry> | undefined;
  for (const event of events) {
    const keys = carriedKeys(event, after);
    if (keys.length === 0) continue;
    for (const key of keys) {
      const current = (out ?? links)?.[key];
      if (current === undefined) {
        const { type, value } = parseIdKey(key);
        if (holds(before, type, value)) continue;
      } else if (current[0] < event.ts || (current[0] === event.ts && current[1] < event.messageId)) {
        continue;
      }
      const entry: LinkEntry = [event.ts, event.messageId, capVia(keys.filter((k) => k !== key))];
      const next = current === undefined ? entry : combine(current, entry);
      if (next === current) continue;
      out ??= { ...links };
      out[key] = next;
    }
  }
  return out ?? links;
}

/** `p` with the events' identifiers recorded (see recordLinks); `before` is what it held before the events. */
export function withEventLinks<P extends ExplainedIdentities>(p: P, before: Identifiers, events: readonly LinkingEvent[]): P {
  const links = recordLinks(p.links, before, p.identifiers, events);
  return links === p.links ? p : { ...p, links };
}

/**
 * The links of two merged profiles: per identifier the earlier event. One
 * that either side holds unrecorded stays unrecorded.
 */
export function mergeLinks(a: ExplainedIdentities, b: ExplainedIdentities): IdentifierLinks | undefined {
  if (a.links === undefined && b.links === undefined) return undefined;
  const out: Record<string, LinkEntry> = { ...a.links };
  for (const [key, entry] of Object.entries(b.links ?? {})) {
    const current = out[key];
    out[key] = current === undefined ? entry : combine(current, entry);
  }
  for (const side of [a, b]) {
    for (const [type, values] of Object.entries(side.identifiers)) {
      for (const value of values) {
        const key = idKey(type, value);
        if (side.links?.[key] === undefined) delete out[key];
      }
    }
  }
  return out;
}

/** Every identifier the profile holds, by type then value, with the event and rule that linked it. */
export function explainIdentifiers(p: ExplainedIdentities): IdentifierLink[] {
  const out: IdentifierLink[] = [];
  for (const type of Object.keys(p.identifiers).sort()) {
    for (const value of p.identifiers[type] ?? []) {
      const entry = p.links?.[idKey(type, value)];
      if (entry === undefined) {
        out.push({ type, value, rule: 'unrecorded', via: [] });
        continue;
      }
      const [ts, messageId, via] = entry;
      out.push({
        type,
        value,
        messageId,
        at: new Date(ts).toISOString(),
        rule: via.length === 0 ? 'first-seen' : 'linked',
        via: via.map(parseIdKey),
      });
    }
  }
  return out;
}
