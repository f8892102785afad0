/**
 * The profile API, independent of where it runs (API Gateway proxy events in
 * Lambda; the local runtime's HTTP server builds the same events). Answers
 * and request bodies are the contract of lambda/client/contract.ts: the
 * stored profile is mapped onto it field by field, and requests are
 * validated with its schemas.
 *   GET  /profiles/{id}?fields=…             the customer view (a merged-away id answers with its survivor): identifiers,
 *                                            traits, computed traits evaluated at the request, segments with entry times,
 *                                            consent, scores, channels, merges, enrichment, …; `fields` picks top-level fields
 *   GET  /profiles?email=… | ?phone=… | ?userId=… | ?anonymousId=… (or any configured identifier type), and `fields`
 *   GET  /profiles/{id}/identities           identifiers held, the event and rule that linked each, and those rejected with the reason
 *   GET  /profiles/{id}/merges               merge history (what joined, which identifier or match, when) and unmerges
 *   POST /profiles/{id}/unmerge              {"restoredId": "...", "reason": "..."}: split a merged-away profile back out
 *   GET  /profiles/{id}/consent              consent per purpose (a purpose never decided in its default state) and the decisions
 *   PUT  /profiles/{id}/consent              {"purposes": {"marketing_email": "granted"}, "policyVersion"?, "source"?}: 202, the
 *                                            decision goes onto the event stream as a preference event
 *   GET  /segments                           the configured segments
 *   GET  /segments/{name}/members?limit=&cursor=   a page of a segment's members
 *   GET  /health                             {"status":"ok"}: the API answers (it reads no store)
 *   GET  /openapi.json                       the OpenAPI 3.1 description of these routes
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type * as z from 'zod/mini';
import '../../config/zod-locale';
import {
  consentChangeSchema,
  FieldsParamSchema,
  PROFILE_ID_PATTERN,
  SegmentMembersQuerySchema,
  selectedFields,
  UnmergeRequestSchema,
  DEFAULT_PAGE,
  type ConsentAccepted,
  type Identities,
  type IdentifierLink,
  type MergeHistory,
  type MergeRecord,
  type ProfileField,
  type ProfileView,
  type RejectedIdentifier,
  type SegmentList,
  type SegmentPage,
  type UnmergeOutcome,
  type UnmergeRecord,
} from '../../client/contract';
import { profileApiOpenApi } from '../../client/openapi';
import { parseConfig } from '../../config';
import { describeIssues } from '../../shared/events';
import { customerView, type CustomerViewConfig } from '../contracts/customer-view';
import { currentConsent } from '../core/profile/consent';
import type { MergeRecord as StoredMerge, Profile, UnmergeRecord as StoredUnmerge } from '../core/profile/profile';
import { explainIdentifiers } from '../core/profile/provenance';
import { UnmergeError, type UnmergeResult } from '../core/identity/unmerge';
import type { AuditLog, SubjectHasher } from '../../governance/ports';
import type { EventStreamWriter, ProfileStore, SegmentMembershipStore } from '../ports';
import { lookupProfile, type LookupQuery } from '../usecases/lookup-profile';
import { consentView, recordConsent, type ConsentSettings } from '../usecases/record-consent';
import type { UnmergeRequest } from '../usecases/unmerge';

export interface ProfileApiDeps {
  readonly store: ProfileStore;
  readonly identifierTypes: readonly string[];
  readonly defaultPhoneRegion: string;
  /**
   * What the customer view needs of the config: the computed traits it
   * evaluates at each request (config unification.computedTraits).
   * @default the default config's (parseConfig({}))
   */
  readonly view?: CustomerViewConfig;
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
  /** The request clock: computed traits are evaluated at it. */
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

const SEGMENT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;
const SUB_ROUTES = ['identities', 'merges', 'unmerge', 'consent'];

/** The default config's view settings, built when first needed. */
let defaultView: CustomerViewConfig | undefined;

/** The messages of a zod error, without paths (each message names what it is about). */
const messages = (error: z.core.$ZodError) => error.issues.map((issue) => issue.message).join('; ');

function mergeRecord(m: StoredMerge): MergeRecord {
  return {
    at: m.at,
    survivor: m.survivor,
    merged: m.merged,
    rule: m.rule,
    ...(m.identifier === undefined ? {} : { identifier: { type: m.identifier.type, value: m.identifier.value } }),
    ...(m.matchedWith === undefined ? {} : { matchedWith: { type: m.matchedWith.type, value: m.matchedWith.value } }),
    ...(m.messageId === undefined ? {} : { messageId: m.messageId }),
    ...(m.matchId === undefined ? {} : { matchId: m.matchId }),
    ...(m.matchRule === undefined ? {} : { matchRule: m.matchRule }),
  };
}

function unmergeRecord(u: StoredUnmerge): UnmergeRecord {
  return {
    at: u.at,
    from: u.from,
    restored: u.restored,
    merge: mergeRecord(u.merge),
    ...(u.reason === undefined ? {} : { reason: u.reason }),
    events: { from: u.events.from, restored: u.events.restored },
  };
}

function rejectedIdentifiers(p: Profile): RejectedIdentifier[] {
  return (p.rejectedIdentifiers ?? []).map((r) => ({ type: r.type, value: r.value, reason: r.reason, messageId: r.messageId, at: r.at }));
}

export function createProfileApi(deps: ProfileApiDeps) {
  const viewConfig = (): CustomerViewConfig => deps.view ?? (defaultView ??= parseConfig({}));
  const now = () => deps.clock?.() ?? Date.now();
  let openApi: string | undefined;

  return async (event: ApiEvent): Promise<APIGatewayProxyResult> => {
    const path = event.path.replace(/\/+$/, '') || '/';
    const segments = path.split('/').slice(1).map(decodeURIComponent);
    try {
      if (segments[0] === 'profiles') return await profiles(event, segments.slice(1));
      if (segments[0] === 'segments') return await segmentRoutes(event, segments.slice(1));
      if (path === '/health') {
        return event.httpMethod === 'GET' ? json(200, { status: 'ok' }) : error(405, 'method_not_allowed', `${event.httpMethod} is not supported on /health; use GET`);
      }
      if (path === '/openapi.json') {
        if (event.httpMethod !== 'GET') return error(405, 'method_not_allowed', `${event.httpMethod} is not supported on /openapi.json; use GET`);
        openApi ??= JSON.stringify(profileApiOpenApi({ identifierTypes: deps.identifierTypes }));
        return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: openApi };
      }
      return error(404, 'not_found', `no route ${event.path}`);
    } catch (err) {
      if (err instanceof UnmergeError) return error(err.code === 'not_found' ? 404 : 409, err.code, err.message);
      if ((err as Error).name === 'InvalidCursorError') return error(400, 'bad_request', (err as Error).message);
      throw err;
    }
  };

  /**
   * The customer view of a live profile at the request's moment: the stored
   * profile mapped onto the contract, with every computed trait from config
   * evaluated now (customerView).
   */
  function profileView(p: Profile, nowMs: number): ProfileView {
    const view = customerView(p, viewConfig(), nowMs);
    return {
      profileId: view.profileId,
      identifiers: Object.fromEntries(Object.entries(view.identifiers).map(([type, values]) => [type, [...values]])),
      traits: { ...view.traits },
      // customerView gives every built-in counter config does not redefine; a config trait of the same name wins, as in segments.
      computed: { eventCount: p.computed.eventCount, ...view.computed },
      segments: { ...view.segments },
      consent: currentConsent(p.consent, purposes()),
      scores: Object.fromEntries(
        Object.entries(view.scores).map(([model, s]) => [
          model,
          {
            score: s.score,
            modelVersion: s.modelVersion,
            algorithm: s.algorithm,
            scoredAt: s.scoredAt,
            topFeatures: s.topFeatures.map((f) => ({ feature: f.feature, weight: f.weight, value: f.value })),
          },
        ]),
      ),
      channels: { ...view.channels },
      merges: p.merges.map(mergeRecord),
      unmerges: (p.unmerges ?? []).map(unmergeRecord),
      mergedFrom: [...p.mergedFrom],
      separatedFrom: [...(p.separatedFrom ?? [])],
      rejectedIdentifiers: rejectedIdentifiers(p),
      rejectedScores: (p.rejectedScores ?? []).map((r) => ({ messageId: r.messageId, at: r.at, reason: r.reason })),
      dropped: { ...(p.dropped ?? {}) },
      enriched: { ...view.enriched },
      createdAt: view.createdAt,
      updatedAt: view.updatedAt,
      asOf: view.asOf,
    };
  }

  /** Only the fields asked for, with profileId (and requestedId). */
  function pick(view: ProfileView, fields: readonly ProfileField[] | undefined): Partial<ProfileView> {
    if (fields === undefined) return view;
    const out: Record<string, unknown> = { profileId: view.profileId };
    for (const f of fields) out[f] = view[f];
    return out as Partial<ProfileView>;
  }

  async function profiles(event: ApiEvent, rest: string[]): Promise<APIGatewayProxyResult> {
    const [id, sub, ...extra] = rest;
    if (extra.length > 0 || (sub !== undefined && !SUB_ROUTES.includes(sub))) {
      return error(404, 'not_found', `no route ${event.path}`);
    }
    const methods = sub === 'unmerge' ? ['POST'] : sub === 'consent' ? ['GET', 'PUT'] : ['GET'];
    if (!methods.includes(event.httpMethod)) {
      return error(405, 'method_not_allowed', `${event.httpMethod} is not supported on ${event.path}; use ${methods.join(' or ')}`);
    }
    if (id !== undefined && !PROFILE_ID_PATTERN.test(id)) return error(400, 'bad_request', `${JSON.stringify(id)} is not a profile id`);
    if (sub === 'unmerge') return unmerge(event, id as string);
    if (sub === 'consent' && event.httpMethod === 'PUT') return setConsent(event, id as string);

    let fields: ProfileField[] | undefined;
    const fieldsParam = event.queryStringParameters?.fields;
    if (sub === undefined && fieldsParam != null) {
      const parsed = FieldsParamSchema.safeParse(fieldsParam);
      if (!parsed.success) return error(400, 'bad_request', messages(parsed.error));
      fields = selectedFields(parsed.data);
    }
    const query = id !== undefined ? { profileId: id } : identifierQuery(event);
    if ('error' in query) return query.error;
    const result = await lookupProfile(deps.store, query, deps.defaultPhoneRegion);
    if (!result.found) return result.invalidQuery ? error(400, 'bad_request', result.reason) : error(404, 'not_found', result.reason);
    const requested = result.requestedId === undefined ? {} : { requestedId: result.requestedId };
    const p = result.profile;
    await auditRead(event, p.profileId, sub ?? 'profile');
    if (sub === 'identities') {
      const answer: Identities = {
        profileId: p.profileId,
        ...requested,
        identifiers: Object.fromEntries(Object.entries(p.identifiers).map(([type, values]) => [type, [...values]])),
        links: explainIdentifiers(p).map(
          (l): IdentifierLink => ({
            type: l.type,
            value: l.value,
            ...(l.messageId === undefined ? {} : { messageId: l.messageId }),
            ...(l.at === undefined ? {} : { at: l.at }),
            rule: l.rule,
            via: l.via.map((v) => ({ type: v.type, value: v.value })),
          }),
        ),
        rejectedIdentifiers: rejectedIdentifiers(p),
      };
      return json(200, answer);
    }
    if (sub === 'merges') {
      const answer: MergeHistory = {
        profileId: p.profileId,
        ...requested,
        mergedFrom: [...p.mergedFrom],
        merges: p.merges.map(mergeRecord),
        unmerges: (p.unmerges ?? []).map(unmergeRecord),
        separatedFrom: [...(p.separatedFrom ?? [])],
      };
      return json(200, answer);
    }
    if (sub === 'consent') return json(200, { ...consentView(p, { purposes: purposes() }), ...requested });
    return json(200, { ...pick(profileView(p, now()), fields), ...requested });
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
        at: new Date(now()).toISOString(),
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
    const parsed = consentChangeSchema(Object.keys(deps.consent.purposes)).safeParse(body);
    if (!parsed.success) return error(400, 'bad_request', `${describeIssues(parsed.error)}; ${usage}`);
    const found = await lookupProfile(deps.store, { profileId: id }, deps.defaultPhoneRegion);
    if (!found.found) return error(404, 'not_found', found.reason);
    const actor = event.requestContext?.identity?.userArn ?? 'local';
    const out = await recordConsent(found.profile, parsed.data, actor, {
      events: deps.events,
      settings: deps.consent,
      ...(deps.audit === undefined ? {} : { audit: deps.audit }),
      ...(deps.hasher === undefined ? {} : { hasher: deps.hasher }),
      ...(deps.clock === undefined ? {} : { clock: deps.clock }),
    });
    if (!out.ok) return error(409, 'conflict', out.reason);
    const answer: ConsentAccepted = {
      profileId: out.profileId,
      ...(found.requestedId === undefined ? {} : { requestedId: found.requestedId }),
      messageId: out.messageId,
      status: 'accepted',
    };
    return json(202, answer);
  }

  async function unmerge(event: ApiEvent, id: string): Promise<APIGatewayProxyResult> {
    if (deps.unmerge === undefined) return error(501, 'not_implemented', 'unmerge is not enabled on this API');
    const usage = 'the body must be JSON: {"restoredId": "<merged-away profile id>", "reason": "..."}';
    const body = readJson(event);
    if (body === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) return error(400, 'bad_request', usage);
    const parsed = UnmergeRequestSchema.safeParse(body);
    if (!parsed.success) return error(400, 'bad_request', messages(parsed.error));
    const { restoredId, reason } = parsed.data;
    const result = await deps.unmerge({ profileId: id, restoredId, ...(reason === undefined ? {} : { reason }) });
    const nowMs = now();
    const answer: UnmergeOutcome = {
      unmerge: unmergeRecord(result.record),
      survivor: profileView(result.survivor, nowMs),
      restored: profileView(result.restored, nowMs),
    };
    return json(200, answer);
  }

  async function segmentRoutes(event: ApiEvent, rest: string[]): Promise<APIGatewayProxyResult> {
    if (event.httpMethod !== 'GET') return error(405, 'method_not_allowed', `${event.httpMethod} is not supported on ${event.path}; use GET`);
    const configured = deps.segments ?? {};
    const [name, sub, ...extra] = rest;
    if (name === undefined) {
      const answer: SegmentList = {
        segments: Object.entries(configured).map(([n, s]) => ({ name: n, ...(s.description === undefined ? {} : { description: s.description }) })),
      };
      return json(200, answer);
    }
    if (sub !== 'members' || extra.length > 0) return error(404, 'not_found', `no route ${event.path}`);
    if (!SEGMENT_NAME.test(name) || configured[name] === undefined) {
      return error(404, 'not_found', `no segment ${JSON.stringify(name)}; configured: ${Object.keys(configured).join(', ') || 'none'}`);
    }
    if (deps.membership === undefined) return error(501, 'not_implemented', 'segment membership is not enabled on this API');
    const params = event.queryStringParameters ?? {};
    const parsed = SegmentMembersQuerySchema.safeParse({
      ...(params.limit == null ? {} : { limit: params.limit }),
      ...(params.cursor ? { cursor: params.cursor } : {}),
    });
    if (!parsed.success) return error(400, 'bad_request', messages(parsed.error));
    const page = await deps.membership.members(name, parsed.data.limit ?? DEFAULT_PAGE, parsed.data.cursor);
    const answer: SegmentPage = { segment: name, profileIds: [...page.profileIds], ...(page.next === undefined ? {} : { next: page.next }) };
    return json(200, answer);
  }

  function identifierQuery(event: ApiEvent): LookupQuery | { error: APIGatewayProxyResult } {
    const { identifierTypes } = deps;
    const params = Object.entries(event.queryStringParameters ?? {}).filter(([k, v]) => k !== 'fields' && v !== undefined && v !== '');
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
