/**
 * The profile API route of the local server: each request goes to the
 * profile API handler as the API Gateway (REST) event the deployed profile
 * API Lambda gets. It serves `GET /openapi.json` too (the description of
 * the profile API, generated from the contract's schemas).
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { C360Config } from '../config';
import type { AuditLog, SubjectHasher } from '../governance/ports';
import { kinesisEventWriter } from '../unification/adapters/kinesis-event-writer';
import { createProfileApi } from '../unification/handlers/profile-api';
import type { ProfileStore, SegmentMembershipStore } from '../unification/ports';
import { consentSettings } from '../unification/settings';
import type { UnifySettings } from '../unification/usecases/unify-batch';
import { unmergeProfile } from '../unification/usecases/unmerge';
import { MAX_LOCAL_BODY_BYTES, readBody, type Route } from './http';

export interface ProfileApiRouteDeps {
  readonly store: ProfileStore;
  readonly membership: SegmentMembershipStore;
  readonly settings: UnifySettings;
  /** The local event stream: `PUT /profiles/{id}/consent` puts its preference event there (without it, the route answers 501). */
  readonly stream?: { readonly kinesis: KinesisClient; readonly streamName: string };
  /** With `hasher`: consent changes are audited. */
  readonly audit?: AuditLog;
  readonly hasher?: SubjectHasher;
}

export function profileApiRoute(config: C360Config, deps: ProfileApiRouteDeps): Route {
  const api = createProfileApi({
    store: deps.store,
    identifierTypes: config.unification.identity.identifiers,
    defaultPhoneRegion: config.normalization.defaultPhoneRegion,
    view: config,
    segments: config.unification.segments,
    membership: deps.membership,
    unmerge: (request) => unmergeProfile(request, { store: deps.store, settings: deps.settings }),
    consent: consentSettings(config),
    ...(deps.stream === undefined ? {} : { events: kinesisEventWriter(deps.stream.kinesis, deps.stream.streamName) }),
    ...(deps.audit === undefined ? {} : { audit: deps.audit }),
    ...(deps.hasher === undefined ? {} : { hasher: deps.hasher }),
    auditReads: config.governance.audit.profileReads,
  });
  return async (req, res, url) => {
    const query = Object.fromEntries(url.searchParams.entries());
    const body = await readBody(req, MAX_LOCAL_BODY_BYTES);
    const out = await api({
      httpMethod: req.method ?? 'GET',
      path: url.pathname,
      queryStringParameters: Object.keys(query).length > 0 ? query : null,
      body: body === undefined || body.length === 0 ? null : body.toString('utf8'),
      isBase64Encoded: false,
    });
    res.writeHead(out.statusCode, out.headers as Record<string, string>);
    res.end(out.body);
  };
}
