/**
 * A message of a campaign, as the ledger stores it, the outbox writes it
 * (one JSON line under `.c360/outbox/`) and the dashboard shows it: the
 * idempotency key, every rule's outcome in the order they ran, the rendered
 * content when it was rendered, and the delivery.
 */
import type { Channel } from '../../config/activation';

/** The rules every send passes, in this order. */
export const SEND_RULES = ['suppression', 'consent', 'control', 'cap', 'quietHours'] as const;
export type SendRule = (typeof SEND_RULES)[number];

export interface RuleOutcome {
  readonly rule: SendRule | 'template' | 'address';
  /** `pass`, or what stopped or changed the send. */
  readonly outcome: 'pass' | 'suppressed' | 'no-consent' | 'held-out' | 'capped' | 'deferred' | 'bypassed' | 'failed';
  readonly detail?: string;
}

/**
 * Where a message ended (so far). `pending`: claimed (the trigger's
 * idempotency key is taken) and not yet decided or delivered; a message left
 * pending by a crash is never sent again (at most once).
 */
export type MessageStatus = 'pending' | 'sent' | 'suppressed' | 'no-consent' | 'held-out' | 'capped' | 'deferred' | 'failed' | 'skipped';

/** What set a campaign off, and which occurrence: a trigger delivered twice has the same occurrence and sends once. */
export interface TriggerOccurrence {
  readonly kind: 'segmentEntered' | 'segmentExited' | 'event' | 'schedule';
  /** Segment entry time, the event's messageId, or the scheduled run's time. */
  readonly occurrence: string;
  /** The trigger event's name and properties (event triggers), for the template. */
  readonly event?: { readonly name: string; readonly properties: Readonly<Record<string, unknown>> };
  readonly segment?: string;
}

export interface RenderedContent {
  readonly subject?: string;
  readonly html?: string;
  readonly text?: string;
  readonly title?: string;
  readonly url?: string;
}

export interface MessageRecord {
  /** `<campaign>#<occurrence>`: unique per profile. */
  readonly key: string;
  readonly campaign: string;
  readonly profileId: string;
  readonly channel: Channel;
  readonly transactional: boolean;
  readonly trigger: TriggerOccurrence;
  readonly status: MessageStatus;
  readonly outcomes: readonly RuleOutcome[];
  /** When the decision was made (ISO-8601), and the customer's local day of it (`YYYY-MM-DD`, the cap counts by it). */
  readonly decidedAt: string;
  readonly localDay: string;
  readonly timeZone: string;
  /** A deferred send: when it goes (ISO-8601). */
  readonly deferredUntil?: string;
  /** The address it went to is never stored in clear: its keyed kind only (`email`, `phone`, `deviceToken`). */
  readonly addressType?: string;
  readonly content?: RenderedContent;
  /** Why `content` is not kept (a ledger item has a size limit). */
  readonly contentOmitted?: string;
  readonly sentAt?: string;
  readonly providerMessageId?: string;
  readonly error?: string;
}

export const messageKey = (campaign: string, occurrence: string) => `${campaign}#${occurrence}`;
