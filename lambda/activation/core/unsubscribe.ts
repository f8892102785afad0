/**
 * Signed unsubscribe links. A message carries a token naming the profile,
 * the consent purposes the unsubscribe denies, the campaign and when it was
 * issued; the public endpoint trusts nothing else in the request. The token
 * is `<payload>.<signature>`, both base64url: the payload is the JSON of the
 * claims, the signature its HMAC-SHA256 under a key only c360 holds (a
 * Secrets Manager secret deployed, a key file locally). A link expires (90
 * days by default) so an old forwarded mail does not stay a switch forever.
 *
 * The token carries the profile id (an opaque c360 id), never an address.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Channel } from '../../config/activation';

/** What an unsubscribe link asks for. */
export interface UnsubscribeClaims {
  readonly profileId: string;
  /** The consent purposes the unsubscribe denies (the campaign's purpose, else the channel's marketing purposes). */
  readonly purposes: readonly string[];
  readonly campaign: string;
  readonly channel?: Channel;
  /** Epoch ms the link was made. */
  readonly issuedAt: number;
}

/** How long a link stays valid. */
export const UNSUBSCRIBE_TOKEN_MAX_AGE_MS = 90 * 24 * 60 * 60 * 1000;
/** A link made this far in the future of the verifier's clock is refused (clocks differ a little, not more). */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** The shortest signing key accepted. */
export const MIN_UNSUBSCRIBE_KEY_BYTES = 32;
/** A token longer than this is refused before any parsing (the URL stays short; a flood of huge tokens costs nothing). */
const MAX_TOKEN_LENGTH = 2048;

const PURPOSE = /^[a-z][a-z0-9_]{0,63}$/;
const PROFILE_ID = /^[A-Za-z0-9_-]{1,128}$/;
const CAMPAIGN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const CHANNELS: readonly string[] = ['email', 'sms', 'push'];

/** The payload as signed: short keys keep the link short. */
interface Payload {
  readonly v: 1;
  readonly p: string;
  readonly u: readonly string[];
  readonly c: string;
  readonly h?: string;
  readonly t: number;
}

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

function checkKey(key: Uint8Array): void {
  if (key.length < MIN_UNSUBSCRIBE_KEY_BYTES) throw new Error(`the unsubscribe signing key has ${key.length} bytes; it needs at least ${MIN_UNSUBSCRIBE_KEY_BYTES}`);
}

const signature = (payload: string, key: Uint8Array) => createHmac('sha256', key).update(`c360-unsubscribe.${payload}`).digest();

/** Why claims cannot be signed, or undefined when they can. */
function claimsProblem(claims: UnsubscribeClaims): string | undefined {
  if (!PROFILE_ID.test(claims.profileId)) return 'the profile id is not a c360 profile id';
  if (claims.purposes.length === 0) return 'an unsubscribe link needs at least one consent purpose';
  const bad = claims.purposes.find((p) => !PURPOSE.test(p));
  if (bad !== undefined) return `${JSON.stringify(bad)} is not a consent purpose name`;
  if (!CAMPAIGN.test(claims.campaign)) return `${JSON.stringify(claims.campaign)} is not a campaign name`;
  if (claims.channel !== undefined && !CHANNELS.includes(claims.channel)) return `${JSON.stringify(claims.channel)} is not a channel`;
  if (!Number.isSafeInteger(claims.issuedAt) || claims.issuedAt < 0) return 'issuedAt must be epoch milliseconds';
  return undefined;
}

/** The signed token of `claims`; throws on claims no link may carry and on a short key. */
export function signUnsubscribeToken(claims: UnsubscribeClaims, key: Uint8Array): string {
  checkKey(key);
  const problem = claimsProblem(claims);
  if (problem !== undefined) throw new Error(`cannot sign an unsubscribe link: ${problem}`);
  const payload: Payload = {
    v: 1,
    p: claims.profileId,
    u: [...new Set(claims.purposes)].sort(),
    c: claims.campaign,
    ...(claims.channel === undefined ? {} : { h: claims.channel }),
    t: claims.issuedAt,
  };
  const encoded = b64url(JSON.stringify(payload));
  return `${encoded}.${b64url(signature(encoded, key))}`;
}

export type UnsubscribeTokenCheck = { readonly ok: true; readonly claims: UnsubscribeClaims } | { readonly ok: false; readonly reason: string };

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The claims of a token signed with `key` and younger than `maxAgeMs` at
 * `nowMs`, or why it is refused. The signature is compared in constant time
 * before the payload is read.
 */
export function verifyUnsubscribeToken(token: string, key: Uint8Array, nowMs: number, maxAgeMs: number = UNSUBSCRIBE_TOKEN_MAX_AGE_MS): UnsubscribeTokenCheck {
  checkKey(key);
  const refused = (reason: string): UnsubscribeTokenCheck => ({ ok: false, reason });
  if (token.length === 0) return refused('the link has no token');
  if (token.length > MAX_TOKEN_LENGTH) return refused('the token is too long to be one of ours');
  const parts = token.split('.');
  const [encoded, sig] = parts;
  if (parts.length !== 2 || encoded === undefined || sig === undefined || !BASE64URL.test(encoded) || !BASE64URL.test(sig)) {
    return refused('the token is malformed (the link may have been cut or changed)');
  }
  const expected = signature(encoded, key);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return refused('the token signature does not match (the link was changed or is not ours)');
  let payload: Payload;
  try {
    payload = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Payload;
  } catch {
    return refused('the token payload is not readable');
  }
  if (payload === null || typeof payload !== 'object' || payload.v !== 1 || !Array.isArray(payload.u) || typeof payload.p !== 'string' || typeof payload.c !== 'string' || typeof payload.t !== 'number') {
    return refused('the token payload is not an unsubscribe request');
  }
  const claims: UnsubscribeClaims = {
    profileId: payload.p,
    purposes: payload.u.filter((u): u is string => typeof u === 'string'),
    campaign: payload.c,
    ...(typeof payload.h === 'string' ? { channel: payload.h as Channel } : {}),
    issuedAt: payload.t,
  };
  const problem = claimsProblem(claims);
  if (problem !== undefined || claims.purposes.length !== payload.u.length) return refused(`the token payload is not valid: ${problem ?? 'a purpose is not a name'}`);
  if (claims.issuedAt > nowMs + MAX_CLOCK_SKEW_MS) return refused('the link was issued in the future');
  if (nowMs - claims.issuedAt > maxAgeMs) {
    return refused(`the link has expired (links are valid for ${Math.round(maxAgeMs / 86_400_000)} days); use the link in a newer message or the preference center`);
  }
  return { ok: true, claims };
}

/** The public link: `<base>/unsubscribe?token=…` (a base that already ends in `/unsubscribe` is used as it is). */
export function unsubscribeUrl(baseUrl: string, token: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  const endpoint = /\/unsubscribe$/.test(base) ? base : `${base}/unsubscribe`;
  return `${endpoint}?token=${encodeURIComponent(token)}`;
}

/** The signed link of `claims` under `baseUrl`. */
export function signedUnsubscribeUrl(baseUrl: string, claims: UnsubscribeClaims, key: Uint8Array): string {
  return unsubscribeUrl(baseUrl, signUnsubscribeToken(claims, key));
}

/**
 * The purposes an unsubscribe from a campaign denies: the purpose the
 * campaign names, else those its channel's use needs (governance.consent.uses,
 * `marketing_email` for email by default). A transactional campaign's link
 * denies the channel's marketing purposes: the receipt still comes, the
 * newsletters stop.
 */
export function unsubscribePurposes(
  campaign: { readonly channel: Channel; readonly purpose?: string },
  uses: Readonly<Partial<Record<string, readonly string[]>>>,
): string[] {
  if (campaign.purpose !== undefined) return [campaign.purpose];
  return [...(uses[campaign.channel] ?? [])];
}
