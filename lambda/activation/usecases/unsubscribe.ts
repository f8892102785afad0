/**
 * An unsubscribe through a signed link: the token (core/unsubscribe.ts) is
 * verified, then a consent decision denying the link's purposes goes on the
 * event stream for the profile, with an `Unsubscribed` event naming the
 * campaign. Like a decision made through the profile API, it is a
 * preference event, not a table write: the same pipeline (identity
 * resolution, the consent ledger, merges) applies it, and every send after
 * it finds the purpose denied.
 *
 * A bad or expired token changes nothing.
 */
import { createHash } from 'node:crypto';
import type { C360Config } from '../../config';
import { FEEDBACK_EVENTS, FEEDBACK_SOURCE } from '../contracts/events';
import { eventAddress } from '../core/address';
import { consentDenialEvent, type ConsentEventSettings } from '../core/feedback';
import { UNSUBSCRIBE_TOKEN_MAX_AGE_MS, verifyUnsubscribeToken, type UnsubscribeClaims } from '../core/unsubscribe';
import type { ActivationEventWriter, CustomerViewReader } from '../ports';

/** The consent source of a decision made through an unsubscribe link. */
export const UNSUBSCRIBE_CONSENT_SOURCE = 'unsubscribe-link';

export interface UnsubscribeSettings extends ConsentEventSettings {
  /** The configured consent purposes (a link naming a purpose no longer configured denies only the others). */
  readonly purposes: readonly string[];
  /** How long a link stays valid. @default 90 days */
  readonly maxAgeMs?: number;
}

export function unsubscribeSettingsOf(config: Pick<C360Config, 'governance'>): UnsubscribeSettings {
  const { purposes, preferenceEvent, policyVersion } = config.governance.consent;
  return { purposes: Object.keys(purposes), preferenceEvent, policyVersion };
}

export interface UnsubscribeDeps {
  /** The signing key (secrets-unsubscribe-key.ts deployed, local-unsubscribe-key.ts locally). */
  readonly key: () => Promise<Uint8Array>;
  readonly views: CustomerViewReader;
  readonly events: ActivationEventWriter;
  readonly settings: UnsubscribeSettings;
  readonly clock?: () => number;
}

export type UnsubscribeCheck = { readonly ok: true; readonly claims: UnsubscribeClaims } | { readonly ok: false; readonly status: 400; readonly reason: string };

/** The token's claims, or why it is refused: what the confirmation page shows before anything changes. */
export async function checkUnsubscribe(token: string, deps: Pick<UnsubscribeDeps, 'key' | 'settings' | 'clock'>): Promise<UnsubscribeCheck> {
  const nowMs = (deps.clock ?? Date.now)();
  const check = verifyUnsubscribeToken(token, await deps.key(), nowMs, deps.settings.maxAgeMs ?? UNSUBSCRIBE_TOKEN_MAX_AGE_MS);
  if (!check.ok) return { ok: false, status: 400, reason: check.reason };
  const purposes = check.claims.purposes.filter((p) => deps.settings.purposes.includes(p));
  if (purposes.length === 0) return { ok: false, status: 400, reason: 'the link names no consent purpose that is still configured' };
  return { ok: true, claims: { ...check.claims, purposes } };
}

export type UnsubscribeResult =
  | { readonly ok: true; readonly claims: UnsubscribeClaims; readonly messageId: string }
  | { readonly ok: false; readonly status: 400 | 404; readonly reason: string };

/**
 * Verifies `token` and puts the denial on the stream. The decision's
 * messageId comes from the token and the second it was made: a mail client
 * posting the one-click request twice at once makes one decision.
 */
export async function unsubscribe(token: string, deps: UnsubscribeDeps): Promise<UnsubscribeResult> {
  const check = await checkUnsubscribe(token, deps);
  if (!check.ok) return check;
  const { claims } = check;
  const nowMs = (deps.clock ?? Date.now)();
  const view = await deps.views.get(claims.profileId, nowMs);
  if (view === undefined) return { ok: false, status: 404, reason: 'there is no profile for this link any more (it may have been erased); nothing was changed' };
  const address = eventAddress(view.identifiers);
  if (address === undefined) return { ok: false, status: 404, reason: 'the profile of this link cannot be addressed (no userId or anonymousId); nothing was changed' };
  const seed = `unsubscribe|${createHash('sha256').update(token).digest('hex')}|${Math.floor(nowMs / 1000)}`;
  const detail = { campaign: claims.campaign, ...(claims.channel === undefined ? {} : { channel: claims.channel }), purposes: [...claims.purposes] };
  const consent = consentDenialEvent(address, claims.purposes, UNSUBSCRIBE_CONSENT_SOURCE, nowMs, seed, deps.settings, detail);
  const unsubscribed = {
    type: 'track',
    event: FEEDBACK_EVENTS.email.unsubscribed,
    messageId: `unsub-${createHash('sha256').update(seed).digest('hex').slice(0, 32)}`,
    timestamp: new Date(nowMs).toISOString(),
    ...address,
    properties: detail,
    context: { c360: { source: FEEDBACK_SOURCE } },
  };
  await deps.events.put([consent, unsubscribed]);
  return { ok: true, claims, messageId: consent.messageId as string };
}
