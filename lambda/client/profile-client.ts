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
import type { ProfileView } from '../core/profile';

export type Profile = ProfileView & {
  /** Set when the id asked for was merged into this profile. */
  readonly requestedId?: string;
};

export interface ProfileClientOptions {
  /** The ProfileApiUrl output of the unification stack, or the local runtime's API URL. */
  readonly endpoint: string;
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

export class ProfileClient {
  private readonly base: URL;
  private readonly signer?: SignatureV4;
  private readonly fetch: typeof fetch;

  constructor(options: ProfileClientOptions) {
    this.base = new URL(options.endpoint.endsWith('/') ? options.endpoint : `${options.endpoint}/`);
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

  /** The profile with this id (a merged-away id answers with its survivor); undefined when there is none. */
  getProfile(profileId: string): Promise<Profile | undefined> {
    return this.get(`profiles/${encodeURIComponent(profileId)}`, new URLSearchParams());
  }

  /** The profile holding this identifier (`email`, `phone`, `userId`, `anonymousId` or a configured type); undefined when none does. */
  findProfile(type: string, value: string): Promise<Profile | undefined> {
    return this.get('profiles', new URLSearchParams({ [type]: value }));
  }

  private async get(path: string, query: URLSearchParams): Promise<Profile | undefined> {
    const url = new URL(path, this.base);
    for (const [k, v] of query) url.searchParams.set(k, v);
    let headers: Record<string, string> = { accept: 'application/json', host: url.host };
    if (this.signer !== undefined) {
      const signed = await this.signer.sign({
        method: 'GET',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port === '' ? {} : { port: Number(url.port) }),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams.entries()),
        headers,
      });
      headers = signed.headers;
    }
    const { host: _host, ...sent } = headers;
    const res = await this.fetch(url, { headers: sent });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status === 404 && body.error === 'not_found') return undefined;
    if (!res.ok) {
      throw new ProfileApiError(res.status, String(body.error ?? body.message ?? 'error'), String(body.message ?? res.statusText));
    }
    return body as unknown as Profile;
  }
}
