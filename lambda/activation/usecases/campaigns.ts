/**
 * Campaign messages, from a trigger to a delivery: find the campaigns a
 * trigger sets off, read the customer view, look up what the rules need
 * (the erasure suppression list, the address's contact suppression, the
 * messages sent in the cap window), claim the message's idempotency key in
 * the ledger, decide (core/campaigns), render, deliver, and record the
 * outcome.
 *
 * Idempotency: the key is `<campaign>#<occurrence>` per profile, claimed
 * BEFORE the decision. A trigger delivered again (a retried batch, a
 * republished segment change, a re-run schedule) finds its key taken and
 * sends nothing. A message is sent at most once: a crash after the claim
 * leaves it `pending` and a delivery error is recorded as `failed`; neither
 * is sent again automatically.
 *
 * Quiet hours defer a send: the record goes to the deferred sends, and
 * `sendDue` re-runs every rule at the deferred time (the customer may have
 * withdrawn consent, bounced, been erased or reached the cap since) and
 * sends, or defers again.
 *
 * The address in clear exists only in memory, in the message handed to the
 * channel's deliverer: the ledger and the results hold its kind only.
 */
import type { C360Config } from '../../config';
import type { CampaignDefinition, Channel } from '../../config/activation';
import type { SuppressionCheck } from '../../governance/ports';
import type { Identifier } from '../../shared/events';
import { redactText } from '../../shared/redact';
import { messageKey, type MessageRecord, type MessageStatus, type RuleOutcome, type TriggerOccurrence } from '../contracts/messages';
import type { Recommendation } from '../contracts/recommendations';
import { isDeliveryError, pushSentEvent } from '../core/feedback';
import { signedUnsubscribeUrl, unsubscribePurposes } from '../core/unsubscribe';
import {
  campaignsFor,
  capWindow,
  channelAddress,
  decide,
  localDay,
  renderTemplate,
  scheduledSegment,
  templateContext,
  timeZoneOf,
  type ChannelAddress,
  type Decision,
  type MatchedCampaign,
} from '../core/campaigns';
import type { ActivationEventWriter, ContactSuppressions, CustomerView, CustomerViewReader, Deliverer, DeferredSends, MessageLedger, SegmentMembers } from '../ports';

/** Told of every message that did not go out (suppressed, no consent, held out, capped, deferred, failed): the local outbox writes them. */
export interface MessageObserver {
  recorded(record: MessageRecord): Promise<void>;
}

export interface CampaignDeps {
  readonly config: Pick<C360Config, 'activation' | 'governance' | 'unification'>;
  readonly views: CustomerViewReader;
  readonly ledger: MessageLedger;
  readonly deferred: DeferredSends;
  /** A channel without a deliverer is disabled: its messages are recorded failed, with the reason. */
  readonly deliverers: Partial<Record<Channel, Deliverer>>;
  readonly contacts: ContactSuppressions;
  /** The erasure suppression list (governance): an erased person gets nothing. */
  readonly suppression?: SuppressionCheck;
  /** Recommendations for the template (asked only when a template reads them; the personalization consent is its to apply). */
  readonly recommend?: (profileId: string, n: number) => Promise<Recommendation[]>;
  /** The signed one-click unsubscribe link of a message (unsubscribeLinks()). */
  readonly unsubscribeUrl?: (record: MessageRecord) => string | undefined | Promise<string | undefined>;
  readonly observe?: MessageObserver;
  /** The event stream: a push send puts its `Push Sent` event there (push has no provider feedback to route). */
  readonly events?: ActivationEventWriter;
  readonly clock?: () => number;
  /** Events older than this trigger nothing (default MAX_TRIGGER_EVENT_AGE_MS). */
  readonly maxEventAgeMs?: number;
}

/** What became of one campaign for one profile. */
export type CampaignResult =
  | { readonly kind: 'message'; readonly record: MessageRecord }
  /** The trigger was delivered before: its key is taken, nothing was sent. */
  | { readonly kind: 'duplicate'; readonly campaign: string; readonly profileId: string; readonly key: string }
  /** Nothing to decide: unknown or disabled campaign, no such profile, no longer in the segment. */
  | { readonly kind: 'skipped'; readonly campaign: string; readonly profileId: string; readonly reason: string };

const now = (deps: Pick<CampaignDeps, 'clock'>) => (deps.clock ?? Date.now)();

/** The view's identifiers as the suppression check takes them. */
export function viewIdentifiers(view: Pick<CustomerView, 'identifiers'>): Identifier[] {
  return Object.entries(view.identifiers).flatMap(([type, values]) => values.map((value) => ({ type, value })));
}

/** An error's message, fit for a record: no email- or phone-shaped text (a provider's error may quote the address). */
const errorText = (e: unknown) => redactText(e instanceof Error ? e.message : String(e)).slice(0, 1000);

/** What the rules need that takes I/O, for one campaign and customer at `nowMs`. */
async function ruleInputs(
  campaign: CampaignDefinition,
  view: CustomerView,
  nowMs: number,
  deps: CampaignDeps,
): Promise<{ erased: boolean; address?: ChannelAddress; contactSuppressed?: string; sentInWindow: number }> {
  const erased = deps.suppression === undefined ? false : ((await deps.suppression.suppressed([viewIdentifiers(view)]))[0] ?? false);
  if (erased) return { erased, sentInWindow: 0 };
  const address = channelAddress(view, campaign.channel, deps.config);
  if (address === undefined) return { erased, sentInWindow: 0 };
  const contactSuppressed = await deps.contacts.reason(campaign.channel, address.address);
  const since = capWindow(campaign, view, nowMs, deps.config);
  const sentInWindow = contactSuppressed !== undefined || since === undefined ? 0 : await deps.ledger.countSent(view.profileId, campaign.channel, since);
  return { erased, address, ...(contactSuppressed === undefined ? {} : { contactSuppressed }), sentInWindow };
}

const usesRecommendations = (campaign: CampaignDefinition) => Object.values(campaign.template).some((s) => s !== undefined && s.includes('recommendations'));

/**
 * Recommendations for the template: asked only when a part reads them.
 * The dependency applies the personalization consent (the recommendations
 * use case answers popular items without it); a failure renders with none,
 * noted in the template's outcome.
 */
async function recommendationsFor(campaign: CampaignDefinition, view: CustomerView, deps: CampaignDeps): Promise<{ items: Recommendation[]; note?: string }> {
  if (!usesRecommendations(campaign)) return { items: [] };
  if (deps.recommend === undefined) return { items: [], note: 'no recommendations: no recommender' };
  try {
    return { items: await deps.recommend(view.profileId, deps.config.activation.recommendations.defaultCount) };
  } catch (e) {
    return { items: [], note: `no recommendations: ${errorText(e)}` };
  }
}

/**
 * Renders and delivers a message the rules let through, and records the
 * outcome in the ledger (sent, or failed with the reason).
 */
async function deliver(record: MessageRecord, campaign: CampaignDefinition, view: CustomerView, address: ChannelAddress, nowMs: number, deps: CampaignDeps): Promise<MessageRecord> {
  const finish = async (r: MessageRecord) => {
    await deps.ledger.update(r);
    if (r.status !== 'sent') await deps.observe?.recorded(r);
    return r;
  };
  const deliverer = deps.deliverers[campaign.channel];
  if (deliverer === undefined) {
    return finish({ ...record, status: 'failed', error: `the ${campaign.channel} channel is not enabled in this deployment (no deliverer)` });
  }
  const recommendations = await recommendationsFor(campaign, view, deps);
  let unsubscribeUrl: string | undefined;
  try {
    unsubscribeUrl = await deps.unsubscribeUrl?.(record);
  } catch (e) {
    return finish({ ...record, status: 'failed', error: `unsubscribe link: ${errorText(e)}` });
  }
  const rendered = renderTemplate(
    campaign.template,
    templateContext({ view, campaignName: record.campaign, channel: campaign.channel, trigger: record.trigger, recommendations: recommendations.items, nowMs, ...(unsubscribeUrl === undefined ? {} : { unsubscribeUrl }) }),
  );
  if (!rendered.ok) {
    const outcomes: RuleOutcome[] = [...record.outcomes, { rule: 'template', outcome: 'failed', detail: rendered.error }];
    return finish({ ...record, status: 'failed', outcomes, error: `template ${rendered.error}` });
  }
  const outcomes: RuleOutcome[] = [...record.outcomes, { rule: 'template', outcome: 'pass', ...(recommendations.note === undefined ? {} : { detail: recommendations.note }) }];
  const ready: MessageRecord = { ...record, outcomes, content: rendered.content };
  try {
    const result = await deliverer.send({ record: ready, address: address.address, content: rendered.content, ...(unsubscribeUrl === undefined ? {} : { unsubscribeUrl }) });
    const sent: MessageRecord = { ...ready, status: 'sent', sentAt: new Date(now(deps)).toISOString(), providerMessageId: result.providerMessageId };
    if (campaign.channel === 'push' && deps.events !== undefined) {
      const event = pushSentEvent(sent, result.providerMessageId, view, now(deps));
      // The message went: a feedback event that cannot be written is said on the record, never a reason to send again.
      if (event !== undefined) {
        try {
          await deps.events.put([event]);
        } catch (err) {
          return finish({ ...sent, error: `Push Sent event not written: ${errorText(err)}` });
        }
      }
    }
    return finish(sent);
  } catch (e) {
    // An address the channel says must not be sent to again (a dead token, an opted-out number) is suppressed now.
    if (isDeliveryError(e) && e.suppressReason !== undefined) await deps.contacts.add(campaign.channel, address.address, e.suppressReason, now(deps));
    return finish({ ...ready, status: 'failed', error: `delivery: ${errorText(e)}` });
  }
}

/** Applies a decision to a claimed record: deliver, defer, or record why not. */
async function apply(record: MessageRecord, decision: Decision, campaign: CampaignDefinition, view: CustomerView, nowMs: number, deps: CampaignDeps): Promise<MessageRecord> {
  const decided: MessageRecord = {
    ...record,
    outcomes: decision.outcomes,
    decidedAt: new Date(nowMs).toISOString(),
    localDay: decision.localDay,
    timeZone: decision.timeZone,
    ...(decision.address === undefined ? {} : { addressType: decision.address.addressType }),
  };
  if (decision.status === 'send' && decision.address !== undefined) return deliver(decided, campaign, view, decision.address, nowMs, deps);
  if (decision.status === 'deferred' && decision.deferredUntil !== undefined) {
    const deferred: MessageRecord = { ...decided, status: 'deferred', deferredUntil: decision.deferredUntil };
    // The deferred send first: a record saying deferred with nothing due would never go.
    await deps.deferred.defer(deferred);
    await deps.ledger.update(deferred);
    await deps.observe?.recorded(deferred);
    return deferred;
  }
  const { deferredUntil: _, ...rest } = decided;
  const stopped: MessageRecord = { ...rest, status: decision.status as MessageStatus };
  await deps.ledger.update(stopped);
  await deps.observe?.recorded(stopped);
  return stopped;
}

/** One campaign for one customer whose view is read: the rules' inputs, the claim, the decision, the delivery. */
export async function runCampaign(name: string, campaign: CampaignDefinition, view: CustomerView, occurrence: TriggerOccurrence, deps: CampaignDeps): Promise<CampaignResult> {
  const nowMs = now(deps);
  const inputs = await ruleInputs(campaign, view, nowMs, deps);
  const zone = timeZoneOf(view, deps.config);
  const key = messageKey(name, occurrence.occurrence);
  const claim: MessageRecord = {
    key,
    campaign: name,
    profileId: view.profileId,
    channel: campaign.channel,
    transactional: campaign.transactional,
    trigger: occurrence,
    status: 'pending',
    outcomes: [],
    decidedAt: new Date(nowMs).toISOString(),
    localDay: localDay(nowMs, zone.timeZone),
    timeZone: zone.timeZone,
  };
  if (!(await deps.ledger.claim(claim))) return { kind: 'duplicate', campaign: name, profileId: view.profileId, key };
  const decision = decide({ campaignName: name, campaign, view, nowMs, ...inputs }, deps.config);
  return { kind: 'message', record: await apply(claim, decision, campaign, view, nowMs, deps) };
}

/** One campaign, by name, for one profile and trigger occurrence. */
export async function handleTrigger(campaignName: string, profileId: string, occurrence: TriggerOccurrence, deps: CampaignDeps): Promise<CampaignResult> {
  const campaign = deps.config.activation.campaigns[campaignName];
  if (campaign === undefined) return { kind: 'skipped', campaign: campaignName, profileId, reason: 'no campaign of this name in config' };
  if (!campaign.enabled) return { kind: 'skipped', campaign: campaignName, profileId, reason: 'the campaign is disabled' };
  const view = await deps.views.get(profileId, now(deps));
  if (view === undefined) return { kind: 'skipped', campaign: campaignName, profileId, reason: 'no such profile' };
  return runCampaign(campaignName, campaign, view, occurrence, deps);
}

/** A segment membership change (the segment bus's detail). */
export interface SegmentChangeTrigger {
  readonly segment: string;
  readonly profileId: string;
  readonly change: 'entered' | 'exited';
  /** Processing time of the change, ISO-8601. */
  readonly at: string;
}

/** An exit's occurrence: its hour (a republished change of the same exit, minutes later, is the same occurrence). */
export function exitOccurrence(at: string): string {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new Error(`segment change time is not ISO-8601: ${JSON.stringify(at)}`);
  return `exited@${new Date(Math.floor(ms / 3_600_000) * 3_600_000).toISOString()}`;
}

/**
 * The campaigns a segment change sets off. The occurrence of an entry is the
 * entry time the profile holds for the segment (view.segments), the same on
 * every republication of the change; of an exit, the hour of the change.
 * A change the profile has since undone (no longer in the segment it
 * entered, back in the one it left) sends nothing.
 */
export async function handleSegmentChange(change: SegmentChangeTrigger, deps: CampaignDeps): Promise<CampaignResult[]> {
  const kind = change.change === 'entered' ? 'segmentEntered' : 'segmentExited';
  const matched = campaignsFor(deps.config, { kind, segment: change.segment });
  if (matched.length === 0) return [];
  const view = await deps.views.get(change.profileId, now(deps));
  const skip = (reason: string) => matched.map((m): CampaignResult => ({ kind: 'skipped', campaign: m.name, profileId: change.profileId, reason }));
  if (view === undefined) return skip('no such profile');
  const enteredAt = view.segments[change.segment];
  if (kind === 'segmentEntered' && enteredAt === undefined) return skip(`no longer in segment ${change.segment}`);
  if (kind === 'segmentExited' && enteredAt !== undefined) return skip(`back in segment ${change.segment}`);
  const occurrence: TriggerOccurrence = { kind, occurrence: enteredAt ?? exitOccurrence(change.at), segment: change.segment };
  return runAll(matched, view, occurrence, deps);
}

async function runAll(matched: readonly MatchedCampaign[], view: CustomerView, occurrence: TriggerOccurrence, deps: CampaignDeps): Promise<CampaignResult[]> {
  const results: CampaignResult[] = [];
  for (const m of matched) results.push(await runCampaign(m.name, m.campaign, view, occurrence, deps));
  return results;
}

/** A stream event, as the campaign consumer reads it (shared/events.ts UnifyEvent). */
export interface TriggerEvent {
  readonly messageId: string;
  readonly type: string;
  readonly name?: string;
  readonly identifiers: readonly Identifier[];
  readonly properties?: Readonly<Record<string, unknown>>;
  /** Event time, epoch ms. */
  readonly ts?: number;
}

/**
 * An event older than this sets off no campaign: a batch import of past
 * orders, or a replay of the stream, must not send a receipt for each.
 */
export const MAX_TRIGGER_EVENT_AGE_MS = 24 * 3600 * 1000;

export type EventTriggerResult =
  | { readonly kind: 'done'; readonly results: CampaignResult[] }
  /** No profile owns any of the event's identifiers yet (the consumer may not have applied it): retry later. */
  | { readonly kind: 'no-profile' };

/** The profile an event belongs to: its identifiers looked up in the configured identifier priority. */
export async function eventOwner(event: Pick<TriggerEvent, 'identifiers'>, deps: Pick<CampaignDeps, 'views' | 'config'>): Promise<string | undefined> {
  const priority = deps.config.unification.identity.identifiers;
  const ordered = [...event.identifiers].sort((a, b) => rank(priority, a.type) - rank(priority, b.type));
  for (const id of ordered) {
    const owner = await deps.views.ownerOf(id.type, id.value);
    if (owner !== undefined) return owner;
  }
  return undefined;
}

const rank = (priority: readonly string[], type: string) => {
  const i = priority.indexOf(type);
  return i < 0 ? priority.length : i;
};

/** The campaigns a track event sets off, for the profile owning it; the occurrence is the event's messageId. */
export async function handleEvent(event: TriggerEvent, deps: CampaignDeps): Promise<EventTriggerResult> {
  if (event.type !== 'track' || event.name === undefined) return { kind: 'done', results: [] };
  const matched = campaignsFor(deps.config, { kind: 'event', name: event.name });
  if (matched.length === 0) return { kind: 'done', results: [] };
  const nowMs = now(deps);
  if (event.ts !== undefined && nowMs - event.ts > (deps.maxEventAgeMs ?? MAX_TRIGGER_EVENT_AGE_MS)) {
    const reason = `the event is older than ${Math.round((deps.maxEventAgeMs ?? MAX_TRIGGER_EVENT_AGE_MS) / 3_600_000)} hours`;
    return { kind: 'done', results: matched.map((m): CampaignResult => ({ kind: 'skipped', campaign: m.name, profileId: '', reason })) };
  }
  const owner = await eventOwner(event, deps);
  if (owner === undefined) return { kind: 'no-profile' };
  const view = await deps.views.get(owner, nowMs);
  if (view === undefined) return { kind: 'no-profile' };
  const occurrence: TriggerOccurrence = { kind: 'event', occurrence: event.messageId, event: { name: event.name, properties: event.properties ?? {} } };
  return { kind: 'done', results: await runAll(matched, view, occurrence, deps) };
}

/** Counts of results by what became of them (for logs and metrics: no identifiers). */
export type ResultCounts = Record<MessageStatus | 'duplicate' | 'skipped', number>;

export function emptyCounts(): ResultCounts {
  return { pending: 0, sent: 0, suppressed: 0, 'no-consent': 0, 'held-out': 0, capped: 0, deferred: 0, failed: 0, skipped: 0, duplicate: 0 };
}

export function countResults(results: readonly CampaignResult[], into: ResultCounts = emptyCounts()): ResultCounts {
  for (const r of results) into[r.kind === 'message' ? r.record.status : r.kind]++;
  return into;
}

export interface BroadcastOptions {
  /** Members read per page (SegmentMembers takes up to 1000). */
  readonly pageSize?: number;
  /** Profiles decided at once. */
  readonly concurrency?: number;
}

export interface BroadcastOutcome {
  readonly campaign: string;
  readonly segment?: string;
  readonly profiles: number;
  readonly counts: ResultCounts;
  /** Why nothing was broadcast (unknown, disabled or not a scheduled campaign). */
  readonly skipped?: string;
}

/**
 * A scheduled campaign's run: every member of its segment, page by page;
 * the occurrence is the run's scheduled time, so a run delivered twice (or
 * retried after a failure part-way) sends each member one message.
 */
export async function broadcast(campaignName: string, scheduledAt: string, members: SegmentMembers, deps: CampaignDeps, opts: BroadcastOptions = {}): Promise<BroadcastOutcome> {
  const counts = emptyCounts();
  const campaign = deps.config.activation.campaigns[campaignName];
  const segment = campaign === undefined ? undefined : scheduledSegment(campaign);
  if (campaign === undefined) return { campaign: campaignName, profiles: 0, counts, skipped: 'no campaign of this name in config' };
  if (segment === undefined) return { campaign: campaignName, profiles: 0, counts, skipped: 'not a scheduled campaign' };
  if (!campaign.enabled) return { campaign: campaignName, segment, profiles: 0, counts, skipped: 'the campaign is disabled' };
  if (Number.isNaN(Date.parse(scheduledAt))) throw new Error(`scheduledAt is not ISO-8601: ${JSON.stringify(scheduledAt)}`);
  const occurrence: TriggerOccurrence = { kind: 'schedule', occurrence: new Date(Date.parse(scheduledAt)).toISOString(), segment };
  const pageSize = opts.pageSize ?? 500;
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  let profiles = 0;
  let cursor: string | undefined;
  do {
    const page = await members.members(segment, pageSize, cursor);
    profiles += page.profileIds.length;
    for (let i = 0; i < page.profileIds.length; i += concurrency) {
      const results = await Promise.all(page.profileIds.slice(i, i + concurrency).map((id) => handleTrigger(campaignName, id, occurrence, deps)));
      countResults(results, counts);
    }
    cursor = page.next;
  } while (cursor !== undefined);
  return { campaign: campaignName, segment, profiles, counts };
}

export interface SweepOutcome {
  readonly due: number;
  readonly counts: ResultCounts;
}

/**
 * Deferred sends due at `nowMs`: every rule runs again at the deferred time
 * (suppression, consent, control, cap and quiet hours) and the message goes,
 * is stopped with the new reason, or is deferred again. A due send whose
 * ledger record is no longer the deferred one (handled already, erased) is
 * dropped from the queue.
 */
export async function sendDue(nowMs: number, deps: CampaignDeps, limit = 100): Promise<SweepOutcome> {
  const counts = emptyCounts();
  const due = await deps.deferred.due(nowMs, limit);
  for (const queued of due) {
    const current = await deps.ledger.get(queued.profileId, queued.key);
    if (current === undefined || current.status !== 'deferred' || current.deferredUntil !== queued.deferredUntil) {
      await deps.deferred.done(queued);
      counts.skipped++;
      continue;
    }
    const record = await resend(current, nowMs, deps);
    await deps.deferred.done(queued);
    counts[record.status]++;
  }
  return { due: due.length, counts };
}

async function resend(record: MessageRecord, nowMs: number, deps: CampaignDeps): Promise<MessageRecord> {
  const { deferredUntil: _, ...base } = record;
  const fail = async (error: string) => {
    const failed: MessageRecord = { ...base, status: 'failed', error };
    await deps.ledger.update(failed);
    await deps.observe?.recorded(failed);
    return failed;
  };
  const campaign = deps.config.activation.campaigns[record.campaign];
  if (campaign === undefined || !campaign.enabled) return fail('the campaign was removed or disabled before the deferred send');
  const view = await deps.views.get(record.profileId, nowMs);
  if (view === undefined) return fail('the profile no longer exists');
  // Taken off `deferred` first: a sweep that crashes from here on leaves it pending, and no later sweep sends it twice.
  const taken: MessageRecord = { ...base, status: 'pending' };
  await deps.ledger.update(taken);
  const inputs = await ruleInputs(campaign, view, nowMs, deps);
  const decision = decide({ campaignName: record.campaign, campaign, view, nowMs, ...inputs }, deps.config);
  return apply(taken, decision, campaign, view, nowMs, deps);
}

/**
 * Signed unsubscribe links under `baseUrl` (the public endpoint): the
 * token names the profile, the campaign, its channel and the purposes the
 * unsubscribe denies (core/unsubscribe.ts); the key is read once, on the
 * first link.
 */
export function unsubscribeLinks(
  baseUrl: string,
  key: () => Promise<Uint8Array>,
  config: Pick<C360Config, 'activation' | 'governance'>,
  clock: () => number = Date.now,
): (record: MessageRecord) => Promise<string | undefined> {
  return async (record) => {
    const campaign = config.activation.campaigns[record.campaign];
    if (campaign === undefined) return undefined;
    const purposes = unsubscribePurposes(campaign, config.governance.consent.uses);
    return signedUnsubscribeUrl(baseUrl, { profileId: record.profileId, purposes, campaign: record.campaign, channel: record.channel, issuedAt: clock() }, await key());
  };
}
