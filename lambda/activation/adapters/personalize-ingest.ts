/**
 * The PersonalizeIngest on Amazon Personalize: interactions through the
 * event tracker (PutEvents: one user and session per call, at most 10
 * events), catalog items into the items dataset (PutItems: at most 10 items
 * per call, the attributes as a JSON string). USER_ID is the c360 profile
 * id, never an email; eventId is the interaction's messageId, so a
 * redelivered event names itself the same.
 */
import { PutEventsCommand, PutItemsCommand, type PersonalizeEventsClient } from '@aws-sdk/client-personalize-events';
import type { CatalogItem, Interaction } from '../contracts/recommendations';
import type { PersonalizeIngest } from '../ports';

/** PutEvents and PutItems take at most 10 entries per call. */
export const PERSONALIZE_BATCH_MAX = 10;

export interface PersonalizeIngestOptions {
  /** The event tracker's tracking id; none: putEvents is refused. */
  readonly trackingId?: string;
  /** The items dataset; none: putItems is refused. */
  readonly itemsDatasetArn?: string;
}

export class PersonalizeEventsIngest implements PersonalizeIngest {
  constructor(
    private readonly client: PersonalizeEventsClient,
    private readonly options: PersonalizeIngestOptions,
  ) {}

  async putEvents(interactions: readonly Interaction[]): Promise<void> {
    if (interactions.length === 0) return;
    const trackingId = this.options.trackingId;
    if (trackingId === undefined) throw new Error('no Personalize event tracker is configured');
    const bySession = new Map<string, Interaction[]>();
    for (const i of interactions) {
      const key = `${i.profileId}\u0000${i.sessionId}`;
      const list = bySession.get(key);
      if (list === undefined) bySession.set(key, [i]);
      else list.push(i);
    }
    for (const list of bySession.values()) {
      const first = list[0] as Interaction;
      for (let start = 0; start < list.length; start += PERSONALIZE_BATCH_MAX) {
        await this.client.send(
          new PutEventsCommand({
            trackingId,
            userId: first.profileId,
            sessionId: first.sessionId,
            eventList: list.slice(start, start + PERSONALIZE_BATCH_MAX).map((i) => ({
              eventId: i.messageId,
              eventType: i.eventType,
              itemId: i.itemId,
              sentAt: new Date(i.at),
              ...(i.eventValue === undefined ? {} : { eventValue: i.eventValue }),
            })),
          }),
        );
      }
    }
  }

  async putItems(items: readonly CatalogItem[]): Promise<void> {
    if (items.length === 0) return;
    const datasetArn = this.options.itemsDatasetArn;
    if (datasetArn === undefined) throw new Error('no Personalize items dataset is configured');
    for (let start = 0; start < items.length; start += PERSONALIZE_BATCH_MAX) {
      await this.client.send(
        new PutItemsCommand({
          datasetArn,
          items: items.slice(start, start + PERSONALIZE_BATCH_MAX).map((item) => ({ itemId: item.itemId, properties: JSON.stringify(personalizeProperties(item.attributes)) })),
        }),
      );
    }
  }
}

/**
 * A schema field's name as PutItems' `properties` spell it: camel case
 * (`SUB_CATEGORY` or `sub_category` → `subCategory`; `category` stays).
 */
export function personalizePropertyName(name: string): string {
  const [first = '', ...rest] = name.split('_').filter((p) => p.length > 0);
  const head = /[a-z]/.test(first) ? first.charAt(0).toLowerCase() + first.slice(1) : first.toLowerCase();
  return head + rest.map((p) => p.charAt(0).toUpperCase() + p.slice(1).toLowerCase()).join('');
}

function personalizeProperties(attributes: Readonly<Record<string, string | number>>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [personalizePropertyName(k), v]));
}
