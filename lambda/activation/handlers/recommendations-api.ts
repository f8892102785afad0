/**
 * The recommendations API, independent of where it runs (API Gateway HTTP
 * API payload 2.0 events in Lambda, behind the same API as the profile API;
 * the local runtime builds the same events):
 *
 *   GET /profiles/{id}/recommendations?n=&context=   items for a profile: Personalize's campaign, else the built-in
 *                                                    recommender; `context` is a JSON object or `k:v,k:v`
 *                                                    (e.g. DEVICE_TYPE:mobile), passed to Personalize
 *   GET /items/{id}/similar?n=                       items similar to an item
 *
 * Every answer names its source (`personalize`, `built-in:co-occurrence`,
 * `built-in:popularity`) and, when it fell back, a note saying why.
 * 400 on a bad `n` or `context`, 404 for a profile no one has.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { describeIssues } from '../../shared/events';
import { recommendForProfile, similarItems, type RecommendDeps } from '../usecases/recommend';

/**
 * An HTTP API (payload 2.0) event; the REST proxy's shape (`path`,
 * `httpMethod`) is read too, so the handler answers behind either API.
 */
export type RecommendationsApiEvent =
  | (Pick<APIGatewayProxyEventV2, 'rawPath' | 'queryStringParameters'> & { readonly requestContext: { readonly http: { readonly method: string } } })
  | { readonly path: string; readonly httpMethod: string; readonly queryStringParameters?: Record<string, string | undefined> | null };

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const error = (statusCode: number, code: string, message: string) => json(statusCode, { error: code, message });

const PROFILE_ID = /^[A-Za-z0-9-]{1,64}$/;
/** Personalize's ITEM_ID: at most 256 characters; no control characters here. */
const ITEM_ID = /^[^\u0000-\u001f\u007f]{1,256}$/;
/** Personalize's context: at most 150 entries, keys up to 150 characters, values up to 1,000. */
const CONTEXT_KEY = /^[A-Za-z0-9_.-]{1,150}$/;
const MAX_CONTEXT_ENTRIES = 150;

const contextSchema = z
  .record(
    z.string().check(z.regex(CONTEXT_KEY, 'a context key such as DEVICE_TYPE (letters, digits, _ . -; at most 150)')),
    z.pipe(
      z.union([z.string(), z.number(), z.boolean()]),
      z.transform((v) => String(v)),
    ).check(z.refine((v) => v.length >= 1 && v.length <= 1000, 'a context value of 1 to 1000 characters')),
  )
  .check(z.refine((r) => Object.keys(r).length <= MAX_CONTEXT_ENTRIES, `at most ${MAX_CONTEXT_ENTRIES} context entries`));

const CONTEXT_USAGE = 'context must be a JSON object of strings ({"DEVICE_TYPE":"mobile"}) or k:v pairs separated by commas (DEVICE_TYPE:mobile,LOCATION:home)';

/** The context parameter as Personalize takes it, or why it is not one. */
export function parseContext(raw: string | undefined): { ok: true; context?: Record<string, string> } | { ok: false; reason: string } {
  if (raw === undefined || raw.trim() === '') return { ok: true };
  const text = raw.trim();
  let candidate: unknown;
  if (text.startsWith('{')) {
    try {
      candidate = JSON.parse(text) as unknown;
    } catch {
      return { ok: false, reason: `${CONTEXT_USAGE}; the JSON does not parse` };
    }
  } else {
    const pairs: Record<string, string> = {};
    for (const part of text.split(',')) {
      const at = part.indexOf(':');
      if (at <= 0) return { ok: false, reason: `${CONTEXT_USAGE}; ${JSON.stringify(part.slice(0, 40))} is not k:v` };
      pairs[part.slice(0, at).trim()] = part.slice(at + 1).trim();
    }
    candidate = pairs;
  }
  const parsed = contextSchema.safeParse(candidate);
  if (!parsed.success) return { ok: false, reason: `${CONTEXT_USAGE}; ${describeIssues(parsed.error)}` };
  return { ok: true, context: parsed.data };
}

/** The `n` parameter, or why it is not one. */
function parseCount(raw: string | undefined, maxCount: number): { ok: true; n?: number } | { ok: false; reason: string } {
  if (raw === undefined || raw === '') return { ok: true };
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > maxCount) return { ok: false, reason: `n must be a whole number from 1 to ${maxCount}; got ${JSON.stringify(raw.slice(0, 20))}` };
  return { ok: true, n };
}

export function createRecommendationsApi(deps: RecommendDeps) {
  return async (event: RecommendationsApiEvent): Promise<APIGatewayProxyStructuredResultV2> => {
    const rawPath = 'rawPath' in event ? event.rawPath : event.path;
    const method = 'rawPath' in event ? event.requestContext.http.method : event.httpMethod;
    const path = rawPath.replace(/\/+$/, '') || '/';
    let parts: string[];
    try {
      parts = path.split('/').slice(1).map(decodeURIComponent);
    } catch {
      return error(400, 'bad_request', 'the path is not validly URL-encoded');
    }
    const [collection, id, sub, ...extra] = parts;
    const route = collection === 'profiles' && sub === 'recommendations' ? 'profile' : collection === 'items' && sub === 'similar' ? 'item' : undefined;
    if (route === undefined || id === undefined || extra.length > 0) return error(404, 'not_found', `no route ${rawPath}`);
    if (method !== 'GET') return error(405, 'method_not_allowed', `${method} is not supported on ${rawPath}; use GET`);

    const params = Object.fromEntries(Object.entries(event.queryStringParameters ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
    const count = parseCount(params.n, deps.settings.maxCount);
    if (!count.ok) return error(400, 'bad_request', count.reason);
    const known = route === 'profile' ? ['n', 'context'] : ['n'];
    const unknown = Object.keys(params).filter((k) => !known.includes(k));
    if (unknown.length > 0) return error(400, 'bad_request', `unknown parameter ${unknown.join(', ')}; this route takes ${known.join(' and ')}`);

    if (route === 'item') {
      if (!ITEM_ID.test(id)) return error(400, 'bad_request', 'an item id is 1 to 256 characters, without control characters');
      return json(200, await similarItems(id, count.n, deps));
    }
    if (!PROFILE_ID.test(id)) return error(400, 'bad_request', `${JSON.stringify(id.slice(0, 70))} is not a profile id`);
    const context = parseContext(params.context);
    if (!context.ok) return error(400, 'bad_request', context.reason);
    const result = await recommendForProfile(id, { ...(count.n === undefined ? {} : { n: count.n }), ...(context.context === undefined ? {} : { context: context.context }) }, deps);
    if (!result.found) return error(404, 'not_found', `no profile ${id}`);
    return json(200, result.answer);
  };
}
