/**
 * The narrow interfaces the activation use cases talk to, implemented in
 * adapters/: by AWS services deployed (DynamoDB, Personalize, SES v2, End
 * User Messaging SMS, the Pinpoint messaging API, S3) and by local stand-ins
 * (dynalite, the outbox folder, files).
 */
import type { Channel } from '../config/activation';
import type { CustomerView } from '../unification/contracts/customer-view';
import type { MessageRecord, RenderedContent } from './contracts/messages';
import type { CatalogItem, Interaction, Recommendation } from './contracts/recommendations';

export type { CustomerView };

/** The customer view (the unification pillar's table, read-only). */
export interface CustomerViewReader {
  /** The live profile (a merged-away id resolves to its survivor), evaluated at `nowMs`; undefined when none. */
  get(profileId: string, nowMs: number): Promise<CustomerView | undefined>;
  /** The profile owning an identifier, if any. */
  ownerOf(type: string, value: string): Promise<string | undefined>;
}

/** One page of a segment's members (the unification pillar's membership index). */
export interface SegmentMembers {
  members(segment: string, limit: number, cursor?: string): Promise<{ profileIds: string[]; next?: string }>;
}

/** Messages by profile: idempotency, cap counts and rule outcomes (the activation table's MSG# items). */
export interface MessageLedger {
  /** Records a new message; false when one with the same (profile, key) exists (the trigger was delivered before). */
  claim(record: MessageRecord): Promise<boolean>;
  /** Replaces a claimed message's record (its outcome after delivery, a deferred send that went). */
  update(record: MessageRecord): Promise<void>;
  get(profileId: string, key: string): Promise<MessageRecord | undefined>;
  /** Non-transactional messages sent on `channel` to the profile on local days >= `sinceLocalDay` (YYYY-MM-DD). */
  countSent(profileId: string, channel: Channel, sinceLocalDay: string): Promise<number>;
  /** Every message of a profile, newest first (the dashboard's customer page). */
  list(profileId: string, limit: number): Promise<MessageRecord[]>;
}

/** Sends deferred by quiet hours, due later (the activation table's DUE items). */
export interface DeferredSends {
  defer(record: MessageRecord): Promise<void>;
  /** Deferred sends due at or before `nowMs`, at most `limit`, oldest first. */
  due(nowMs: number, limit: number): Promise<MessageRecord[]>;
  /** Removes a deferred send once handled. */
  done(record: MessageRecord): Promise<void>;
}

/** A message ready to go: the address in clear exists only here, in memory. */
export interface OutgoingMessage {
  readonly record: MessageRecord;
  readonly address: string;
  readonly content: RenderedContent;
  /** The signed one-click unsubscribe link (email, SMS footer). */
  readonly unsubscribeUrl?: string;
}

export interface DeliveryResult {
  readonly providerMessageId: string;
}

/** One channel's delivery: SES v2, End User Messaging SMS, the Pinpoint messaging API; the outbox locally. */
export interface Deliverer {
  readonly channel: Channel;
  send(message: OutgoingMessage): Promise<DeliveryResult>;
}

/** Addresses that must not be sent to: bounced or complained emails, opted-out numbers, dead device tokens. */
export interface ContactSuppressions {
  /** The reason, when suppressed. */
  reason(channel: Channel, address: string): Promise<string | undefined>;
  add(channel: Channel, address: string, reason: string, atMs: number): Promise<void>;
  remove(channel: Channel, address: string): Promise<void>;
}

/** Interactions per profile (the built-in recommender's input; the activation table's INT# items). */
export interface InteractionStore {
  put(interactions: readonly Interaction[]): Promise<void>;
  /** A profile's most recent interactions, newest first. */
  recent(profileId: string, limit: number): Promise<Interaction[]>;
  /** Every interaction (the model rebuild and the training check). */
  scan(): AsyncIterable<Interaction>;
}

export interface ItemCatalog {
  put(items: readonly CatalogItem[]): Promise<void>;
  get(itemIds: readonly string[]): Promise<Map<string, CatalogItem>>;
}

/** A JSON document under a key: the models (propensity, the built-in recommender), job state. */
export interface DocumentStore {
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
  list(prefix: string): Promise<string[]>;
}

/** Amazon Personalize's runtime, when a campaign is active. */
export interface PersonalizeRecommender {
  /** The active model (solution version ARN), or undefined while none is trained. */
  activeModel(kind: 'user' | 'similar'): Promise<string | undefined>;
  recommend(profileId: string, n: number, context?: Readonly<Record<string, string>>): Promise<Recommendation[]>;
  similar(itemId: string, n: number): Promise<Recommendation[]>;
}

/** Amazon Personalize's ingestion: the event tracker and the items dataset. */
export interface PersonalizeIngest {
  putEvents(interactions: readonly Interaction[]): Promise<void>;
  putItems(items: readonly CatalogItem[]): Promise<void>;
}

/** Puts events on the event stream (feedback, scores, consent from unsubscribes and STOP replies). */
export interface ActivationEventWriter {
  put(events: ReadonlyArray<Readonly<Record<string, unknown>>>): Promise<void>;
}

/** Writes one object of an audience export. */
export interface AudienceSink {
  put(key: string, body: string, contentType: string): Promise<void>;
}

