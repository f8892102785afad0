/**
 * The privacy API, independent of where it runs (API Gateway proxy events in
 * Lambda, IAM-authorised; the local runtime's HTTP server builds the same events):
 *
 *   POST   /privacy/erasures        {"identifier": {"type": "email", "value": "…"}} or {"profileId": "…"}, "reason"?
 *                                   → 202 {requestId, status}: deployed the erasure workflow is started;
 *                                   locally the erasure runs before the answer, which is then already `complete`
 *   GET    /privacy/erasures/{id}   the receipt (keyed hashes only, no raw identifier)
 *   DELETE /privacy/suppressions    {"identifier": {...}, "reason"?}: the person came back and consents;
 *                                   their identifier leaves the suppression list (audited) → 200 {requestId, removed}
 *
 * Identifier values are normalised as every ingest path normalises them, so
 * `Ana@Example.COM ` names the same person as `ana@example.com`.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod/mini';
import { normalizeIdentifier } from '../../shared/normalize';
import type { Identifier } from '../../shared/events';
import { ERASURE_REQUEST_ID, type ErasureRequest, type ErasureTarget } from '../contracts/erasure';
import type { ErasureRecords, ErasureStarter } from '../ports';
import type { SuppressionRemoval } from '../usecases/erasure';

export interface PrivacyApiDeps {
  readonly starter: ErasureStarter;
  readonly records: Pick<ErasureRecords, 'getReceipt'>;
  /** The audited removal from the suppression list (usecases/erasure.ts removeSuppression, bound to its ports). */
  readonly removeSuppression: (removal: SuppressionRemoval) => Promise<{ requestId: string; removed: number }>;
  /** Identifier types a request may name (config: unification.identity.identifiers). */
  readonly identifierTypes: readonly string[];
  readonly defaultPhoneRegion: string;
  /** Who asks when the request carries no IAM identity (the local runtime: `local:<user>`). */
  readonly defaultActor?: string;
  readonly newRequestId?: () => string;
  readonly clock?: () => number;
}

export type PrivacyApiEvent = Pick<APIGatewayProxyEvent, 'httpMethod' | 'path'> &
  Partial<Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded' | 'requestContext'>>;

const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const error = (statusCode: number, code: string, message: string) => json(statusCode, { error: code, message });

const identifierSchema = z.strictObject({ type: z.string().check(z.minLength(1), z.maxLength(64)), value: z.union([z.string().check(z.minLength(1), z.maxLength(1024)), z.number()]) });
const reason = z.optional(z.string().check(z.maxLength(500)));
const erasureBody = z.union([
  z.strictObject({ identifier: identifierSchema, reason }),
  z.strictObject({ profileId: z.string().check(z.regex(/^[A-Za-z0-9-]{1,64}$/, 'a profile id')), reason }),
]);
const suppressionBody = z.strictObject({ identifier: identifierSchema, reason });

const ERASURE_USAGE = 'send {"identifier": {"type": "email", "value": "…"}} or {"profileId": "…"}, with an optional "reason"';
const SUPPRESSION_USAGE = 'send {"identifier": {"type": "email", "value": "…"}}, with an optional "reason"';

function readJson(event: PrivacyApiEvent): unknown {
  try {
    const text = event.body == null ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function createPrivacyApi(deps: PrivacyApiDeps) {
  const clock = deps.clock ?? Date.now;
  const newId = deps.newRequestId ?? randomUUID;
  const actorOf = (event: PrivacyApiEvent) => event.requestContext?.identity?.userArn ?? deps.defaultActor ?? 'unknown';

  /** The identifier normalised, or why it cannot name anyone (the value itself is never echoed). */
  const identifierOf = (raw: { type: string; value: string | number }): Identifier | string => {
    if (!deps.identifierTypes.includes(raw.type)) return `identifier type ${JSON.stringify(raw.type)} is not one of ${deps.identifierTypes.join(', ')}`;
    const value = normalizeIdentifier(raw.type, raw.value, deps.defaultPhoneRegion);
    return value === undefined ? `the value is not a valid ${raw.type}` : { type: raw.type, value };
  };

  return async (event: PrivacyApiEvent): Promise<APIGatewayProxyResult> => {
    const path = event.path.replace(/\/+$/, '');
    const parts = path.split('/').slice(1);
    if (parts[0] !== 'privacy') return error(404, 'not_found', `no route ${event.path}`);
    if (parts[1] === 'erasures' && parts.length === 2) {
      if (event.httpMethod !== 'POST') return error(405, 'method_not_allowed', `${event.httpMethod} is not supported on ${path}; use POST`);
      return startErasure(event);
    }
    if (parts[1] === 'erasures' && parts.length === 3) {
      if (event.httpMethod !== 'GET') return error(405, 'method_not_allowed', `${event.httpMethod} is not supported on ${path}; use GET`);
      const id = decodeURIComponent(parts[2] as string);
      if (!ERASURE_REQUEST_ID.test(id)) return error(400, 'bad_request', 'not an erasure request id');
      const receipt = await deps.records.getReceipt(id);
      return receipt === undefined ? error(404, 'not_found', `no erasure ${id}`) : json(200, receipt);
    }
    if (parts[1] === 'suppressions' && parts.length === 2) {
      if (event.httpMethod !== 'DELETE') return error(405, 'method_not_allowed', `${event.httpMethod} is not supported on ${path}; use DELETE`);
      return unsuppress(event);
    }
    return error(404, 'not_found', `no route ${event.path}`);
  };

  async function startErasure(event: PrivacyApiEvent): Promise<APIGatewayProxyResult> {
    const body = readJson(event);
    if (body === undefined) return error(400, 'bad_request', `the body must be JSON: ${ERASURE_USAGE}`);
    const parsed = erasureBody.safeParse(body);
    if (!parsed.success) return error(400, 'bad_request', `${issues(parsed.error)}; ${ERASURE_USAGE}`);
    let target: ErasureTarget;
    if ('identifier' in parsed.data) {
      const id = identifierOf(parsed.data.identifier);
      if (typeof id === 'string') return error(400, 'bad_request', id);
      target = { identifier: id };
    } else target = { profileId: parsed.data.profileId };
    const request: ErasureRequest = {
      requestId: newId(),
      target,
      requestedBy: actorOf(event),
      requestedAt: new Date(clock()).toISOString(),
      ...(parsed.data.reason === undefined ? {} : { reason: parsed.data.reason }),
    };
    await deps.starter.start(request);
    const receipt = await deps.records.getReceipt(request.requestId);
    return json(202, { requestId: request.requestId, status: receipt?.status ?? 'running', receipt: `/privacy/erasures/${request.requestId}` });
  }

  async function unsuppress(event: PrivacyApiEvent): Promise<APIGatewayProxyResult> {
    const body = readJson(event);
    if (body === undefined) return error(400, 'bad_request', `the body must be JSON: ${SUPPRESSION_USAGE}`);
    const parsed = suppressionBody.safeParse(body);
    if (!parsed.success) return error(400, 'bad_request', `${issues(parsed.error)}; ${SUPPRESSION_USAGE}`);
    const id = identifierOf(parsed.data.identifier);
    if (typeof id === 'string') return error(400, 'bad_request', id);
    const out = await deps.removeSuppression({
      requestId: newId(),
      identifier: id,
      requestedBy: actorOf(event),
      requestedAt: new Date(clock()).toISOString(),
      ...(parsed.data.reason === undefined ? {} : { reason: parsed.data.reason }),
    });
    return json(200, out);
  }
}

/** The schema's complaints, without the values (they are personal data). */
function issues(err: z.core.$ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ');
}
