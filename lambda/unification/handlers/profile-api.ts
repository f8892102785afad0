/**
 * The profile API, independent of where it runs (API Gateway proxy events in
 * Lambda; the local runtime's HTTP server builds the same events).
 *   GET  /profiles/{id}                      the profile (a merged-away id answers with its survivor)
 *   GET  /profiles?email=… | ?phone=… | ?userId=… | ?anonymousId=… (or any configured identifier type)
 *   GET  /profiles/{id}/identities           identifiers held, and those rejected with the reason
 *   GET  /profiles/{id}/merges               merge history (what joined, which identifier or match, when) and unmerges
 *   POST /profiles/{id}/unmerge              {"restoredId": "...", "reason": "..."}: split a merged-away profile back out
 *   GET  /profiles/{id}/consent              consent per purpose (a purpose never decided in its default state) and the decisions
 *   PUT  /profiles/{id}/consent              {"purposes": {"marketing_email": "granted"}, "policyVersion"?, "source"?}: 202, the
 *                                            decision goes onto the event stream as a preference event
 *   GET  /segments                           the configured segments
 *   GET  /segments/{name}/members?limit=&cursor=   a page of a segment's members
 *   GET  /health                             {"status":"ok"}: the API answers (it reads no store)
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { toView } from '../core/profile/profile';
import { UnmergeError, type UnmergeResult } from '../core/identity/unmerge';
import type { AuditLog, SubjectHasher } from '../../governance/ports';
import type { EventStreamWriter, ProfileStore, SegmentMembershipStore } from '../ports';
import { lookupProfile, type LookupQuery } from '../usecases/lookup-profile';
import { consentView, parseConsentChange, recordConsent, type ConsentSettings } from '../usecases/record-consent';
import type { UnmergeRequest } from '../usecases/unmerge';

export interface ProfileApiDeps {
  readonly store: ProfileStore;
  readonly identifierTypes: readonly string[];
  readonly defaultPhoneRegion: string;
  /** Configured segments, by name, with their descriptions. */
  readonly segments?: Readonly<Record<string, { readonly description?: string }>>;
  readonly membership?: SegmentMembershipStore;
  readonly unmerge?: (request: UnmergeRequest) => Promise<UnmergeResult>;
  /** The consent purposes and preference event (settings.ts consentSettings); without it, no purpose can be set and only decided ones are shown. */
  readonly consent?: ConsentSettings;
  /** Where `PUT /profiles/{id}/consent` puts its preference event; without it, the route answers 501. */
  readonly events?: EventStreamWriter;
  /** With `hasher`: consent changes are audited (`consent.change`). */
  readonly audit?: AuditLog;
  readonly hasher?: SubjectHasher;
  /** Audit profile reads too (with `audit` and `hasher`); default true. */
  readonly auditReads?: boolean;
  readonly clock?: () => number;
}

export type ApiEvent = Pick<APIGatewayProxyEvent, 'httpMethod' | 'path' | 'queryStringParameters'> &
  Partial<Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded' | 'pathParameters' | 'requestContext'>>;

const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const error = (statusCode: number, code: string, message: string) => json(statusCode, { error: code, message });

/** The request body as JSON; undefined when there is none or it is not JSON. */
function readJson(event: ApiEvent): unknown {
  try {
    const text = event.body == null ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const PROFILE_ID = /^[A-Za-z0-9-]{1,64}$/;
const SEGMENT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

export function createProfileApi(deps: ProfileApiDeps) {
  return async (event: ApiEvent): Promise<APIGatewayProxyResult> => {
    const path = event.path.replace(/\/+$/, '') || '/';
    const segments = path.split('/').slice(1).map(decodeURIComponent);
    try {
      if (segments[0] === 'profiles') return await profiles(event, segments.slice(1));
      if (segments[0] === 'segments') return await segmentRoutes(event, segments.slice(1));
      if (path === '/health') {
        return event.httpMethod === 'GET' ? json(200, { status: 'ok' }) : error(405, 'method_not_allowed', `${event.httpMethod} is not supported on /health; use GET`);
      }
      return error(404, 'not_found', `no route ${event.path}`);
    } catch (err) {
      if (err instanceof UnmergeError) return error(err.code === 'not_found' ? 404 : 409, err.code, err.message);
      if ((err as Error).name === 'InvalidCursorError') return error(400, 'bad_request', (err as Error).message);
      throw err;
    }
  };

  async function profiles(event: ApiEvent, rest: string[]): Promise<APIGatewayProxyResult> {
    const [id, sub, ...extra] = rest;
    if (extra.length > 0 || (sub !== undefined && !['identities', 'merges', 'unmerge', 'consent'].includes(sub))) {
      return error(404, 'not_found', `no route ${event.path}`);
    }
    const methods = sub === 'unmerge' ? ['POST'] : sub === 'consent' ? ['GET', 'PUT'] : ['GET'];
    if (!methods.includes(event.httpMethod)) {
      return error(405, 'method_not_allowed', `${event.httpMethod} is not supported on ${event.path}; use ${methods.join(' or ')}`);
    }
    if (id !== undefined && !PROFILE_ID.test(id)) return error(400, 'bad_request', `${JSON.stringify(id)} is not a profile id`);
    if (sub === 'unmerge') return unmerge(event, id as string);
    if (sub === 'consent' && event.httpMethod === 'PUT') return setConsent(event, id as string);

    const query = id !== undefined ? { profileId: id } : identifierQuery(event);
    if ('error' in query) return query.error;
    const result = await lookupProfile(deps.store, query, deps.defaultPhoneRegion);
    if (!result.found) return result.invalidQuery ? error(400, 'bad_request', result.reason) : error(404, 'not_found', result.reason);
    const requested = result.requestedId === undefined ? {} : { requestedId: result.requestedId };
    const p = result.profile;
    await auditRead(event, p.profileId, sub ?? 'profile');
    if (sub === 'identities') {
      return json(200, { profileId: p.profileId, ...requested, identifiers: p.identifiers, rejectedIdentifiers: p.rejectedIdentifiers ?? [] });
    }
    if (sub === 'merges') {
      return json(200, { profileId: p.profileId, ...requested, mergedFrom: p.mergedFrom, merges: p.merges, unmerges: p.unmerges ?? [], separatedFrom: p.separatedFrom ?? [] });
    }
    if (sub === 'consent') return json(200, { ...consentView(p, { purposes: purposes() }), ...requested });
    return json(200, { ...toView(p, purposes()), ...requested });
  }

  /**
   * One `profile.read` audit record per answered read (config
   * governance.audit.profileReads): who (the caller's IAM principal), which
   * view, the person as a keyed hash. Written before the answer leaves, so no
   * read goes unrecorded.
   */
  async function auditRead(event: ApiEvent, profileId: string, view: string): Promise<void> {
    if (deps.audit === undefined || deps.hasher === undefined || deps.auditReads === false) return;
    await deps.audit.append([
      {
        at: new Date(deps.clock?.() ?? Date.now()).toISOString(),
        action: 'profile.read',
        actor: event.requestContext?.identity?.userArn ?? 'local',
        subject: deps.hasher.profile(profileId),
        detail: { view, route: event.path.startsWith('/profiles/') ? 'by-id' : 'lookup' },
      },
    ]);
  }

  function purposes() {
    return deps.consent?.purposes ?? {};
  }

  async function setConsent(event: ApiEvent, id: string): Promise<APIGatewayProxyResult> {
    if (deps.events === undefined || deps.consent === undefined) return error(501, 'not_implemented', 'recording consent is not enabled on this API (no event stream)');
    const usage = 'the body must be JSON: {"purposes": {"<purpose>": "granted" | "denied"}, "policyVersion": "...", "source": "..."}';
    const body = readJson(event);
    if (body === undefined) return error(400, 'bad_request', usage);
    const parsed = parseConsentChange(body, Object.keys(deps.consent.purposes));
    if (!parsed.ok) return error(400, 'bad_request', `${parsed.reason}; ${usage}`);
    const found = await lookupProfile(deps.store, { profileId: id }, deps.defaultPhoneRegion);
    if (!found.found) return error(404, 'not_found', found.reason);
    const actor = event.requestContext?.identity?.userArn ?? 'local';
    const out = await recordConsent(found.profile, parsed.change, actor, {
      events: deps.events,
      settings: deps.consent,
      ...(deps.audit === undefined ? {} : { audit: deps.audit }),
      ...(deps.hasher === undefined ? {} : { hasher: deps.hasher }),
      ...(deps.clock === undefined ? {} : { clock: deps.clock }),
    });
    if (!out.ok) return error(409, 'conflict', out.reason);
    const requested = found.requestedId === undefined ? {} : { requestedId: found.requestedId };
    return json(202, { profileId: out.profileId, ...requested, messageId: out.messageId, status: 'accepted' });
  }

  async function unmerge(event: ApiEvent, id: string): Promise<APIGatewayProxyResult> {
    if (deps.unmerge === undefined) return error(501, 'not_implemented', 'unmerge is not enabled on this API');
    const body = readJson(event);
    if (body === undefined) return error(400, 'bad_request', 'the body must be JSON: {"restoredId": "<merged-away profile id>", "reason": "..."}');
    const { restoredId, reason } = (body ?? {}) as { restoredId?: unknown; reason?: unknown };
    if (typeof restoredId !== 'string' || !PROFILE_ID.test(restoredId)) {
      return error(400, 'bad_request', 'restoredId must be the id of the profile to split back out');
    }
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 1000)) {
      return error(400, 'bad_request', 'reason must be a string of at most 1000 characters');
    }
    const result = await deps.unmerge({ profileId: id, restoredId, ...(reason === undefined ? {} : { reason }) });
    return json(200, { unmerge: result.record, survivor: toView(result.survivor, purposes()), restored: toView(result.restored, purposes()) });
  }

  async function segmentRoutes(event: ApiEvent, rest: string[]): Promise<APIGatewayProxyResult> {
    if (event.httpMethod !== 'GET') return error(405, 'method_not_allowed', `${event.httpMethod} is not supported on ${event.path}; use GET`);
    const configured = deps.segments ?? {};
    const [name, sub, ...extra] = rest;
    if (name === undefined) {
      return json(200, { segments: Object.entries(configured).map(([n, s]) => ({ name: n, ...(s.description === undefined ? {} : { description: s.description }) })) });
    }
    if (sub !== 'members' || extra.length > 0) return error(404, 'not_found', `no route ${event.path}`);
    if (!SEGMENT_NAME.test(name) || configured[name] === undefined) {
      return error(404, 'not_found', `no segment ${JSON.stringify(name)}; configured: ${Object.keys(configured).join(', ') || 'none'}`);
    }
    if (deps.membership === undefined) return error(501, 'not_implemented', 'segment membership is not enabled on this API');
    const params = event.queryStringParameters ?? {};
    const limit = params.limit === undefined ? DEFAULT_PAGE : Number(params.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) return error(400, 'bad_request', `limit must be an integer from 1 to ${MAX_PAGE}`);
    const page = await deps.membership.members(name, limit, params.cursor || undefined);
    return json(200, { segment: name, profileIds: page.profileIds, ...(page.next === undefined ? {} : { next: page.next }) });
  }

  function identifierQuery(event: ApiEvent): LookupQuery | { error: APIGatewayProxyResult } {
    const { identifierTypes } = deps;
    const params = Object.entries(event.queryStringParameters ?? {}).filter(([, v]) => v !== undefined && v !== '');
    const known = params.filter(([k]) => identifierTypes.includes(k));
    const unknown = params.filter(([k]) => !identifierTypes.includes(k)).map(([k]) => k);
    if (unknown.length > 0 || known.length !== 1) {
      return {
        error: error(
          400,
          'bad_request',
          `look a profile up by exactly one of ${identifierTypes.join(', ')}` + (unknown.length > 0 ? `; unknown parameter ${unknown.join(', ')}` : ''),
        ),
      };
    }
    const [type, value] = known[0] as [string, string];
    return { type, value };
  }
}
