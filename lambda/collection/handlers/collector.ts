/**
 * The Segment-compatible HTTP collector, independent of where it runs: the
 * Lambda entry (functions/collector.ts, behind an API Gateway HTTP API, payload 2.0) and
 * the local runtime's HTTP server build it with their own adapters.
 *
 *   POST /v1/track | identify | page | screen | group | alias   one event; its type comes from the path
 *   POST /v1/batch (also /v1/import)                           { batch: [...], sentAt?, context?, integrations? }
 *   POST /v1/t | i | p | s | g | a, /v1/b                      analytics.js's short paths for the same
 *   GET  /v1/projects/{writeKey}/settings                      the source settings analytics.js loads first
 *                                                              (its "Segment.io" integration pointed at this collector)
 *   GET  /v1/sourceConfig?writeKey=…                           the source config RudderStack's JS SDK loads first
 *                                                              (its configUrl; no device-mode destinations)
 *
 * Authentication is the write key, as Segment's SDKs send it: HTTP Basic with
 * the key as user name and an empty password, or `writeKey` in the JSON body
 * (analytics.js). Bodies may be gzip- or deflate-encoded. Limits are the
 * Segment HTTP API's: 32 KB per event, 500 KB per batch request.
 *
 * This module does HTTP (routing, CORS, auth, decoding, limits); the steps
 * over the events are the collect use case.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { EVENT_TYPES, LIMITS, type EventType } from '../../shared/events';
import type { EventSink, WriteKeys } from '../ports';
import type { IngestSuppression } from '../../governance/ports';
import { collect, type BatchDefaults, type CollectOptions, type CollectOutcome, type Rejection } from '../usecases/collect';
import { COLLECTOR_CORS } from '../contracts/http';

/** The request limits of the Segment HTTP API. */
export const COLLECTOR_LIMITS = {
  /** A single-event request, and each event of a batch. */
  maxEventBytes: LIMITS.maxEventBytes,
  /** A whole batch request (after decompression). */
  maxBatchBytes: 500 * 1024,
} as const;

export interface CollectorDeps {
  readonly writeKeys: WriteKeys;
  /** Where accepted events go (the Kinesis stream). */
  readonly events: EventSink;
  /** Ingest options and the tracking plan (ingestOptionsOf in usecases/collect.ts). */
  readonly ingest: CollectOptions;
  /** Browser origins allowed to call the collector (`*` for any): config.collection.corsAllowedOrigins. */
  readonly corsAllowedOrigins: readonly string[];
  readonly geo?: (ip: string) => Record<string, unknown> | undefined;
  /** Drops erased people's events (answered as a success, not written); none: nothing is dropped. */
  readonly suppression?: IngestSuppression;
  /** Server clock, epoch ms. */
  readonly now?: () => number;
  /** Told the outcome of every request (logs, metrics). */
  readonly observe?: (observation: CollectorObservation) => void;
}

export interface CollectorObservation {
  readonly path: string;
  readonly statusCode: number;
  /** Set once the write key is known. */
  readonly source?: string;
  /** Set once the events reached the collect use case. */
  readonly outcome?: CollectOutcome;
  /** The error code of a refused request. */
  readonly error?: string;
}

/** The parts of an API Gateway HTTP API (payload 2.0) event the collector reads. */
export type CollectorEvent = Pick<APIGatewayProxyEventV2, 'rawPath' | 'headers' | 'body' | 'isBase64Encoded'> & {
  /** The query string (RudderStack's source config request carries the write key there). */
  readonly rawQueryString?: string;
  readonly requestContext: { readonly http: Pick<APIGatewayProxyEventV2['requestContext']['http'], 'method' | 'sourceIp'> };
};
export type CollectorResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string>; body: string };

const SHORT_PATHS: Readonly<Record<string, EventType>> = { t: 'track', i: 'identify', p: 'page', s: 'screen', g: 'group', a: 'alias' };
const BATCH_PATHS: ReadonlySet<string> = new Set(['batch', 'import', 'b']);
const ROUTE = /^\/v1\/([a-z]+)\/?$/;
const SETTINGS_ROUTE = /^\/v1\/projects\/([^/]+)\/settings\/?$/;
const SOURCE_CONFIG_ROUTE = /^\/v1\/sourceConfig\/?$/;

type Route = { kind: 'single'; type: EventType; limit: number } | { kind: 'batch'; limit: number };

function routeOf(path: string): Route | undefined {
  const name = ROUTE.exec(path)?.[1];
  if (name === undefined) return undefined;
  if (BATCH_PATHS.has(name)) return { kind: 'batch', limit: COLLECTOR_LIMITS.maxBatchBytes };
  const type = (EVENT_TYPES as readonly string[]).includes(name) ? (name as EventType) : SHORT_PATHS[name];
  return type === undefined ? undefined : { kind: 'single', type, limit: COLLECTOR_LIMITS.maxEventBytes };
}

/**
 * The settings analytics.js (@segment/analytics-next) loads from
 * `{cdnURL}/v1/projects/{writeKey}/settings` for a source: only its
 * "Segment.io" integration (no device-mode destinations), whose `apiHost`
 * (host and path, no scheme) and `protocol` send events to this collector;
 * tracking plan allowing every event; and analytics.js's own usage metrics off
 * (they would go to Segment).
 */
function analyticsJsSettings(writeKey: string, collectorHost: string, protocol: 'http' | 'https') {
  return {
    integrations: {
      'Segment.io': { apiKey: writeKey, apiHost: `${collectorHost}/v1`, protocol, unbundledIntegrations: [], addBundledMetadata: false },
    },
    plan: {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    },
    enabledMiddleware: {},
    metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  };
}

/**
 * The source config RudderStack's JS SDK (@rudderstack/analytics-js) loads
 * from `{configUrl}?writeKey=…` before sending anything: what its validation
 * needs (`source.id`, `source.config`, `source.destinations`), no device-mode
 * destinations, and the SDK's error and metrics reports (to RudderStack) off.
 * Events then go to the `dataPlaneUrl` given to `load()`: this collector.
 */
function rudderSourceConfig(writeKey: string, source: string) {
  return {
    isHosted: false,
    source: {
      id: source,
      name: source,
      writeKey,
      enabled: true,
      config: { statsCollection: { errors: { enabled: false }, metrics: { enabled: false } } },
      destinations: [],
    },
  };
}

/** The host (and port) browsers reach the collector on, and its scheme, from the request. */
function publicHostOf(headers: Record<string, string>): { host: string; protocol: 'http' | 'https' } | undefined {
  const host = (headers.host ?? '').trim();
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) return undefined;
  // API Gateway terminates TLS and says so; the local server is plain HTTP.
  const forwarded = headers['x-forwarded-proto']?.split(',')[0]?.trim().toLowerCase();
  return { host, protocol: forwarded === 'https' ? 'https' : 'http' };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kb = (bytes: number) => `${bytes / 1024} KB`;

/** A refusal: the status, a machine-readable code, a sentence, and extra fields. */
class Refusal {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    readonly message: string,
    readonly extra: Record<string, unknown> = {},
  ) {}
}

/** The write key of an `Authorization: Basic base64(writeKey:)` header. */
function writeKeyOfHeader(value: string): string | Refusal {
  const m = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(value.trim());
  const decoded = m?.[1] === undefined ? '' : Buffer.from(m[1], 'base64').toString('utf8');
  // The password is empty; a header without the colon (base64 of the key alone) is read the same way.
  const colon = decoded.indexOf(':');
  const key = colon === -1 ? decoded : decoded.slice(0, colon);
  if (key.length === 0 || /[\u0000-\u001f]/.test(key)) {
    return new Refusal(401, 'unauthorized', 'malformed Authorization header: send "Basic " followed by base64 of "<writeKey>:" (the write key as user name, an empty password)');
  }
  return key;
}

function decodeBody(event: CollectorEvent, headers: Record<string, string>, route: Route): Buffer | Refusal {
  const raw = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const tooLarge = (size: string) =>
    new Refusal(400, 'request_too_large', `the request body is ${size}; the limit of ${route.kind === 'batch' ? 'a batch request is' : 'an event is'} ${kb(route.limit)} (${route.limit} bytes)`, {
      limitBytes: route.limit,
    });
  if (encoding === 'identity' || encoding === '') return raw.length > route.limit ? tooLarge(`${raw.length} bytes`) : raw;
  const inflate = encoding === 'gzip' || encoding === 'x-gzip' ? gunzipSync : encoding === 'deflate' ? inflateSync : undefined;
  if (inflate === undefined) {
    return new Refusal(415, 'unsupported_encoding', `Content-Encoding ${JSON.stringify(encoding)} is not supported; send gzip, deflate or an uncompressed body`);
  }
  // Compressed data is never much larger than the original: anything bigger is refused before inflating.
  if (raw.length > route.limit + 1024) return tooLarge(`${raw.length} bytes compressed`);
  try {
    // Bounded: inflating stops past the limit, so a small "zip bomb" costs at most `limit` bytes.
    return inflate(raw, { maxOutputLength: route.limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return tooLarge(`over ${route.limit} bytes decompressed`);
    return new Refusal(400, 'bad_request', `the body is not valid ${encoding} data: ${(err as Error).message}`);
  }
}

function parseJson(body: Buffer): Record<string, unknown> | Refusal {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return new Refusal(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
  return isObject(json) ? json : new Refusal(400, 'invalid_json', 'the body must be a JSON object');
}

export function createCollector(deps: CollectorDeps) {
  const now = deps.now ?? Date.now;
  const allowAny = deps.corsAllowedOrigins.includes('*');

  const corsHeaders = (origin: string | undefined): Record<string, string> => {
    if (allowAny) return { 'access-control-allow-origin': '*' };
    if (origin !== undefined && deps.corsAllowedOrigins.includes(origin)) return { 'access-control-allow-origin': origin, vary: 'origin' };
    return { vary: 'origin' };
  };

  return async (event: CollectorEvent): Promise<CollectorResult> => {
    const headers = Object.fromEntries(
      Object.entries(event.headers ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), v]])),
    );
    const cors = corsHeaders(headers.origin);
    const path = event.rawPath;
    let source: string | undefined;
    let outcome: CollectOutcome | undefined;

    const reply = (statusCode: number, body: unknown, error?: string): CollectorResult => {
      deps.observe?.({ path, statusCode, ...(source === undefined ? {} : { source }), ...(outcome === undefined ? {} : { outcome }), ...(error === undefined ? {} : { error }) });
      return {
        statusCode,
        headers: { 'content-type': 'application/json', ...cors },
        body: body === undefined ? '' : JSON.stringify(body),
      };
    };
    const refuse = (r: Refusal) => reply(r.statusCode, { error: r.error, message: r.message, ...r.extra }, r.error);

    const method = event.requestContext.http.method.toUpperCase();
    if (method === 'OPTIONS') {
      deps.observe?.({ path, statusCode: 204 });
      return {
        statusCode: 204,
        headers: {
          ...cors,
          'access-control-allow-methods': COLLECTOR_CORS.allowMethods.join(', '),
          'access-control-allow-headers': COLLECTOR_CORS.allowHeaders.join(', '),
          'access-control-max-age': String(COLLECTOR_CORS.maxAgeSeconds),
        },
        body: '',
      };
    }
    const lookup = async (key: string): Promise<string | Refusal> => {
      try {
        return (await deps.writeKeys.sourceFor(key)) ?? new Refusal(401, 'unauthorized', 'unknown write key');
      } catch {
        return new Refusal(503, 'unavailable', 'the write keys could not be read; retry the request');
      }
    };

    const settingsKey = SETTINGS_ROUTE.exec(path)?.[1];
    if (settingsKey !== undefined) {
      if (method !== 'GET') return refuse(new Refusal(405, 'method_not_allowed', `${method} is not supported on the settings; use GET`));
      let writeKey: string;
      try {
        writeKey = decodeURIComponent(settingsKey);
      } catch {
        return refuse(new Refusal(400, 'bad_request', 'the write key in the path is not valid percent-encoding'));
      }
      const found = await lookup(writeKey);
      if (found instanceof Refusal) {
        return refuse(found.statusCode === 401 ? new Refusal(404, 'unknown_write_key', 'no source has this write key: check the writeKey given to analytics.js') : found);
      }
      source = found;
      const publicHost = publicHostOf(headers);
      if (publicHost === undefined) return refuse(new Refusal(400, 'bad_request', 'the request has no valid Host header'));
      return reply(200, analyticsJsSettings(writeKey, publicHost.host, publicHost.protocol));
    }

    if (SOURCE_CONFIG_ROUTE.test(path)) {
      if (method !== 'GET') return refuse(new Refusal(405, 'method_not_allowed', `${method} is not supported on the source config; use GET`));
      const fromHeader = headers.authorization === undefined ? undefined : writeKeyOfHeader(headers.authorization);
      if (fromHeader instanceof Refusal) return refuse(fromHeader);
      const writeKey = fromHeader ?? new URLSearchParams(event.rawQueryString ?? '').get('writeKey') ?? '';
      if (writeKey.length === 0) {
        return refuse(new Refusal(401, 'unauthorized', 'missing write key: send it as the "writeKey" query parameter or as the user name of HTTP Basic authentication'));
      }
      const found = await lookup(writeKey);
      if (found instanceof Refusal) return refuse(found);
      source = found;
      return reply(200, rudderSourceConfig(writeKey, found));
    }

    const route = routeOf(path);
    if (route === undefined) {
      return refuse(
        new Refusal(
          404,
          'not_found',
          `no route ${path}; post events to /v1/track, /v1/identify, /v1/page, /v1/screen, /v1/group, /v1/alias or /v1/batch, or GET /v1/projects/{writeKey}/settings and /v1/sourceConfig`,
        ),
      );
    }
    if (method !== 'POST') return refuse(new Refusal(405, 'method_not_allowed', `${method} is not supported; use POST`));

    // Authenticate before reading the body when the key is in the header.
    const authorization = headers.authorization;
    if (authorization !== undefined) {
      const key = writeKeyOfHeader(authorization);
      if (key instanceof Refusal) return refuse(key);
      const found = await lookup(key);
      if (found instanceof Refusal) return refuse(found);
      source = found;
    }

    const body = decodeBody(event, headers, route);
    if (body instanceof Refusal) return refuse(body);
    const json = parseJson(body);
    if (json instanceof Refusal) return refuse(json);

    if (source === undefined) {
      const key = json.writeKey;
      if (typeof key !== 'string' || key.length === 0) {
        return refuse(new Refusal(401, 'unauthorized', 'missing write key: send it as the user name of HTTP Basic authentication (empty password), or as "writeKey" in the body'));
      }
      const found = await lookup(key);
      if (found instanceof Refusal) return refuse(found);
      source = found;
    }

    let events: unknown[];
    let defaults: BatchDefaults | undefined;
    if (route.kind === 'batch') {
      if (!Array.isArray(json.batch) || json.batch.length === 0) {
        return refuse(new Refusal(400, 'bad_request', 'a batch request needs a non-empty "batch" array of events'));
      }
      events = json.batch;
      defaults = {
        ...(json.sentAt === undefined ? {} : { sentAt: json.sentAt }),
        ...(isObject(json.context) ? { context: json.context } : {}),
        ...(isObject(json.integrations) ? { integrations: json.integrations } : {}),
      };
    } else {
      events = [{ ...json, type: route.type }];
    }

    outcome = await collect(
      { events, source, receivedAt: now(), ip: event.requestContext.http.sourceIp, ...(defaults === undefined ? {} : { defaults }) },
      {
        events: deps.events,
        ingest: deps.ingest,
        ...(deps.geo === undefined ? {} : { geo: deps.geo }),
        ...(deps.suppression === undefined ? {} : { suppression: deps.suppression }),
      },
    );
    return respond(outcome, route, reply);
  };
}

function respond(
  outcome: CollectOutcome,
  route: Route,
  reply: (statusCode: number, body: unknown, error?: string) => CollectorResult,
): CollectorResult {
  // An erased person's events are answered as a success (as Segment's API does for a deleted user), and counted.
  const suppressed = outcome.suppressed ?? 0;
  const counts = { accepted: outcome.accepted, written: outcome.written, notWritten: outcome.notWritten, ...(suppressed > 0 ? { suppressed } : {}) };
  const rejected: readonly Rejection[] = outcome.rejected;
  if (outcome.notWritten > 0) {
    return reply(
      503,
      {
        error: 'not_written',
        message: `${outcome.notWritten} of ${outcome.accepted} accepted events could not be written to the stream (${outcome.writeError ?? 'unknown error'}); retry the request: an event already written is applied once (by messageId)`,
        ...counts,
        rejected,
      },
      'not_written',
    );
  }
  if (route.kind === 'single') {
    const rejection = rejected[0];
    if (rejection !== undefined) {
      return reply(400, { error: 'invalid_event', message: rejection.reason, ...(rejection.messageId === undefined ? {} : { messageId: rejection.messageId }) }, 'invalid_event');
    }
    return reply(200, { success: true, ...(outcome.messageIds[0] === undefined ? {} : { messageId: outcome.messageIds[0] }), ...counts });
  }
  if (outcome.accepted === 0 && suppressed === 0) {
    return reply(400, { error: 'invalid_events', message: `none of the ${rejected.length} events is valid`, ...counts, rejected }, 'invalid_events');
  }
  return reply(200, { success: true, ...counts, rejected });
}
