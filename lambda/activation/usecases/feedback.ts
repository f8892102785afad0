/**
 * Feedback from the providers applied: each provider event read by
 * core/feedback.ts becomes its track event on the profile the message went
 * to (put on the event stream), and what must not be sent to again goes on
 * the contact suppressions: a hard-bounced or complained email, an invalid
 * number, an opted-out number.
 *
 * An SMS opt-out (a STOP reply, or a number found on the account's opt-out
 * list by reconciliation) suppresses the number and records a consent
 * decision denying the SMS purposes on the profile owning the number, so
 * every path that reads consent (campaigns, exports) sees it.
 *
 * Nothing here throws for an event it cannot use: that event is dropped and
 * counted by reason (a throw would have the event redelivered forever). It
 * throws only when a store fails, so the whole delivery is retried; every
 * write is idempotent (conditional suppressions, deterministic messageIds).
 */
import type { C360Config } from '../../config';
import { normalizePhone } from '../../shared/normalize';
import { eventAddress } from '../core/address';
import {
  attributionProblem,
  feedbackEvent,
  SMS_OPT_OUT_REASONS,
  smsOptOutEvents,
  type ConsentEventSettings,
  type ReadFeedback,
  type SmsOptOut,
} from '../core/feedback';
import type { ActivationEventWriter, ContactSuppressions, CustomerViewReader } from '../ports';

export interface FeedbackSettings extends ConsentEventSettings {
  /** The purposes an SMS opt-out denies (governance.consent.uses.sms). */
  readonly smsPurposes: readonly string[];
  /** The identifier type of phone numbers (the owner of an opted-out number is looked up by it). */
  readonly phoneIdentifier: string;
  readonly defaultPhoneRegion: string;
}

/** The feedback settings of the config. */
export function feedbackSettingsOf(config: Pick<C360Config, 'governance' | 'normalization'>): FeedbackSettings {
  const { preferenceEvent, policyVersion, uses } = config.governance.consent;
  return {
    preferenceEvent,
    policyVersion,
    smsPurposes: uses.sms ?? [],
    phoneIdentifier: 'phone',
    defaultPhoneRegion: config.normalization.defaultPhoneRegion,
  };
}

export interface FeedbackDeps {
  readonly views: CustomerViewReader;
  readonly events: ActivationEventWriter;
  readonly suppressions: ContactSuppressions;
  readonly settings: FeedbackSettings;
  readonly clock?: () => number;
}

/** What one delivery of provider events did; `dropped` counts events by the reason they were not applied (no personal data). */
export interface FeedbackOutcome {
  readonly read: number;
  /** Events put on the stream. */
  readonly written: number;
  /** Addresses added to the contact suppressions (already suppressed ones included: the add is idempotent). */
  readonly suppressed: number;
  readonly dropped: Readonly<Record<string, number>>;
}

class Tally {
  read = 0;
  suppressed = 0;
  readonly events: Readonly<Record<string, unknown>>[] = [];
  /** Opted-out numbers whose consent decision is among `events`: marked recorded once the events are on the stream. */
  readonly recorded = new Map<string, number>();
  readonly dropped: Record<string, number> = {};
  drop(reason: string) {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
  }
  outcome(): FeedbackOutcome {
    return { read: this.read, written: this.events.length, suppressed: this.suppressed, dropped: { ...this.dropped } };
  }
}

/** Applies read provider events: suppressions first (they hold even when the event cannot be attributed), then the events, in one put. */
export async function applyFeedback(items: readonly ReadFeedback[], deps: FeedbackDeps): Promise<FeedbackOutcome> {
  const tally = new Tally();
  const nowMs = (deps.clock ?? Date.now)();
  for (const item of items) {
    tally.read++;
    if (item.kind === 'ignored') {
      tally.drop(item.reason);
      continue;
    }
    if (item.kind === 'opt-out') {
      await optOut(item.optOut, deps, nowMs, tally);
      continue;
    }
    const f = item.feedback;
    for (const s of f.suppress) {
      await deps.suppressions.add(s.channel, s.address, s.reason, f.atMs);
      tally.suppressed++;
    }
    const problem = attributionProblem(f);
    if (problem !== undefined || f.profileId === undefined || f.campaign === undefined || f.messageKey === undefined) {
      tally.drop(problem ?? 'not attributable');
      continue;
    }
    const view = await deps.views.get(f.profileId, nowMs);
    if (view === undefined) {
      tally.drop('the profile no longer exists');
      continue;
    }
    const address = eventAddress(view.identifiers);
    if (address === undefined) {
      tally.drop('the profile has no userId or anonymousId to address the event to');
      continue;
    }
    tally.events.push(feedbackEvent({ ...f, campaign: f.campaign, messageKey: f.messageKey }, address));
  }
  if (tally.events.length > 0) await deps.events.put(tally.events);
  for (const [phone, atMs] of tally.recorded) {
    // Only now that the decision is on the stream: a crash before leaves the number `listed`, and it is done again.
    // (Between the two writes the number is briefly unsuppressed here; it stays on the provider's opt-out list, which blocks a send.)
    if ((await deps.suppressions.reason('sms', phone)) === SMS_OPT_OUT_REASONS.recorded) continue;
    await deps.suppressions.remove('sms', phone);
    await deps.suppressions.add('sms', phone, SMS_OPT_OUT_REASONS.recorded, atMs);
  }
  return tally.outcome();
}

async function optOut(o: SmsOptOut, deps: FeedbackDeps, nowMs: number, tally: Tally): Promise<void> {
  const phone = normalizePhone(o.phone, deps.settings.defaultPhoneRegion) ?? o.phone;
  // Suppressed at once (a send after this finds it), as `listed` until its consent decision is on the stream.
  await deps.suppressions.add('sms', phone, SMS_OPT_OUT_REASONS.listed, o.atMs);
  tally.suppressed++;
  const owner = await deps.views.ownerOf(deps.settings.phoneIdentifier, phone);
  if (owner === undefined) {
    tally.drop('no profile owns the opted-out number');
    return;
  }
  const view = await deps.views.get(owner, nowMs);
  const address = view === undefined ? undefined : eventAddress(view.identifiers);
  if (address === undefined) {
    tally.drop('the profile owning the opted-out number has no userId or anonymousId');
    return;
  }
  tally.events.push(...smsOptOutEvents(o, address, deps.settings.smsPurposes, deps.settings));
  tally.recorded.set(phone, o.atMs);
}

/**
 * Records one SMS opt-out (suppression, `SMS Opted Out`, the consent
 * decision): for a send that failed because the number is on the opt-out
 * list, and for STOP replies.
 */
export async function recordSmsOptOut(o: SmsOptOut, deps: FeedbackDeps): Promise<FeedbackOutcome> {
  return applyFeedback([{ kind: 'opt-out', optOut: o }], deps);
}

/** The account's SMS opt-out list, as reconciliation reads it (adapters/sms.ts SmsOptOuts). */
export interface SmsOptOutList {
  list(): AsyncIterable<{ readonly phone: string; readonly atMs: number; readonly byEndUser: boolean }>;
}

export interface ReconcileOutcome extends FeedbackOutcome {
  /** Numbers on the list. */
  readonly listed: number;
  /** Of them, numbers whose opt-out c360 had already recorded (nothing done). */
  readonly known: number;
}

/**
 * Brings c360 in line with the account's opt-out list: a number the
 * customer opted out (STOP) whose consent decision c360 has not recorded
 * yet (the inbound message was not delivered, two-way SMS is not set up, a
 * send only found it suppressed, or no profile owned it last time) is
 * recorded as an opt-out now, at the time the list gives. Numbers recorded
 * before are left alone, so running it again changes nothing.
 */
export async function reconcileSmsOptOuts(list: SmsOptOutList, deps: FeedbackDeps): Promise<ReconcileOutcome> {
  const nowMs = (deps.clock ?? Date.now)();
  let listed = 0;
  let known = 0;
  const optOuts: ReadFeedback[] = [];
  const totals = { read: 0, written: 0, suppressed: 0, dropped: {} as Record<string, number> };
  const flush = async () => {
    const out = await applyFeedback(optOuts.splice(0), deps);
    totals.read += out.read;
    totals.written += out.written;
    totals.suppressed += out.suppressed;
    for (const [reason, n] of Object.entries(out.dropped)) totals.dropped[reason] = (totals.dropped[reason] ?? 0) + n;
  };
  for await (const entry of list.list()) {
    listed++;
    if (!entry.byEndUser) continue;
    if ((await deps.suppressions.reason('sms', entry.phone)) === SMS_OPT_OUT_REASONS.recorded) {
      known++;
      continue;
    }
    const atMs = entry.atMs > 0 ? entry.atMs : nowMs;
    // The list entry's identity: the same number opted out at the same time is one decision.
    optOuts.push({ kind: 'opt-out', optOut: { phone: entry.phone, keyword: 'STOP', inboundMessageId: `opt-out-list|${entry.phone}|${atMs}`, atMs } });
    if (optOuts.length >= 100) await flush();
  }
  await flush();
  return { ...totals, listed, known };
}
