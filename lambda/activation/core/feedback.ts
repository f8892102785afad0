/**
 * Delivery and engagement feedback as c360 track events: what SES, End User
 * Messaging SMS and the push path report about a message, read into one
 * shape and written as a track event on the profile the message went to
 * (FEEDBACK_EVENTS), so opens, clicks, bounces and opt-outs become traits,
 * computed traits and segment rules like any other behaviour.
 *
 * The provider events name the profile through what the send attached to the
 * message: SES message tags (`campaign`, `profile`, `messageKey`), the SMS
 * `Context`. An event without them cannot be attributed and is dropped with
 * that reason (the caller counts it). A feedback event's messageId is derived
 * from the provider's message id, the c360 event and what tells repeated
 * engagement apart (an open's time, a click's link), so a provider event
 * delivered twice is one event (unification de-duplicates by messageId).
 *
 * Addresses never leave this module in an event: bounced and complained
 * addresses come back separately, for the contact suppressions (which store
 * only their hash); diagnostics are stripped of anything address-shaped.
 *
 * Pure: no I/O; the caller reads the profile and writes the events.
 */
import { createHash } from 'node:crypto';
import type { Channel } from '../../config/activation';
import { FEEDBACK_EVENTS, FEEDBACK_SOURCE, type FeedbackProperties } from '../contracts/events';
import type { MessageRecord } from '../contracts/messages';
import { eventAddress, type EventAddress } from './address';

// ---------------------------------------------------------------------------
// Delivery errors (thrown by the Deliverers, read by the campaign path)

/** Why a send failed, as the campaign path records it. */
export type DeliveryErrorCode =
  /** The address is on the provider's opt-out list (an SMS STOP, a push opt-out). */
  | 'opted-out'
  /** The address cannot receive (a dead device token, a number that is not a phone number). */
  | 'invalid-address'
  /** The provider refused this message (content, a rejected recipient). */
  | 'rejected'
  /** The provider asked us to slow down: try again later. */
  | 'throttled'
  /** The provider is not sending now (paused account, service error): try again later. */
  | 'unavailable'
  /** The deployment is wrong (unverified sender, missing configuration set or channel): fix the setup. */
  | 'misconfigured'
  /** Anything else. */
  | 'failed';

/**
 * A failed send, with what the campaign path needs to decide: whether to try
 * again later, and whether the address must be suppressed (and why). The
 * message never contains the address.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly retryable: boolean;
  /** Set when the address must not be sent to again: the contact suppression's reason. */
  readonly suppressReason?: string;

  constructor(
    readonly channel: Channel,
    readonly code: DeliveryErrorCode,
    message: string,
    opts: { readonly retryable?: boolean; readonly suppressReason?: string; readonly cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.retryable = opts.retryable ?? (code === 'throttled' || code === 'unavailable');
    if (opts.suppressReason !== undefined) this.suppressReason = opts.suppressReason;
  }
}

/** True for a DeliveryError (also one from another copy of this module: by name and shape). */
export function isDeliveryError(err: unknown): err is DeliveryError {
  return err instanceof DeliveryError || (err instanceof Error && err.name === 'DeliveryError' && typeof (err as DeliveryError).code === 'string');
}

/** Email addresses and phone-number-like digit runs in a provider's text, replaced (diagnostics, error messages). */
export function redactContacts(text: string, maxLength = 500): string {
  const redacted = text
    .replace(/[^\s<>()"',;:[\]]+@[^\s<>()"',;:[\]]+/g, '[email]')
    .replace(/(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){1,4}/g, (run) => (run.replace(/\D/g, '').length >= 7 ? '[number]' : run));
  return redacted.length > maxLength ? `${redacted.slice(0, maxLength)}…` : redacted;
}

// ---------------------------------------------------------------------------
// SES message tags

/** Tag names the email adapter sets and the feedback reads. */
export const EMAIL_TAGS = { campaign: 'campaign', profile: 'profile', messageKey: 'messageKey' } as const;
/** SES tag values: ASCII letters, digits, `_` and `-`, at most 256. */
const TAG_SAFE = /^[A-Za-z0-9_-]{1,256}$/;
const TAG_ENCODED = 'b64-';
const TAG_HASHED = 'sha256-';
const MAX_TAG = 256;

/**
 * A value as an SES tag value: as it is when it fits the tag alphabet,
 * else `b64-` and its base64url (reversible), else (too long even so)
 * `sha256-` and the first 64 hex digits of its SHA-256 (not reversible).
 */
export function encodeTagValue(value: string): string {
  if (TAG_SAFE.test(value) && !value.startsWith(TAG_ENCODED) && !value.startsWith(TAG_HASHED)) return value;
  const encoded = `${TAG_ENCODED}${Buffer.from(value, 'utf8').toString('base64url')}`;
  if (encoded.length <= MAX_TAG) return encoded;
  return `${TAG_HASHED}${createHash('sha256').update(value).digest('hex')}`;
}

/** The value encodeTagValue encoded (a hashed value stays the hash). */
export function decodeTagValue(tag: string): string {
  if (!tag.startsWith(TAG_ENCODED)) return tag;
  const body = tag.slice(TAG_ENCODED.length);
  return /^[A-Za-z0-9_-]*$/.test(body) ? Buffer.from(body, 'base64url').toString('utf8') : tag;
}

// ---------------------------------------------------------------------------
// Provider feedback, read

/** An address to put on the contact suppressions (in memory only). */
export interface SuppressContact {
  readonly channel: Channel;
  readonly address: string;
  readonly reason: string;
}

/** One provider event, read: what happened to which message of which profile. */
export interface ProviderFeedback {
  readonly channel: Channel;
  /** The c360 event name (FEEDBACK_EVENTS). */
  readonly event: string;
  readonly providerMessageId: string;
  /** The provider's own event type (`Bounce`, `TEXT_DELIVERED`), for the logs' counts. */
  readonly providerEventType: string;
  /** The provider's time of the event, epoch ms. */
  readonly atMs: number;
  /** Attribution: absent when the message carried none (then the event is dropped, its suppressions still apply). */
  readonly profileId?: string;
  readonly campaign?: string;
  readonly messageKey?: string;
  /** Provider detail for `properties` (no address). */
  readonly detail: Readonly<Record<string, unknown>>;
  /** What tells this event apart from others of the same kind on the same message (an open's time, a click's link). */
  readonly distinct: string;
  readonly suppress: readonly SuppressContact[];
}

/** A STOP reply (or another opt-out keyword) received on a number. */
export interface SmsOptOut {
  /** The customer's number, as the provider reports it (E.164). */
  readonly phone: string;
  readonly keyword: string;
  /** The inbound message's id: the opt-out's identity. */
  readonly inboundMessageId: string;
  readonly atMs: number;
}

export type ReadFeedback =
  | { readonly kind: 'feedback'; readonly feedback: ProviderFeedback }
  | { readonly kind: 'opt-out'; readonly optOut: SmsOptOut }
  | { readonly kind: 'ignored'; readonly reason: string };

const ignored = (reason: string): ReadFeedback => ({ kind: 'ignored', reason });

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);
const timeOf = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
};
/** Drops undefined values (properties stay plain JSON). */
const defined = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** SES's EventBridge detail types → the event type its records carry. */
export const SES_DETAIL_TYPES: Readonly<Record<string, string>> = {
  'Email Sent': 'Send',
  'Email Delivered': 'Delivery',
  'Email Opened': 'Open',
  'Email Clicked': 'Click',
  'Email Bounced': 'Bounce',
  'Email Complaint Received': 'Complaint',
  'Email Delivery Delayed': 'DeliveryDelay',
  'Email Rejected': 'Reject',
  'Email Rendering Failed': 'Rendering Failure',
  'Email Subscribed': 'Subscription',
};

/** A link as the click event reports it: origin and path only (its query may carry a token or a tracking id). */
function linkOf(v: unknown): string | undefined {
  const link = str(v);
  if (link === undefined) return undefined;
  try {
    const url = new URL(link);
    return `${url.origin}${url.pathname}`;
  } catch {
    return undefined;
  }
}

/**
 * An SES event record (the `detail` of an EventBridge event from `aws.ses`,
 * or the message of an SES event-publishing SNS notification), read.
 *
 * @param detailType the EventBridge `detail-type`, used when the record names no eventType
 * @param fallbackMs the envelope's time, when the record carries none of its own
 */
export function readSesEvent(record: unknown, fallbackMs: number, detailType?: string): ReadFeedback {
  if (!isObject(record) || !isObject(record.mail)) return ignored('not an SES event record (no mail object)');
  const type = str(record.eventType) ?? str(record.notificationType) ?? (detailType === undefined ? undefined : SES_DETAIL_TYPES[detailType]);
  if (type === undefined) return ignored('an SES event record without an eventType');
  const mail = record.mail;
  const providerMessageId = str(mail.messageId);
  if (providerMessageId === undefined) return ignored('an SES event record without mail.messageId');
  const tags = isObject(mail.tags) ? mail.tags : {};
  const tag = (name: string): string | undefined => {
    const values = tags[name];
    const first = Array.isArray(values) ? str(values[0]) : undefined;
    return first === undefined ? undefined : decodeTagValue(first);
  };
  const mailAt = timeOf(mail.timestamp) ?? fallbackMs;
  const destination = Array.isArray(mail.destination) ? mail.destination.filter((d): d is string => typeof d === 'string') : [];
  const E = FEEDBACK_EVENTS.email;

  const base = {
    channel: 'email' as const,
    providerMessageId,
    providerEventType: type,
    ...(tag(EMAIL_TAGS.profile) === undefined ? {} : { profileId: tag(EMAIL_TAGS.profile) as string }),
    ...(tag(EMAIL_TAGS.campaign) === undefined ? {} : { campaign: tag(EMAIL_TAGS.campaign) as string }),
    ...(tag(EMAIL_TAGS.messageKey) === undefined ? {} : { messageKey: tag(EMAIL_TAGS.messageKey) as string }),
  };
  const feedback = (f: Pick<ProviderFeedback, 'event' | 'atMs' | 'detail'> & Partial<Pick<ProviderFeedback, 'distinct' | 'suppress'>>): ReadFeedback => ({
    kind: 'feedback',
    feedback: { ...base, distinct: '', suppress: [], ...f },
  });

  switch (type) {
    case 'Send':
      return feedback({ event: E.sent, atMs: mailAt, detail: {} });
    case 'Delivery': {
      const d = isObject(record.delivery) ? record.delivery : {};
      return feedback({ event: E.delivered, atMs: timeOf(d.timestamp) ?? mailAt, detail: defined({ processingTimeMillis: num(d.processingTimeMillis) }) });
    }
    case 'Open': {
      const o = isObject(record.open) ? record.open : {};
      const at = timeOf(o.timestamp) ?? mailAt;
      return feedback({ event: E.opened, atMs: at, detail: {}, distinct: String(at) });
    }
    case 'Click': {
      const c = isObject(record.click) ? record.click : {};
      const at = timeOf(c.timestamp) ?? mailAt;
      const url = linkOf(c.link);
      const linkTags = isObject(c.linkTags) ? c.linkTags : undefined;
      return feedback({ event: E.clicked, atMs: at, detail: defined({ url, linkTags }), distinct: `${at}|${str(c.link) ?? ''}` });
    }
    case 'Bounce': {
      const b = isObject(record.bounce) ? record.bounce : {};
      const bounceType = str(b.bounceType) ?? 'Undetermined';
      const bounceSubType = str(b.bounceSubType);
      const recipients = objects(b.bouncedRecipients);
      const first = recipients[0];
      const diagnostic = str(first?.diagnosticCode);
      const addresses = recipients.map((r) => str(r.emailAddress)).filter((a): a is string => a !== undefined);
      // A permanent (hard) bounce: the address will not work again. Soft bounces are only reported.
      const suppress =
        bounceType === 'Permanent'
          ? (addresses.length > 0 ? addresses : destination).map((address): SuppressContact => ({ channel: 'email', address, reason: `bounce:${bounceSubType ?? 'General'}` }))
          : [];
      return feedback({
        event: E.bounced,
        atMs: timeOf(b.timestamp) ?? mailAt,
        detail: defined({ bounceType, bounceSubType, status: str(first?.status), diagnostic: diagnostic === undefined ? undefined : redactContacts(diagnostic) }),
        suppress,
      });
    }
    case 'Complaint': {
      const c = isObject(record.complaint) ? record.complaint : {};
      const addresses = objects(c.complainedRecipients)
        .map((r) => str(r.emailAddress))
        .filter((a): a is string => a !== undefined);
      return feedback({
        event: E.complained,
        atMs: timeOf(c.timestamp) ?? mailAt,
        detail: defined({ complaintFeedbackType: str(c.complaintFeedbackType), complaintSubType: str(c.complaintSubType) }),
        suppress: (addresses.length > 0 ? addresses : destination).map((address): SuppressContact => ({ channel: 'email', address, reason: 'complaint' })),
      });
    }
    case 'DeliveryDelay': {
      const d = isObject(record.deliveryDelay) ? record.deliveryDelay : {};
      const at = timeOf(d.timestamp) ?? mailAt;
      return feedback({ event: E.deferred, atMs: at, detail: defined({ delayType: str(d.delayType), expirationTime: str(d.expirationTime) }), distinct: String(at) });
    }
    case 'Reject': {
      const r = isObject(record.reject) ? record.reject : {};
      const reason = str(r.reason);
      return feedback({ event: E.rejected, atMs: mailAt, detail: defined({ reason: reason === undefined ? undefined : redactContacts(reason) }) });
    }
    default:
      return ignored(`SES event type ${JSON.stringify(type.slice(0, 64))} is not feedback c360 records`);
  }
}

const SMS_DELIVERED = new Set(['TEXT_DELIVERED', 'TEXT_SUCCESSFUL']);
const SMS_SENT = new Set(['TEXT_QUEUED', 'TEXT_PENDING']);
const SMS_FAILED = new Set([
  'TEXT_BLOCKED',
  'TEXT_TTL_EXPIRED',
  'TEXT_CARRIER_UNREACHABLE',
  'TEXT_INVALID',
  'TEXT_INVALID_MESSAGE',
  'TEXT_CARRIER_BLOCKED',
  'TEXT_UNREACHABLE',
  'TEXT_SPAM',
  'TEXT_UNKNOWN',
  'TEXT_PROTECT_BLOCKED',
]);

/** SMS `Context` keys the SMS adapter sets and the feedback reads. */
export const SMS_CONTEXT = { campaign: 'campaign', profile: 'profile', messageKey: 'messageKey' } as const;

/**
 * An End User Messaging SMS event (the JSON an SNS event destination
 * publishes, or the `detail` of an `aws.sms-voice` EventBridge event), read.
 * Delivered and successful are one event (countries report one or the
 * other), queued and pending are one `SMS Sent`; the failures are `SMS Failed`
 * with the status, and an invalid number is suppressed.
 */
export function readSmsEvent(record: unknown, fallbackMs: number): ReadFeedback {
  if (!isObject(record)) return ignored('not an SMS event record');
  const type = str(record.eventType);
  if (type === undefined) return ignored('an SMS event record without an eventType');
  const providerMessageId = str(record.messageId);
  if (providerMessageId === undefined) return ignored('an SMS event record without a messageId');
  const S = FEEDBACK_EVENTS.sms;
  const event = SMS_DELIVERED.has(type) ? S.delivered : SMS_SENT.has(type) ? S.sent : SMS_FAILED.has(type) ? S.failed : undefined;
  if (event === undefined) return ignored(`event type ${JSON.stringify(type.slice(0, 64))} is not an SMS delivery event c360 records`);
  const context = isObject(record.context) ? record.context : {};
  const phone = str(record.destinationPhoneNumber);
  const description = str(record.messageStatusDescription);
  const failed = event === S.failed;
  return {
    kind: 'feedback',
    feedback: {
      channel: 'sms',
      event,
      providerMessageId,
      providerEventType: type,
      atMs: num(record.eventTimestamp) ?? fallbackMs,
      ...(str(context[SMS_CONTEXT.profile]) === undefined ? {} : { profileId: str(context[SMS_CONTEXT.profile]) as string }),
      ...(str(context[SMS_CONTEXT.campaign]) === undefined ? {} : { campaign: str(context[SMS_CONTEXT.campaign]) as string }),
      ...(str(context[SMS_CONTEXT.messageKey]) === undefined ? {} : { messageKey: str(context[SMS_CONTEXT.messageKey]) as string }),
      detail: defined({
        messageType: str(record.messageType),
        status: failed ? str(record.messageStatus) : undefined,
        statusDescription: failed && description !== undefined ? redactContacts(description) : undefined,
        parts: num(record.totalMessageParts),
      }),
      // One event per failure kind; delivered/successful and queued/pending each collapse into one.
      distinct: failed ? type : '',
      suppress: type === 'TEXT_INVALID' && phone !== undefined ? [{ channel: 'sms', address: phone, reason: 'sms:invalid-number' }] : [],
    },
  };
}

/** The keywords End User Messaging SMS treats as an opt-out by default (the whole message, any case). */
export const SMS_OPT_OUT_KEYWORDS: ReadonlySet<string> = new Set(['ARRET', 'CANCEL', 'END', 'OPT-OUT', 'OPTOUT', 'QUIT', 'REMOVE', 'STOP', 'STOPALL', 'TD', 'UNSUBSCRIBE']);

/**
 * A two-way SMS message (what End User Messaging SMS publishes to the
 * number's SNS topic when a customer texts it), read: an opt-out keyword is
 * an opt-out; anything else is not feedback.
 */
export function readSmsInbound(record: unknown, receivedMs: number): ReadFeedback {
  if (!isObject(record)) return ignored('not an inbound SMS message');
  const phone = str(record.originationNumber);
  const body = typeof record.messageBody === 'string' ? record.messageBody.trim().toUpperCase() : undefined;
  const inboundMessageId = str(record.inboundMessageId);
  if (phone === undefined || body === undefined || inboundMessageId === undefined) return ignored('an inbound SMS message without originationNumber, messageBody or inboundMessageId');
  if (!SMS_OPT_OUT_KEYWORDS.has(body)) return ignored('an inbound SMS message that is not an opt-out keyword');
  return { kind: 'opt-out', optOut: { phone, keyword: body, inboundMessageId, atMs: receivedMs } };
}

/**
 * An SNS notification's message (already parsed JSON), whatever published
 * it: an SES event record, an SMS event, or an inbound SMS.
 */
export function readSnsMessage(message: unknown, receivedMs: number): ReadFeedback {
  if (!isObject(message)) return ignored('the SNS message is not a JSON object');
  if (isObject(message.mail)) return readSesEvent(message, receivedMs);
  if (typeof message.originationNumber === 'string' && 'messageBody' in message) return readSmsInbound(message, receivedMs);
  if (typeof message.eventType === 'string') return readSmsEvent(message, receivedMs);
  return ignored('the SNS message is not an SES or SMS event');
}

// ---------------------------------------------------------------------------
// Events

/** A feedback event as it goes on the stream. */
export interface FeedbackTrackEvent {
  readonly type: 'track';
  readonly event: string;
  readonly messageId: string;
  readonly timestamp: string;
  readonly userId?: string;
  readonly anonymousId?: string;
  readonly properties: FeedbackProperties & Readonly<Record<string, unknown>>;
  readonly context: { readonly c360: { readonly source: typeof FEEDBACK_SOURCE } };
  readonly [key: string]: unknown;
}

const digest = (parts: readonly unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);

/** The deterministic messageId of a feedback event. */
export function feedbackMessageId(channel: Channel, providerMessageId: string, event: string, distinct = ''): string {
  return `fb-${digest([channel, providerMessageId, event, distinct])}`;
}

/** The track event of attributed feedback, addressed to the profile. */
export function feedbackEvent(
  f: Pick<ProviderFeedback, 'channel' | 'event' | 'providerMessageId' | 'atMs' | 'detail' | 'distinct'> & { readonly campaign: string; readonly messageKey: string },
  address: EventAddress,
): FeedbackTrackEvent {
  const properties: FeedbackProperties & Record<string, unknown> = {
    ...f.detail,
    campaign: f.campaign,
    channel: f.channel,
    messageKey: f.messageKey,
    providerMessageId: f.providerMessageId,
  };
  return {
    type: 'track',
    event: f.event,
    messageId: feedbackMessageId(f.channel, f.providerMessageId, f.event, f.distinct),
    timestamp: new Date(f.atMs).toISOString(),
    ...address,
    properties,
    context: { c360: { source: FEEDBACK_SOURCE } },
  };
}

/** Why feedback cannot be attributed to a profile's message, or undefined when it can. */
export function attributionProblem(f: Pick<ProviderFeedback, 'profileId' | 'campaign' | 'messageKey' | 'channel'>): string | undefined {
  const carrier = f.channel === 'email' ? 'tag' : 'context entry';
  if (f.profileId === undefined) return `no profile ${carrier} on the message`;
  if (f.campaign === undefined) return `no campaign ${carrier} on the message`;
  if (f.messageKey === undefined) return `no messageKey ${carrier} on the message`;
  return undefined;
}

/** What a consent decision event needs (governance.consent). */
export interface ConsentEventSettings {
  /** The preference event (`Segment Consent Preference Updated`). */
  readonly preferenceEvent: string;
  readonly policyVersion: string;
}

/**
 * A consent decision denying `purposes`, as a preference event with
 * Segment's consent object (as the profile API records one), addressed to
 * the profile. `seed` makes its messageId: the same decision from the same
 * origin (an inbound message, a link click at one moment) is one event.
 */
export function consentDenialEvent(
  address: EventAddress,
  purposes: readonly string[],
  source: string,
  atMs: number,
  seed: string,
  settings: ConsentEventSettings,
  properties: Readonly<Record<string, unknown>> = {},
): Readonly<Record<string, unknown>> {
  const categoryPreferences = Object.fromEntries([...new Set(purposes)].sort().map((p) => [p, false]));
  return {
    type: 'track',
    event: settings.preferenceEvent,
    messageId: `consent-${digest([seed, categoryPreferences, settings.policyVersion, source])}`,
    timestamp: new Date(atMs).toISOString(),
    ...address,
    properties,
    context: { consent: { categoryPreferences, policyVersion: settings.policyVersion, source }, c360: { source: FEEDBACK_SOURCE } },
  };
}

/**
 * Contact suppression reasons of an opted-out number: `listed` while c360
 * knows the number is on the opt-out list (a send failed, a STOP arrived)
 * but has not yet put the consent decision on the stream; `recorded` once it
 * has. Reconciliation leaves `recorded` numbers alone and finishes the others.
 */
export const SMS_OPT_OUT_REASONS = { listed: 'sms-opted-out', recorded: 'sms-stop' } as const;

/** The consent source of a decision made by an SMS opt-out keyword. */
export const SMS_STOP_CONSENT_SOURCE = 'sms-stop';

/**
 * The events of an SMS opt-out on a profile: `SMS Opted Out` and the consent
 * decision denying the SMS purposes (governance.consent.uses.sms).
 */
export function smsOptOutEvents(
  optOut: SmsOptOut,
  address: EventAddress,
  smsPurposes: readonly string[],
  settings: ConsentEventSettings,
): Readonly<Record<string, unknown>>[] {
  const optedOut = {
    type: 'track',
    event: FEEDBACK_EVENTS.sms.optedOut,
    messageId: feedbackMessageId('sms', optOut.inboundMessageId, FEEDBACK_EVENTS.sms.optedOut),
    timestamp: new Date(optOut.atMs).toISOString(),
    ...address,
    properties: { channel: 'sms', keyword: optOut.keyword },
    context: { c360: { source: FEEDBACK_SOURCE } },
  };
  const events: Readonly<Record<string, unknown>>[] = [optedOut];
  if (smsPurposes.length > 0) {
    events.push(consentDenialEvent(address, smsPurposes, SMS_STOP_CONSENT_SOURCE, optOut.atMs, `sms-stop|${optOut.inboundMessageId}`, settings, { channel: 'sms', keyword: optOut.keyword }));
  }
  return events;
}

/** The identifiers of the customer view a feedback event is addressed by. */
export interface AddressableView {
  readonly identifiers: Readonly<Record<string, readonly string[]>>;
}

/**
 * `Push Sent`, produced by the campaign path right after a push send
 * succeeded (the Pinpoint messaging API reports the send in its answer, not
 * through an event). Undefined when the profile has neither a userId nor an
 * anonymousId to address it to.
 */
export function pushSentEvent(record: MessageRecord, providerMessageId: string, view: AddressableView, nowMs: number): FeedbackTrackEvent | undefined {
  const address = eventAddress(view.identifiers);
  if (address === undefined) return undefined;
  return feedbackEvent(
    { channel: 'push', event: FEEDBACK_EVENTS.push.sent, providerMessageId, atMs: nowMs, detail: {}, distinct: '', campaign: record.campaign, messageKey: record.key },
    address,
  );
}

// ---------------------------------------------------------------------------
// Simulated feedback (the local outbox: `c360 outbox deliver|open|click|bounce ID`)

export type SimulatedKind = 'deliver' | 'open' | 'click' | 'bounce';

export type SimulatedFeedback =
  | { readonly ok: true; readonly event: FeedbackTrackEvent; readonly suppress?: SuppressContact }
  | { readonly ok: false; readonly reason: string };

/**
 * The feedback a provider would report for a message of the outbox, so the
 * local runtime can exercise what engagement does (traits, segments,
 * suppressions) without a provider. A bounce names the address to suppress:
 * the view's first identifier of the message's address type.
 */
export function simulatedFeedback(kind: SimulatedKind, message: MessageRecord, view: AddressableView, nowMs: number): SimulatedFeedback {
  if (message.status !== 'sent') return { ok: false, reason: `message ${message.key} was not sent (its status is ${message.status})` };
  const address = eventAddress(view.identifiers);
  if (address === undefined) return { ok: false, reason: `profile ${message.profileId} has no userId or anonymousId to address an event to` };
  const contact = message.addressType === undefined ? undefined : view.identifiers[message.addressType]?.[0];
  const E = FEEDBACK_EVENTS;
  let event: string;
  let detail: Record<string, unknown> = { simulated: true };
  let suppressReason: string | undefined;
  switch (message.channel) {
    case 'email':
      event = { deliver: E.email.delivered, open: E.email.opened, click: E.email.clicked, bounce: E.email.bounced }[kind];
      if (kind === 'click' && message.content?.url !== undefined) detail = { ...detail, url: linkOf(message.content.url) };
      if (kind === 'bounce') {
        detail = { ...detail, bounceType: 'Permanent', bounceSubType: 'General' };
        suppressReason = 'bounce:General';
      }
      break;
    case 'sms':
      if (kind === 'open' || kind === 'click') return { ok: false, reason: `an SMS reports no ${kind === 'open' ? 'opens' : 'clicks'}; use deliver or bounce` };
      event = kind === 'deliver' ? E.sms.delivered : E.sms.failed;
      if (kind === 'bounce') {
        detail = { ...detail, status: 'INVALID' };
        suppressReason = 'sms:invalid-number';
      }
      break;
    case 'push':
      event = kind === 'deliver' ? E.push.sent : kind === 'bounce' ? E.push.failed : E.push.opened;
      if (kind === 'bounce') {
        detail = { ...detail, status: 'PERMANENT_FAILURE' };
        suppressReason = 'push:invalid-token';
      }
      break;
  }
  const providerMessageId = message.providerMessageId ?? `local-${message.profileId}-${message.key}`;
  const built = feedbackEvent(
    { channel: message.channel, event, providerMessageId, atMs: nowMs, detail, distinct: kind === 'deliver' || kind === 'bounce' ? '' : String(nowMs), campaign: message.campaign, messageKey: message.key },
    address,
  );
  return {
    ok: true,
    event: built,
    ...(suppressReason === undefined || contact === undefined ? {} : { suppress: { channel: message.channel, address: contact, reason: suppressReason } }),
  };
}
