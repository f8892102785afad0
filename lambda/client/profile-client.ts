/**
 * A TypeScript client of the profile API for downstream apps. Requests are
 * signed with SigV4 (service `execute-api`) using the default AWS credential
 * chain, as the API's IAM authorisation requires; against the local runtime,
 * pass `sign: false`.
 *
 *   const profiles = new ProfileClient({ endpoint: process.env.C360_API!, region: 'eu-west-1' });
 *   const profile = await profiles.findProfile('email', 'ana@example.com');
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type {
  ApiError,
  ConsentAccepted,
  ConsentChange,
  ConsentHistoryEntry,
  ConsentState,
  ConsentStatus,
  Consent,
  Identifier,
  IdentifierLink,
  Identities,
  MergeHistory,
  MergeRecord,
  ProfileField,
  ProfileView,
  RejectedIdentifier,
  RejectedScore,
  Score,
  SegmentPage,
  UnmergeOutcome,
  UnmergeRecord,
  UnmergeRequest,
} from './contract';
import type { Recommendation, RecommendationAnswer, RecommendationSource } from '../activation/contracts/recommendations';

export type { Recommendation, RecommendationAnswer, RecommendationSource };
export type {
  ApiError,
  ConsentAccepted,
  ConsentChange,
  ConsentHistoryEntry,
  ConsentState,
  ConsentStatus,
  Consent,
  Identifier,
  IdentifierLink,
  Identities,
  MergeHistory,
  MergeRecord,
  ProfileField,
  RejectedIdentifier,
  RejectedScore,
  Score,
  SegmentPage,
  UnmergeOutcome,
  UnmergeRecord,
  UnmergeRequest,
};

/** The customer view (lambda/client/contract.ts): `requestedId` is set when the id asked for was merged into this profile. */
export type Profile = ProfileView;

/** The part of the view a `fields` selection returns: those fields, profileId and requestedId. */
export type ProfileParts<F extends ProfileField> = Pick<ProfileView, 'profileId' | 'requestedId' | F>;

export interface ProfileReadOptions<F extends ProfileField> {
  /** Only these top-level fields of the view (profileId always comes back). @default the whole view */
  readonly fields?: readonly F[];
}

export interface ProfileClientOptions {
  /** The ProfileApiUrl output of the unification stack, or the local runtime's API URL. */
  readonly endpoint: string;
  /**
   * The ActivationApiUrl output of the activation stack, which serves the
   * recommendations (deployed, they are the activation pillar's own API).
   * @default endpoint (the local runtime serves both)
   */
  readonly activationEndpoint?: string;
  /** Region of the API (for signing). @default process.env.AWS_REGION */
  readonly region?: string;
  /** @default the default credential chain (environment, profile, SSO, instance or task role) */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Sign requests with SigV4. @default true (false for the local runtime, which has no IAM) */
  readonly sign?: boolean;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** A refused request: the API's error code and message. */
export class ProfileApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProfileApiError';
  }
}

function fieldsQuery(fields: readonly string[] | undefined): URLSearchParams {
  return new URLSearchParams(fields === undefined ? {} : { fields: fields.join(',') });
}

export class ProfileClient {
  private readonly base: URL;
  private readonly activationBase: URL;
  private readonly signer?: SignatureV4;
  private readonly fetch: typeof fetch;

  constructor(options: ProfileClientOptions) {
    const baseUrl = (endpoint: string) => new URL(endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
    this.base = baseUrl(options.endpoint);
    this.activationBase = baseUrl(options.activationEndpoint ?? options.endpoint);
    this.fetch = options.fetch ?? globalThis.fetch;
    if (options.sign !== false) {
      const region = options.region ?? process.env.AWS_REGION;
      if (region === undefined) throw new Error('ProfileClient needs a region to sign requests (option region, or AWS_REGION)');
      this.signer = new SignatureV4({
        service: 'execute-api',
        region,
        credentials: options.credentials ?? defaultProvider(),
        sha256: Hash.bind(null, 'sha256'),
      });
    }
  }

  /**
   * The profile with this id (a merged-away id answers with its survivor):
   * identifiers, traits, computed traits evaluated at the request, segments
   * with entry times, consent, scores, merges and the rest of the view;
   * undefined when there is none. `fields` asks for part of it.
   */
  getProfile<F extends ProfileField = ProfileField>(profileId: string, options: ProfileReadOptions<F> = {}): Promise<ProfileParts<F> | undefined> {
    return this.request('GET', `profiles/${encodeURIComponent(profileId)}`, fieldsQuery(options.fields));
  }

  /** The profile holding this identifier (`email`, `phone`, `userId`, `anonymousId` or a configured type); undefined when none does. */
  findProfile<F extends ProfileField = ProfileField>(type: string, value: string, options: ProfileReadOptions<F> = {}): Promise<ProfileParts<F> | undefined> {
    const query = fieldsQuery(options.fields);
    query.set(type, value);
    return this.request('GET', 'profiles', query);
  }

  /** The identifiers a profile holds, the event and rule that linked each, and those its events carried that were not linked, with the reason. */
  getIdentities(profileId: string): Promise<Identities | undefined> {
    return this.request('GET', `profiles/${encodeURIComponent(profileId)}/identities`);
  }

  /** How a profile came to be: each merge (what joined, by which identifier or match, when) and each unmerge. */
  getMergeHistory(profileId: string): Promise<MergeHistory | undefined> {
    return this.request('GET', `profiles/${encodeURIComponent(profileId)}/merges`);
  }

  /**
   * Splits `restoredId`, a profile merged into `profileId`, back out: both are
   * rebuilt from their events and are not linked again.
   */
  async unmerge(profileId: string, restoredId: string, reason?: string): Promise<UnmergeOutcome> {
    const out = await this.request<UnmergeOutcome>('POST', `profiles/${encodeURIComponent(profileId)}/unmerge`, undefined, {
      restoredId,
      ...(reason === undefined ? {} : { reason }),
    });
    if (out === undefined) throw new ProfileApiError(404, 'not_found', `profile ${restoredId} is not merged into ${profileId}`);
    return out;
  }

  /** Consent per purpose (a purpose never decided in its default state) and the decisions behind it; undefined when there is no such profile. */
  consent(profileId: string): Promise<Consent | undefined> {
    return this.request('GET', `profiles/${encodeURIComponent(profileId)}/consent`);
  }

  /**
   * Records consent decisions. They go onto the event stream as a preference
   * event and reach the profile through the pipeline like any event: read
   * `consent()` again a moment later to see them.
   */
  async setConsent(profileId: string, change: ConsentChange): Promise<ConsentAccepted> {
    const out = await this.request<ConsentAccepted>('PUT', `profiles/${encodeURIComponent(profileId)}/consent`, undefined, change);
    if (out === undefined) throw new ProfileApiError(404, 'not_found', `no profile ${profileId}`);
    return out;
  }

  /** One page of a segment's members; pass the returned `next` to get the following page. */
  async segmentMembers(segment: string, options: { limit?: number; cursor?: string } = {}): Promise<SegmentPage> {
    const query = new URLSearchParams();
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    if (options.cursor !== undefined) query.set('cursor', options.cursor);
    const page = await this.request<SegmentPage>('GET', `segments/${encodeURIComponent(segment)}/members`, query);
    if (page === undefined) throw new ProfileApiError(404, 'not_found', `no segment ${segment}`);
    return page;
  }

  /** Every member of a segment, page by page. */
  async *allSegmentMembers(segment: string, pageSize = 500): AsyncGenerator<string> {
    let cursor: string | undefined;
    do {
      const page = await this.segmentMembers(segment, { limit: pageSize, ...(cursor === undefined ? {} : { cursor }) });
      yield* page.profileIds;
      cursor = page.next;
    } while (cursor !== undefined);
  }

  /**
   * Items recommended for a profile: from Amazon Personalize when a model is
   * active, else the built-in recommender (`source` says which). `context`
   * is passed to Personalize (e.g. `{ DEVICE_TYPE: 'mobile' }`). Undefined
   * when there is no such profile.
   */
  recommendations(profileId: string, options: { n?: number; context?: Readonly<Record<string, string>> } = {}): Promise<RecommendationAnswer | undefined> {
    const query = new URLSearchParams();
    if (options.n !== undefined) query.set('n', String(options.n));
    if (options.context !== undefined) query.set('context', JSON.stringify(options.context));
    return this.request('GET', `profiles/${encodeURIComponent(profileId)}/recommendations`, query, undefined, this.activationBase);
  }

  /** Items similar to an item (popular items when the recommender knows nothing of it). */
  async similarItems(itemId: string, options: { n?: number } = {}): Promise<RecommendationAnswer> {
    const query = new URLSearchParams();
    if (options.n !== undefined) query.set('n', String(options.n));
    const out = await this.request<RecommendationAnswer>('GET', `items/${encodeURIComponent(itemId)}/similar`, query, undefined, this.activationBase);
    if (out === undefined) throw new ProfileApiError(404, 'not_found', `no item ${itemId}`);
    return out;
  }

  private async request<T = Profile>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    query = new URLSearchParams(),
    body?: unknown,
    base: URL = this.base,
  ): Promise<T | undefined> {
    const url = new URL(path, base);
    for (const [k, v] of query) url.searchParams.set(k, v);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = {
      accept: 'application/json',
      host: url.host,
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    };
    if (this.signer !== undefined) {
      const signed = await this.signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port === '' ? {} : { port: Number(url.port) }),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams.entries()),
        headers,
        ...(payload === undefined ? {} : { body: payload }),
      });
      headers = signed.headers;
    }
    const { host: _host, ...sent } = headers;
    const res = await this.fetch(url, { method, headers: sent, ...(payload === undefined ? {} : { body: payload }) });
    const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status === 404 && answer.error === 'not_found') return undefined;
    if (!res.ok) {
      throw new ProfileApiError(res.status, String(answer.error ?? answer.message ?? 'error'), String(answer.message ?? res.statusText));
    }
    return answer as T;
  }
}
