/**
 * Normalisation and enrichment at ingest: one place, shared by every
 * collection path (the HTTP collector, batch files). A Segment-spec event
 * comes in; the same event comes out validated, with server-side fields
 * (receivedAt, messageId, the source), corrected and normalised times,
 * normalised emails, phones and country codes, a parsed user agent and a
 * truncated IP. Fields c360 does not know pass through untouched.
 *
 * Two dialects of the spec are read alike:
 * - Segment: `timestamp` (the device time), `sentAt`, everything in `context`.
 * - RudderStack: `originalTimestamp` instead of `timestamp`, `sentAt`, a
 *   top-level `channel`, `rudderId` (kept as sent; not an identifier), traits
 *   in `context.traits`.
 * Mobile SDKs' `context.device`, `context.app` and `context.os` are kept.
 *
 * Event time: the device time (`timestamp`, else `originalTimestamp`)
 * corrected by the device clock's skew when `sentAt` is present, as Segment
 * does (`timestamp = receivedAt - (sentAt - originalTimestamp)`), the device
 * time then kept as `originalTimestamp`; with neither, the receive time. An
 * event whose time is then more than LIMITS.maxFutureSkewMs ahead is refused
 * (eventTimeProblem in shared/events.ts says why it is refused, not corrected).
 *
 * Channel: `context.channel` is the canonical place. An event without one
 * gets the top-level `channel`, so the consumer and the lake's views, which
 * read context.channel, count it; where both are present `context.channel`
 * wins and the top-level field passes through as sent.
 */
// The package's Node entry registers every language (~700 KB); index.js registers none, and only English is added below.
import countries from 'i18n-iso-countries/index.js';
import english from 'i18n-iso-countries/langs/en.json';
import {
  correctClockSkew,
  describeIssues,
  EVENT_TYPES,
  eventChannel,
  eventTimeProblem,
  LIMITS,
  segmentEventSchema,
  type EventType,
} from '../../shared/events';
import { normalizeContactTraits, normalizeEmail, normalizeId } from '../../shared/normalize';

countries.registerLocale(english);

export interface IngestOptions {
  readonly defaultPhoneRegion: string;
  readonly parseUserAgent: boolean;
  readonly truncateIp: boolean;
}

export interface IngestContext {
  /** The authenticated source (write key, landing folder) the event came through. */
  readonly source: string;
  /** Server receive time, epoch ms. */
  readonly receivedAt: number;
  /** The caller's address, used when the event carries no `context.ip`. */
  readonly ip?: string;
  readonly options: IngestOptions;
  /** A new messageId, for an event that comes without one (the caller's source of unique ids, e.g. randomUUID). */
  readonly newMessageId: () => string;
  /**
   * Optional geo lookup, run before the IP is truncated; what it returns is
   * merged into `context.location`.
   */
  readonly geo?: (ip: string) => Record<string, unknown> | undefined;
  /**
   * Reads a user agent into `{ device, os, browser }` (core/user-agent.ts).
   * Paths whose events carry user agents (the HTTP collector) pass it; batch
   * files have none, and their bundle is spared the parser.
   */
  readonly userAgent?: (userAgent: string) => Record<string, unknown>;
}

export type IngestResult = { ok: true; event: Record<string, unknown> } | { ok: false; reason: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** ISO-8601 UTC of a date string, or undefined when it is not one. */
export function toIsoUtc(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** ISO 3166-1 alpha-2 code of a country given as a code (alpha-2 or -3) or an English name. */
export function normalizeCountry(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text.length === 2 && countries.isValid(text.toUpperCase())) return text.toUpperCase();
  if (text.length === 3) {
    const code = countries.alpha3ToAlpha2(text.toUpperCase());
    if (code !== undefined) return code;
  }
  return countries.getAlpha2Code(text, 'en');
}

/** An IPv4 address to its /24, an IPv6 address to its /48: enough for geography, not a person. */
export function truncateIp(ip: string): string {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0`;
  if (ip.includes(':')) {
    const [head] = ip.split('::');
    const groups = (head ?? '').split(':').filter((g) => g.length > 0);
    return `${groups.slice(0, 3).join(':')}::`;
  }
  return '';
}

/** Email and phone as the identifiers are (the values as sent kept as emailRaw / phoneRaw), and country codes. */
function normalizeTraits(traits: unknown, region: string): unknown {
  if (!isObject(traits)) return traits;
  const out: Json = { ...normalizeContactTraits(traits, region) };
  if (out.country !== undefined) out.country = normalizeCountry(out.country) ?? out.country;
  if (isObject(out.address) && out.address.country !== undefined) {
    out.address = { ...out.address, country: normalizeCountry(out.address.country) ?? out.address.country };
  }
  return out;
}

/**
 * Validates, normalises and enriches one event. Never throws: an unusable
 * event comes back with the reason it is rejected.
 */
export function ingestEvent(raw: unknown, ctx: IngestContext): IngestResult {
  if (!isObject(raw)) return { ok: false, reason: 'an event must be a JSON object' };
  const bytes = Buffer.byteLength(JSON.stringify(raw));
  if (bytes > LIMITS.maxEventBytes) {
    return { ok: false, reason: `event is ${bytes} bytes; the limit is ${LIMITS.maxEventBytes} bytes (32 KB)` };
  }
  if (!EVENT_TYPES.includes(raw.type as EventType)) {
    return { ok: false, reason: `type must be one of ${EVENT_TYPES.join(', ')}; got ${JSON.stringify(raw.type) ?? 'nothing'}` };
  }
  const parsed = segmentEventSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: `schema: ${describeIssues(parsed.error)}` };
  if (normalizeId(raw.userId) === undefined && normalizeId(raw.anonymousId) === undefined) {
    return { ok: false, reason: 'an event needs a userId or an anonymousId' };
  }

  const event: Json = { ...raw };
  const receivedAt = ctx.receivedAt;
  event.receivedAt = new Date(receivedAt).toISOString();
  if (event.messageId === undefined) event.messageId = ctx.newMessageId();

  // Times: ISO-8601 UTC; the device time (Segment's timestamp, RudderStack's
  // originalTimestamp) corrected by how far sentAt is from receivedAt.
  for (const field of ['timestamp', 'sentAt', 'originalTimestamp'] as const) {
    if (event[field] === undefined || event[field] === null) continue;
    const iso = toIsoUtc(event[field]);
    if (iso === undefined) return { ok: false, reason: `${field} ${JSON.stringify(event[field])} is not an ISO-8601 date` };
    event[field] = iso;
  }
  const deviceTime = typeof event.timestamp === 'string' ? event.timestamp : typeof event.originalTimestamp === 'string' ? event.originalTimestamp : undefined;
  if (deviceTime === undefined) event.timestamp = event.receivedAt;
  else {
    const sentAt = typeof event.sentAt === 'string' ? Date.parse(event.sentAt) : undefined;
    if (sentAt !== undefined) event.originalTimestamp = deviceTime;
    event.timestamp = new Date(correctClockSkew(Date.parse(deviceTime), sentAt, receivedAt)).toISOString();
  }
  const timeProblem = eventTimeProblem(Date.parse(event.timestamp as string), receivedAt);
  if (timeProblem !== undefined) return { ok: false, reason: timeProblem };

  const region = ctx.options.defaultPhoneRegion;
  if (event.traits !== undefined) event.traits = normalizeTraits(event.traits, region);
  if (isObject(event.properties) && typeof event.properties.email === 'string') {
    event.properties = { ...event.properties, email: normalizeEmail(event.properties.email) ?? event.properties.email };
  }

  const context: Json = isObject(event.context) ? { ...event.context } : {};
  if (context.channel === undefined) {
    const channel = eventChannel(event);
    if (channel !== undefined) context.channel = channel;
  }
  if (context.traits !== undefined) context.traits = normalizeTraits(context.traits, region);
  if (ctx.options.parseUserAgent && ctx.userAgent !== undefined && typeof context.userAgent === 'string' && context.userAgent.length > 0) {
    const parsedUa = ctx.userAgent(context.userAgent);
    for (const key of ['device', 'os', 'browser'] as const) {
      // Mobile SDKs send their own device and os: keep what the client knows.
      context[key] = { ...(parsedUa[key] as Json), ...(isObject(context[key]) ? context[key] : {}) };
    }
  }
  const ip = typeof context.ip === 'string' && context.ip.length > 0 ? context.ip : ctx.ip;
  if (ip !== undefined) {
    const location = ctx.geo?.(ip);
    if (location !== undefined) context.location = { ...(isObject(context.location) ? context.location : {}), ...location };
    context.ip = ctx.options.truncateIp ? truncateIp(ip) : ip;
  }
  if (isObject(context.location) && context.location.country !== undefined) {
    context.location = { ...context.location, country: normalizeCountry(context.location.country) ?? context.location.country };
  }
  context.source = ctx.source;
  event.context = context;
  return { ok: true, event };
}
