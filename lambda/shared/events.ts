/**
 * Segment-spec events: the schema every producer's record is validated against,
 * and the normalised form the rest of the unification pillar works on.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import '../config/zod-locale';
import { normalizeContactTraits, normalizeIdentifier, normalizeId, RAW_CONTACT_TRAITS } from './normalize';

export const EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const jsonObject = z.record(z.string(), z.unknown());
const CONSENT_SOURCE = /^[a-z][a-z0-9_-]{0,63}$/;
const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
const idValue = z.nullish(z.union([text(0, 1024), z.number()]));

const base = {
  messageId: z.optional(text(1, 256)),
  timestamp: z.optional(text(0, 64)),
  /** The device time of the call (RudderStack sends it instead of `timestamp`). */
  originalTimestamp: z.optional(text(0, 64)),
  /** The device time the call was sent: with the receive time, it gives the device clock's skew. */
  sentAt: z.optional(text(0, 64)),
  /** Segment's and RudderStack's own channel field; `context.channel` wins over it (see eventChannel). */
  channel: z.optional(text(0, 64)),
  userId: idValue,
  anonymousId: idValue,
  context: z.optional(
    z.looseObject({
      traits: z.optional(jsonObject),
      channel: z.optional(text(0, 64)),
      externalIds: z.optional(
        z.array(z.looseObject({ id: z.union([z.string(), z.number()]), type: z.string() })).check(z.maxLength(1000)),
      ),
      /** The device; the Segment mobile SDKs send the push token as `token` (read as a deviceToken identifier). */
      device: z.optional(z.looseObject({ token: z.nullish(text(0, 1024)) })),
      /** Segment's consent object: the person's choice per consent category, as the CMP on the page or app knows it. */
      consent: z.optional(
        z.looseObject({
          categoryPreferences: z.optional(z.record(text(1, 128), z.boolean())),
          /** The version of the consent policy the person answered. */
          policyVersion: z.optional(text(1, 64)),
          /** Who recorded a preference event's decision (`api`, `preference-center`, a CMP export ...). */
          source: z.optional(z.string().check(z.regex(CONSENT_SOURCE, 'a lower-case name such as api or preference-center'))),
        }),
      ),
    }),
  ),
};

export const segmentEventSchema = z.discriminatedUnion('type', [
  z.looseObject({ ...base, type: z.literal('track'), event: text(1, 512), properties: z.optional(jsonObject) }),
  z.looseObject({ ...base, type: z.literal('identify'), traits: z.optional(jsonObject) }),
  z.looseObject({ ...base, type: z.literal('page'), name: z.optional(text(0, 512)), properties: z.optional(jsonObject) }),
  z.looseObject({ ...base, type: z.literal('screen'), name: z.optional(text(0, 512)), properties: z.optional(jsonObject) }),
  z.looseObject({ ...base, type: z.literal('group'), groupId: z.union([text(1, 1024), z.number()]), traits: z.optional(jsonObject) }),
  z.looseObject({ ...base, type: z.literal('alias'), previousId: z.union([text(1, 1024), z.number()]) }),
]);
export type SegmentEvent = z.infer<typeof segmentEventSchema>;

export interface Identifier {
  readonly type: string;
  readonly value: string;
}

/** An identifier an event carried that was not linked, and why. */
export interface RejectedIdentifier extends Identifier {
  readonly reason: string;
}

export type ConsentStatus = 'granted' | 'denied';

/**
 * One consent decision an event carried, for one purpose. `source` is
 * `context` for the consent object any event may carry (what the CMP knew
 * when the event was sent), and for the preference event (an explicit
 * decision) `event` or the name its consent object gives
 * (`context.consent.source`, e.g. `api`).
 */
export interface ConsentDecision {
  readonly purpose: string;
  readonly status: ConsentStatus;
  /** Event time, epoch ms. */
  readonly at: number;
  readonly source: string;
  readonly policyVersion: string;
  readonly messageId: string;
}

/** The source of a decision read from the consent object of an event other than the preference event. */
export const CONTEXT_CONSENT_SOURCE = 'context';
/** The source of a preference event's decision whose consent object names none. */
export const EVENT_CONSENT_SOURCE = 'event';

/** How Segment's consent object becomes decisions (config governance.consent). */
export interface ConsentParseOptions {
  /** The configured purposes. */
  readonly purposes: readonly string[];
  /** CMP category → the purposes it decides (a category named like a purpose decides that purpose). */
  readonly categories: Readonly<Record<string, readonly string[]>>;
  /** The track event that records an explicit decision. */
  readonly preferenceEvent: string;
  /** Policy version of a decision whose consent object names none. */
  readonly policyVersion: string;
}

/** The consumer's view of one valid event. */
export interface UnifyEvent {
  readonly messageId: string;
  readonly type: EventType;
  /** Track event name, or page/screen name. */
  readonly name?: string;
  /** Event time, ISO-8601 UTC, and the same as epoch milliseconds. */
  readonly timestamp: string;
  readonly ts: number;
  /** Normalised identifiers the event carries (deduplicated, blocked values left out). */
  readonly identifiers: readonly Identifier[];
  /** Identifiers that must not link anything (blocked values), with the reason. */
  readonly rejectedIdentifiers?: readonly RejectedIdentifier[];
  /** An alias call's previous id: links to whichever profile holds it as userId or anonymousId. */
  readonly previousId?: string;
  /** Profile traits the event sets (identify traits, or context.traits on other calls). */
  readonly traits: Readonly<Record<string, unknown>>;
  /** Properties of a track, page or screen call (computed traits filter and aggregate them). */
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly channel?: string;
  /** Revenue of an `Order Completed` event, in ten-thousandths (an integer, so sums are exact). */
  readonly revenue?: number;
  /** Consent decisions of its consent object (`context.consent`), one per purpose it decides. */
  readonly consent?: readonly ConsentDecision[];
}

export interface ParseOptions {
  /** Identifier types that link events to profiles (config: unification.identity.identifiers). */
  readonly identifierTypes: readonly string[];
  /** Why an identifier value never links anything (blocked), or undefined. */
  readonly blockedReason?: (value: string) => string | undefined;
  readonly defaultPhoneRegion: string;
  readonly revenueProperties: readonly string[];
  /** Processing time, epoch ms: bounds how far in the future a timestamp may be. */
  readonly now: number;
  /** Reads consent objects into decisions; without it, events carry no consent. */
  readonly consent?: ConsentParseOptions;
}

export const LIMITS = {
  /** Per-event limit of the Segment HTTP API, applied to every path. */
  maxEventBytes: 32 * 1024,
  maxIdentifiersPerEvent: 50,
  /**
   * How far past its receive (or processing) time an event's time may be.
   * One constant for the collector, which refuses such an event with the
   * reason, and the consumer, which quarantines one a producer wrote to the
   * stream directly (eventTimeProblem).
   */
  maxFutureSkewMs: 24 * 3600 * 1000,
  /** Earliest accepted event time. */
  minTimestampMs: Date.UTC(2000, 0, 1),
} as const;

/**
 * Segment's clock-skew correction: the device time of a call, moved by how far
 * the device clock (`sentAt`, read when the call was sent) was from the
 * server's when it arrived, i.e. `receivedAt - (sentAt - originalTimestamp)`.
 * Without `sentAt` the device time is taken as it is.
 */
export function correctClockSkew(deviceMs: number, sentAtMs: number | undefined, receivedAtMs: number): number {
  return sentAtMs === undefined ? deviceMs : receivedAtMs - (sentAtMs - deviceMs);
}

/**
 * Why an event time (epoch ms, after skew correction) is not accepted, or
 * undefined. More than LIMITS.maxFutureSkewMs past `now` is refused rather
 * than corrected: the skew correction has already absorbed a wrong device
 * clock wherever the sender said when it sent the call (`sentAt`), so a time
 * still that far ahead is a wrong time, and replacing it with the arrival time
 * would put the event at a moment it did not happen, silently. The collector
 * checks it against the receive time and the consumer against its processing
 * time, which is later, so what the collector accepts the consumer accepts.
 */
export function eventTimeProblem(ts: number, now: number): string | undefined {
  if (ts > now + LIMITS.maxFutureSkewMs) {
    const hours = LIMITS.maxFutureSkewMs / 3_600_000;
    return `timestamp ${new Date(ts).toISOString()} is more than ${hours} hours in the future (now: ${new Date(now).toISOString()})`;
  }
  if (ts < LIMITS.minTimestampMs) {
    return `timestamp ${new Date(ts).toISOString()} is before ${new Date(LIMITS.minTimestampMs).toISOString()}`;
  }
  return undefined;
}

/**
 * The channel of an event: `context.channel` where the event has one, else
 * the top-level `channel` Segment and RudderStack send (a non-empty string).
 * The collector writes this into `context.channel`, so the lake's views,
 * which read context.channel, and the consumer agree.
 */
export function eventChannel(event: { readonly channel?: unknown; readonly context?: unknown }): string | undefined {
  const context = event.context;
  const own = typeof context === 'object' && context !== null ? (context as { channel?: unknown }).channel : undefined;
  if (typeof own === 'string') return own;
  return typeof event.channel === 'string' && event.channel.length > 0 ? event.channel : undefined;
}

export type ParseResult = { ok: true; event: UnifyEvent } | { ok: false; reason: string };

/** A timestamp already in the form toISOString() gives (formatting one is costly on the hot path). */
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Revenue is stored in ten-thousandths of the currency unit. */
export const REVENUE_SCALE = 10_000;

/**
 * Parses and validates one record's payload. Never throws: an unusable record
 * comes back with the reason it is quarantined.
 *
 * @param fallbackTimestamp the stream's arrival time, epoch ms (the same on
 *   every redelivery). An event's `timestamp` is its time as it is (the
 *   collector has already corrected it; a producer writing to the stream
 *   directly sets it itself). Without one, `originalTimestamp` (RudderStack)
 *   corrected by the skew of `sentAt` against the arrival time; without
 *   either, the arrival time.
 */
export function parseEvent(payload: Buffer | string, fallbackTimestamp: number, opts: ParseOptions): ParseResult {
  const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (bytes > LIMITS.maxEventBytes) {
    return { ok: false, reason: `event is ${bytes} bytes; the limit is ${LIMITS.maxEventBytes} bytes (32 KB)` };
  }
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, reason: 'an event must be a JSON object' };
  }
  const type = (json as { type?: unknown }).type;
  if (!EVENT_TYPES.includes(type as EventType)) {
    return { ok: false, reason: `type must be one of ${EVENT_TYPES.join(', ')}; got ${JSON.stringify(type) ?? 'nothing'}` };
  }
  // Most events are valid: a plain check of the same rules takes the record as it is; anything it
  // does not accept goes through the schema, which decides and gives the reason.
  if (isPlainlyValidEvent(json as Record<string, unknown>)) return toUnifyEvent(json as SegmentEvent, text, fallbackTimestamp, opts);
  const parsed = segmentEventSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `schema: ${describeIssues(parsed.error)}` };
  return toUnifyEvent(parsed.data, text, fallbackTimestamp, opts);
}

/*
 * The schema's rules written out by hand, for the common case: true only when
 * segmentEventSchema accepts the object and would give back the same fields
 * and values (it copies objects; the event is used as parsed instead). It may
 * say false for a valid event (a `__proto__` key, say): the schema then
 * decides. Kept beside the schema, and tested against it on generated events.
 */
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown, min: number, max: number): boolean => typeof v === 'string' && v.length >= min && v.length <= max;
const optText = (v: unknown, min: number, max: number): boolean => v === undefined || isText(v, min, max);
const isFiniteNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const isIdValue = (v: unknown): boolean => v === undefined || v === null || isText(v, 0, 1024) || isFiniteNumber(v);
const isRequiredId = (v: unknown): boolean => isText(v, 1, 1024) || isFiniteNumber(v);
/** A record the schema would copy key by key: a plain object whose own keys are ordinary. */
const isPlainRecord = (v: unknown): boolean => isObj(v) && Object.getPrototypeOf(v) === Object.prototype && !Object.prototype.hasOwnProperty.call(v, '__proto__');
const optRecord = (v: unknown): boolean => v === undefined || isPlainRecord(v);

function isPlainlyValidContext(c: unknown): boolean {
  if (c === undefined) return true;
  if (!isObj(c)) return false;
  if (!optRecord(c.traits) || !optText(c.channel, 0, 64)) return false;
  const ext = c.externalIds;
  if (ext !== undefined) {
    if (!Array.isArray(ext) || ext.length > 1000) return false;
    for (const x of ext as unknown[]) {
      if (!isObj(x) || typeof x.type !== 'string' || (typeof x.id !== 'string' && !isFiniteNumber(x.id))) return false;
    }
  }
  const device = c.device;
  if (device !== undefined && (!isObj(device) || !(device.token === undefined || device.token === null || isText(device.token, 0, 1024)))) return false;
  const consent = c.consent;
  if (consent !== undefined) {
    if (!isObj(consent)) return false;
    const prefs = consent.categoryPreferences;
    if (prefs !== undefined) {
      if (!isPlainRecord(prefs)) return false;
      for (const k in prefs as Record<string, unknown>) {
        if (k.length < 1 || k.length > 128 || typeof (prefs as Record<string, unknown>)[k] !== 'boolean') return false;
      }
    }
    if (!optText(consent.policyVersion, 1, 64)) return false;
    if (consent.source !== undefined && !(typeof consent.source === 'string' && CONSENT_SOURCE.test(consent.source))) return false;
  }
  return true;
}

export function isPlainlyValidEvent(e: Record<string, unknown>): boolean {
  if (
    !optText(e.messageId, 1, 256) ||
    !optText(e.timestamp, 0, 64) ||
    !optText(e.originalTimestamp, 0, 64) ||
    !optText(e.sentAt, 0, 64) ||
    !optText(e.channel, 0, 64) ||
    !isIdValue(e.userId) ||
    !isIdValue(e.anonymousId) ||
    !isPlainlyValidContext(e.context)
  ) {
    return false;
  }
  switch (e.type) {
    case 'track':
      return isText(e.event, 1, 512) && optRecord(e.properties);
    case 'identify':
      return optRecord(e.traits);
    case 'page':
    case 'screen':
      return optText(e.name, 0, 512) && optRecord(e.properties);
    case 'group':
      return isRequiredId(e.groupId) && optRecord(e.traits);
    case 'alias':
      return isRequiredId(e.previousId);
    default:
      return false;
  }
}

export function describeIssues(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
    .join('; ');
}

function toUnifyEvent(e: SegmentEvent, text: string, fallbackTimestamp: number, opts: ParseOptions): ParseResult {
  let ts = fallbackTimestamp;
  if (e.timestamp !== undefined) {
    ts = Date.parse(e.timestamp);
    if (Number.isNaN(ts)) return { ok: false, reason: `timestamp ${JSON.stringify(e.timestamp)} is not an ISO-8601 date` };
  } else if (e.originalTimestamp !== undefined) {
    const device = Date.parse(e.originalTimestamp);
    if (Number.isNaN(device)) return { ok: false, reason: `originalTimestamp ${JSON.stringify(e.originalTimestamp)} is not an ISO-8601 date` };
    const sentAt = e.sentAt === undefined ? undefined : Date.parse(e.sentAt);
    if (sentAt !== undefined && Number.isNaN(sentAt)) return { ok: false, reason: `sentAt ${JSON.stringify(e.sentAt)} is not an ISO-8601 date` };
    ts = correctClockSkew(device, sentAt, fallbackTimestamp);
  }
  const timeProblem = eventTimeProblem(ts, opts.now);
  if (timeProblem !== undefined) return { ok: false, reason: timeProblem };

  const userId = normalizeId(e.userId);
  const anonymousId = normalizeId(e.anonymousId);
  if (userId === undefined && anonymousId === undefined) {
    return { ok: false, reason: 'an event needs a userId or an anonymousId' };
  }

  const contextTraits = e.context?.traits;
  const ownTraits = e.type === 'identify' ? e.traits : undefined;
  const properties = e.type === 'track' || e.type === 'page' || e.type === 'screen' ? (e.properties ?? {}) : {};
  // Stored as the identifiers are (email lower-cased, phone E.164), the value as sent kept beside it.
  // The event's own objects are fresh (parsed from this record), so one alone is used without a copy.
  const merged = contextTraits === undefined ? (ownTraits ?? {}) : ownTraits === undefined ? contextTraits : { ...contextTraits, ...ownTraits };
  const traits = normalizeContactTraits(merged, opts.defaultPhoneRegion);

  const carried = extractIdentifiers(e, userId, anonymousId, traits, properties, opts);
  if (carried.length > LIMITS.maxIdentifiersPerEvent) {
    return {
      ok: false,
      reason: `event carries ${carried.length} identifiers; the limit is ${LIMITS.maxIdentifiersPerEvent}`,
    };
  }
  const identifiers: Identifier[] = [];
  const rejectedIdentifiers: RejectedIdentifier[] = [];
  for (const id of carried) {
    const blocked = opts.blockedReason?.(id.value);
    if (blocked === undefined) identifiers.push(id);
    else rejectedIdentifiers.push({ ...id, reason: blocked });
  }
  if (identifiers.length === 0) {
    const what = rejectedIdentifiers.map((r) => `${r.type} ${JSON.stringify(r.value)}`).join(', ');
    return { ok: false, reason: `no usable identifier: ${what} ${rejectedIdentifiers.length > 1 ? 'are blocked values' : 'is a blocked value'}` };
  }

  let revenue: number | undefined;
  if (e.type === 'track' && e.event === 'Order Completed') {
    const key = opts.revenueProperties.find((k) => properties[k] !== undefined && properties[k] !== null);
    if (key !== undefined) {
      const amount = Number(properties[key]);
      if (!Number.isFinite(amount)) {
        return { ok: false, reason: `properties.${key} of an Order Completed event must be a number` };
      }
      revenue = Math.round(amount * REVENUE_SCALE);
    }
  }

  const name = e.type === 'track' ? e.event : e.type === 'page' || e.type === 'screen' ? e.name : undefined;
  const previousId = e.type === 'alias' ? normalizeId(e.previousId) : undefined;
  const channel = eventChannel(e);
  const messageId = e.messageId ?? `sha256-${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
  const consent = opts.consent === undefined ? [] : consentDecisions(e, ts, messageId, opts.consent);
  // Built field by field in this order (the order the journal stores events in), without spreading.
  const event: { -readonly [K in keyof UnifyEvent]: UnifyEvent[K] } = { messageId, type: e.type } as UnifyEvent;
  if (name !== undefined) event.name = name;
  event.timestamp = e.timestamp !== undefined && CANONICAL_ISO.test(e.timestamp) ? e.timestamp : new Date(ts).toISOString();
  event.ts = ts;
  event.identifiers = identifiers;
  if (rejectedIdentifiers.length > 0) event.rejectedIdentifiers = rejectedIdentifiers;
  if (previousId !== undefined && opts.blockedReason?.(previousId) === undefined) event.previousId = previousId;
  event.traits = traits;
  if (e.type === 'track' || e.type === 'page' || e.type === 'screen') event.properties = properties;
  if (channel !== undefined) event.channel = channel;
  if (revenue !== undefined) event.revenue = revenue;
  if (consent.length > 0) event.consent = consent;
  return { ok: true, event };
}

/**
 * The decisions of an event's consent object, one per purpose, sorted by
 * purpose. A category named like a purpose decides it; other categories
 * decide the purposes config maps them to; unknown categories are left out.
 * When categories disagree on a purpose, the one named like it wins, then a
 * denial (the cautious reading of a contradictory answer).
 */
function consentDecisions(e: SegmentEvent, ts: number, messageId: string, opts: ConsentParseOptions): ConsentDecision[] {
  const object = e.context?.consent;
  const preferences = object?.categoryPreferences;
  if (preferences === undefined) return [];
  const explicit = e.type === 'track' && e.event === opts.preferenceEvent;
  const named = typeof object?.source === 'string' && object.source !== CONTEXT_CONSENT_SOURCE && object.source !== 'default' ? object.source : undefined;
  const source = explicit ? (named ?? EVENT_CONSENT_SOURCE) : CONTEXT_CONSENT_SOURCE;
  const policyVersion = object?.policyVersion ?? opts.policyVersion;
  const direct = new Map<string, boolean>();
  const mapped = new Map<string, boolean>();
  for (const [category, granted] of Object.entries(preferences)) {
    if (opts.purposes.includes(category)) direct.set(category, granted);
    for (const purpose of opts.categories[category] ?? []) {
      if (opts.purposes.includes(purpose)) mapped.set(purpose, (mapped.get(purpose) ?? true) && granted);
    }
  }
  const decided = new Map([...mapped, ...direct]);
  return [...decided.keys()]
    .sort()
    .map((purpose): ConsentDecision => ({ purpose, status: decided.get(purpose) === true ? 'granted' : 'denied', at: ts, source, policyVersion, messageId }));
}

/**
 * The identifier type whose values the Segment mobile SDKs send as the push
 * token, `context.device.token` (config activation.messaging.push.tokenIdentifier
 * names this type by default).
 */
export const DEVICE_TOKEN_TYPE = 'deviceToken';

/** `context.device.token` of an event, when it has one. */
function deviceToken(e: SegmentEvent): unknown {
  return e.context?.device?.token;
}

function extractIdentifiers(
  e: SegmentEvent,
  userId: string | undefined,
  anonymousId: string | undefined,
  traits: Record<string, unknown>,
  properties: Record<string, unknown>,
  opts: ParseOptions,
): Identifier[] {
  // Few per event: a list scanned for repeats beats a map keyed by type and value.
  const found: Identifier[] = [];
  const add = (type: string, raw: unknown) => {
    if (raw === undefined || raw === null) return;
    const value = normalizeIdentifier(type, raw, opts.defaultPhoneRegion);
    if (value === undefined) return;
    for (const id of found) if (id.type === type && id.value === value) return;
    found.push({ type, value });
  };
  for (const type of opts.identifierTypes) {
    if (type === 'userId') add(type, userId);
    else if (type === 'anonymousId') add(type, anonymousId);
    // The values as sent (traits.emailRaw, traits.phoneRaw) are never identifiers.
    else if (RAW_CONTACT_TRAITS.includes(type)) continue;
    else {
      add(type, traits[type]);
      add(type, properties[type]);
      for (const ext of e.context?.externalIds ?? []) if (ext.type === type) add(type, ext.id);
      if (type === DEVICE_TOKEN_TYPE) add(type, deviceToken(e));
    }
  }
  return found;
}
