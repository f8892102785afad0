/**
 * Consent through the profile API. Reading it: the current state of every
 * configured purpose and the decisions behind it. Recording a decision: not a
 * table write but a preference event (`Segment Consent Preference Updated`)
 * put on the event stream, addressed by the profile's userId (else its
 * anonymousId), so the decision goes through the same pipeline as one a CMP
 * sends (tracking plan, suppression, identity resolution, the journal, and
 * so unmerges and merges), and is ordered against the others by its time.
 */
import { createHash } from 'node:crypto';
import type { AuditRecord } from '../../governance/contracts/audit';
import type { AuditLog, SubjectHasher } from '../../governance/ports';
import type { ConsentStatus } from '../../shared/events';
import {
  consentHistory,
  currentConsent,
  type ConsentHistoryEntry,
  type ConsentPurposes,
  type ConsentState,
} from '../core/profile/consent';
import type { Profile } from '../core/profile/profile';
import type { EventStreamWriter } from '../ports';

/** What the API needs of the consent config (governance.consent; see settings.ts consentSettings). */
export interface ConsentSettings {
  readonly purposes: ConsentPurposes;
  readonly preferenceEvent: string;
  /** Policy version of a decision the request gives none for. */
  readonly policyVersion: string;
}

/** `GET /profiles/{id}/consent`. */
export interface ConsentView {
  readonly profileId: string;
  readonly purposes: Record<string, ConsentState>;
  readonly history: ConsentHistoryEntry[];
}

export function consentView(profile: Profile, settings: Pick<ConsentSettings, 'purposes'>): ConsentView {
  return { profileId: profile.profileId, purposes: currentConsent(profile.consent, settings.purposes), history: consentHistory(profile.consent) };
}

/** `PUT /profiles/{id}/consent`'s body. */
export interface ConsentChange {
  /** Purpose → the decision. */
  readonly purposes: Readonly<Record<string, ConsentStatus>>;
  /** @default the configured policy version */
  readonly policyVersion?: string;
  /** Who recorded the decision (`support-desk`, `preference-center`). @default `api` */
  readonly source?: string;
}

/** The source of a decision recorded through the API without one. */
export const API_CONSENT_SOURCE = 'api';

export interface RecordConsentDeps {
  readonly events: EventStreamWriter;
  readonly settings: ConsentSettings;
  /** With `hasher`: one `consent.change` record per purpose. */
  readonly audit?: AuditLog;
  readonly hasher?: SubjectHasher;
  readonly clock?: () => number;
}

export type RecordConsentResult =
  | { readonly ok: true; readonly profileId: string; readonly messageId: string; readonly event: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly reason: string };

/**
 * Puts the preference event of `change` on the stream for `profile` (a live
 * profile), then audits it. Its messageId is derived from the profile, the
 * change and its time: the same request at the same time is one event.
 *
 * @param actor who asked (an IAM principal ARN, or `local`)
 */
export async function recordConsent(profile: Profile, change: ConsentChange, actor: string, deps: RecordConsentDeps): Promise<RecordConsentResult> {
  const userId = profile.identifiers.userId?.[0];
  const anonymousId = profile.identifiers.anonymousId?.[0];
  if (userId === undefined && anonymousId === undefined) {
    return { ok: false, reason: `profile ${profile.profileId} has no userId or anonymousId to address a consent event to` };
  }
  const nowMs = (deps.clock ?? Date.now)();
  const policyVersion = change.policyVersion ?? deps.settings.policyVersion;
  const source = change.source ?? API_CONSENT_SOURCE;
  const purposes = Object.keys(change.purposes).sort();
  const categoryPreferences = Object.fromEntries(purposes.map((p) => [p, change.purposes[p] === 'granted']));
  const digest = createHash('sha256')
    .update(JSON.stringify([profile.profileId, categoryPreferences, policyVersion, source, nowMs]))
    .digest('hex');
  const messageId = `consent-${digest.slice(0, 32)}`;
  const event = {
    type: 'track',
    event: deps.settings.preferenceEvent,
    messageId,
    timestamp: new Date(nowMs).toISOString(),
    ...(userId !== undefined ? { userId } : { anonymousId }),
    properties: {},
    context: { consent: { categoryPreferences, policyVersion, source } },
  };
  await deps.events.put(event);
  if (deps.audit !== undefined && deps.hasher !== undefined) {
    const subject = deps.hasher.profile(profile.profileId);
    const at = new Date(nowMs).toISOString();
    const records: AuditRecord[] = purposes.map((purpose) => ({
      at,
      action: 'consent.change',
      actor,
      subject,
      detail: { purpose, status: change.purposes[purpose] as ConsentStatus, policyVersion, source, messageId, route: 'PUT /profiles/{id}/consent' },
    }));
    await deps.audit.append(records);
  }
  return { ok: true, profileId: profile.profileId, messageId, event };
}
