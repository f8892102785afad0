/**
 * Whether one message of a campaign goes to one customer, decided on plain
 * data: the rules run in SEND_RULES order (suppression, consent, control,
 * cap, quiet hours), each one's outcome is recorded, and the first that
 * stops the send ends the decision. A transactional campaign (a receipt, a
 * password reset) bypasses control, cap and quiet hours, and needs consent
 * only when it names a purpose.
 *
 * What needs I/O (the erasure suppression list, the contact suppressions,
 * the count of messages already sent) is looked up by the use case and
 * passed in.
 */
import type { C360Config } from '../../../config';
import type { CampaignDefinition, Channel } from '../../../config/activation';
import type { MessageStatus, RuleOutcome } from '../../contracts/messages';
import type { CampaignView } from './view';
import { campaignSalt, GLOBAL_CONTROL_SALT, inControlGroup } from './control';
import { capWindowStart, customerTimeZone, localDay, quietHoursEnd, type ResolvedTimeZone } from './time';

/** What the rules read of the config. */
export type DecisionConfig = {
  readonly activation: Pick<C360Config['activation'], 'messaging'>;
  readonly governance: { readonly consent: Pick<C360Config['governance']['consent'], 'uses' | 'purposes'> };
};

/** Where a message goes: the address in clear (memory only) and its kind, the one stored. */
export interface ChannelAddress {
  readonly address: string;
  /** The identifier type it came from (`email`, `phone`, the push token identifier). */
  readonly addressType: string;
}

/** The identifier type holding a channel's addresses. */
export function addressTypeOf(channel: Channel, config: DecisionConfig): string {
  return channel === 'email' ? 'email' : channel === 'sms' ? 'phone' : config.activation.messaging.push.tokenIdentifier;
}

/** The customer's address on `channel` (the first identifier of its type), if any. */
export function channelAddress(view: Pick<CampaignView, 'identifiers'>, channel: Channel, config: DecisionConfig): ChannelAddress | undefined {
  const addressType = addressTypeOf(channel, config);
  const address = view.identifiers[addressType]?.[0];
  return address === undefined || address === '' ? undefined : { address, addressType };
}

export interface DecisionInput {
  readonly campaignName: string;
  readonly campaign: Pick<CampaignDefinition, 'channel' | 'purpose' | 'transactional' | 'holdoutPercent'>;
  readonly view: CampaignView;
  /** The erasure suppression list names one of the customer's identifiers. */
  readonly erased: boolean;
  /** Why the channel address is suppressed (bounced, complained, opted out), when it is. */
  readonly contactSuppressed?: string;
  /** Non-transactional messages sent on the channel since the cap window's first local day (capWindow()). */
  readonly sentInWindow: number;
  readonly nowMs: number;
}

/** `send`: every rule passed, render and deliver. Otherwise the status the message ends in. */
export type DecisionStatus = 'send' | Exclude<MessageStatus, 'sent' | 'skipped' | 'pending'>;

export interface Decision {
  readonly status: DecisionStatus;
  readonly outcomes: RuleOutcome[];
  readonly timeZone: string;
  /** The customer's local day at `nowMs`. */
  readonly localDay: string;
  /** A deferred send: when it goes (ISO-8601). */
  readonly deferredUntil?: string;
  readonly address?: ChannelAddress;
}

/** The customer's time zone, from the configured trait. */
export function timeZoneOf(view: Pick<CampaignView, 'traits'>, config: DecisionConfig): ResolvedTimeZone {
  const { timeZoneTrait, defaultTimeZone } = config.activation.messaging;
  return customerTimeZone(view.traits, timeZoneTrait, defaultTimeZone);
}

/**
 * The cap window of a channel for this customer at `nowMs`: the first local
 * day counted, or undefined when no cap applies (transactional, or none
 * configured for the channel), so the use case counts nothing.
 */
export function capWindow(
  campaign: Pick<CampaignDefinition, 'channel' | 'transactional'>,
  view: Pick<CampaignView, 'traits'>,
  nowMs: number,
  config: DecisionConfig,
): string | undefined {
  const cap = config.activation.messaging.caps[campaign.channel];
  if (campaign.transactional || cap === undefined) return undefined;
  return capWindowStart(nowMs, timeZoneOf(view, config).timeZone, cap.days);
}

/** The consent purposes a campaign needs: its own, else the channel's uses (none for a transactional message). */
export function requiredPurposes(campaign: Pick<CampaignDefinition, 'channel' | 'purpose' | 'transactional'>, config: DecisionConfig): readonly string[] {
  if (campaign.purpose !== undefined) return [campaign.purpose];
  if (campaign.transactional) return [];
  return config.governance.consent.uses[campaign.channel] ?? [];
}

const withNote = (detail: string, note: string | undefined) => (note === undefined ? detail : `${detail}; ${note}`);

export function decide(input: DecisionInput, config: DecisionConfig): Decision {
  const { campaign, view, nowMs } = input;
  const { messaging } = config.activation;
  const zone = timeZoneOf(view, config);
  const today = localDay(nowMs, zone.timeZone);
  const outcomes: RuleOutcome[] = [];
  const end = (status: DecisionStatus, extra: Partial<Pick<Decision, 'deferredUntil' | 'address'>> = {}): Decision => ({
    status,
    outcomes,
    timeZone: zone.timeZone,
    localDay: today,
    ...extra,
  });

  // 1. Suppression: an erased person, no address on the channel, a suppressed address.
  if (input.erased) {
    outcomes.push({ rule: 'suppression', outcome: 'suppressed', detail: 'the person is on the erasure suppression list' });
    return end('suppressed');
  }
  const address = channelAddress(view, campaign.channel, config);
  if (address === undefined) {
    outcomes.push({ rule: 'address', outcome: 'failed', detail: `the profile has no ${addressTypeOf(campaign.channel, config)} identifier to send ${campaign.channel} to` });
    return end('failed');
  }
  if (input.contactSuppressed !== undefined) {
    outcomes.push({ rule: 'suppression', outcome: 'suppressed', detail: `the ${address.addressType} address is suppressed: ${input.contactSuppressed}` });
    return end('suppressed', { address });
  }
  outcomes.push({ rule: 'suppression', outcome: 'pass' });

  // 2. Consent: every purpose the campaign needs, granted.
  const purposes = requiredPurposes(campaign, config);
  if (purposes.length === 0) {
    outcomes.push(
      campaign.transactional
        ? { rule: 'consent', outcome: 'bypassed', detail: 'transactional: no consent purpose needed' }
        : { rule: 'consent', outcome: 'pass', detail: `governance.consent.uses.${campaign.channel} names no purpose` },
    );
  } else {
    const known = config.governance.consent.purposes;
    const state = (p: string) => view.consent[p] ?? known[p]?.whenMissing ?? 'denied';
    const denied = purposes.filter((p) => state(p) !== 'granted');
    if (denied.length > 0) {
      outcomes.push({ rule: 'consent', outcome: 'no-consent', detail: `${denied.join(', ')} not granted` });
      return end('no-consent', { address });
    }
    outcomes.push({ rule: 'consent', outcome: 'pass', detail: `${purposes.join(', ')} granted` });
  }

  if (campaign.transactional) {
    outcomes.push(
      { rule: 'control', outcome: 'bypassed', detail: 'transactional' },
      { rule: 'cap', outcome: 'bypassed', detail: 'transactional' },
      { rule: 'quietHours', outcome: 'bypassed', detail: 'transactional' },
    );
    return end('send', { address });
  }

  // 3. Control: the global control group, then the campaign's holdout.
  if (inControlGroup(view.profileId, messaging.globalControlPercent, GLOBAL_CONTROL_SALT)) {
    outcomes.push({ rule: 'control', outcome: 'held-out', detail: `global control group (${messaging.globalControlPercent}% of profiles)` });
    return end('held-out', { address });
  }
  if (inControlGroup(view.profileId, campaign.holdoutPercent, campaignSalt(input.campaignName))) {
    outcomes.push({ rule: 'control', outcome: 'held-out', detail: `campaign holdout (${campaign.holdoutPercent}% of profiles)` });
    return end('held-out', { address });
  }
  outcomes.push({ rule: 'control', outcome: 'pass' });

  // 4. Cap: marketing messages sent on the channel on the customer's last `days` local days.
  const cap = messaging.caps[campaign.channel];
  if (cap === undefined) {
    outcomes.push({ rule: 'cap', outcome: 'pass', detail: withNote(`no cap on ${campaign.channel}`, zone.note) });
  } else {
    const since = capWindowStart(nowMs, zone.timeZone, cap.days);
    const counted = `${input.sentInWindow} of ${cap.count} ${campaign.channel} messages on local days ${since} to ${today} (${zone.timeZone})`;
    if (input.sentInWindow >= cap.count) {
      outcomes.push({ rule: 'cap', outcome: 'capped', detail: withNote(counted, zone.note) });
      return end('capped', { address });
    }
    outcomes.push({ rule: 'cap', outcome: 'pass', detail: withNote(counted, zone.note) });
  }

  // 5. Quiet hours: inside the window, the send waits for its end.
  const quiet = messaging.quietHours;
  if (!quiet.channels.includes(campaign.channel)) {
    outcomes.push({ rule: 'quietHours', outcome: 'pass', detail: `no quiet hours on ${campaign.channel}` });
    return end('send', { address });
  }
  const until = quietHoursEnd(nowMs, zone.timeZone, quiet);
  if (until !== undefined) {
    const deferredUntil = new Date(until).toISOString();
    outcomes.push({ rule: 'quietHours', outcome: 'deferred', detail: withNote(`quiet hours ${quiet.start}–${quiet.end} in ${zone.timeZone}; deferred to ${quiet.end} local (${deferredUntil})`, zone.note) });
    return end('deferred', { address, deferredUntil });
  }
  outcomes.push({ rule: 'quietHours', outcome: 'pass', detail: `outside ${quiet.start}–${quiet.end} in ${zone.timeZone}` });
  return end('send', { address });
}
