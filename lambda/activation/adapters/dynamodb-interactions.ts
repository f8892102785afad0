/**
 * The InteractionStore on the activation table: one item per interaction,
 * `INT#<profileId>` / `<time ISO>#<itemId>#<eventType>`, so a redelivered
 * event writes the same item again (idempotent), a profile's history is one
 * Query newest first, and the erasure finds everything of a profile under
 * its key. Items carry a TTL (`expiresAt`) when a retention is given: the
 * built-in recommender counts nothing older than its look-back anyway.
 */
import { BatchWriteCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { retryBatch } from '../../shared/retry';
import { ACTIVATION_PK, ACTIVATION_SK, ACTIVATION_TTL, INTERACTION_PK_PREFIX, interactionPk } from '../contracts/table';
import type { Interaction } from '../contracts/recommendations';
import type { InteractionStore } from '../ports';

/** BatchWriteItem takes at most 25 requests per call. */
const BATCH_WRITE_MAX = 25;
/** A Query page (the most recent of a profile) is at most this many items. */
const QUERY_PAGE_MAX = 1000;

/** The sort key of an interaction: time first, so a Query reads a profile's history in time order. */
export const interactionSk = (i: Pick<Interaction, 'at' | 'itemId' | 'eventType'>) => `${new Date(i.at).toISOString()}#${i.itemId}#${i.eventType}`;

type WriteRequest = { PutRequest: { Item: Record<string, unknown> } };

export interface DynamoInteractionStoreOptions {
  /** Days an interaction is kept (TTL from its event time); none: kept until erased. */
  readonly retentionDays?: number;
  /** Retries of unprocessed batch writes. @default 5 */
  readonly retries?: number;
  readonly baseDelayMs?: number;
}

export class DynamoInteractionStore implements InteractionStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: DynamoInteractionStoreOptions = {},
  ) {}

  async put(interactions: readonly Interaction[]): Promise<void> {
    // One item per key: a batch may not hold the same key twice.
    const byKey = new Map<string, WriteRequest>();
    for (const i of interactions) {
      const item = this.toItem(i);
      byKey.set(`${String(item[ACTIVATION_PK])}|${String(item[ACTIVATION_SK])}`, { PutRequest: { Item: item } });
    }
    const requests = [...byKey.values()];
    for (let start = 0; start < requests.length; start += BATCH_WRITE_MAX) {
      const { unsent } = await retryBatch(
        requests.slice(start, start + BATCH_WRITE_MAX),
        async (pending) => {
          const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
          return (out.UnprocessedItems?.[this.tableName] ?? []) as WriteRequest[];
        },
        { maxAttempts: (this.options.retries ?? 5) + 1, ...(this.options.baseDelayMs === undefined ? {} : { baseDelayMs: this.options.baseDelayMs }) },
      );
      if (unsent.length > 0) throw new Error(`DynamoDB left ${unsent.length} interaction writes unprocessed`);
    }
  }

  async recent(profileId: string, limit: number): Promise<Interaction[]> {
    const out: Interaction[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': ACTIVATION_PK },
          ExpressionAttributeValues: { ':pk': interactionPk(profileId) },
          ScanIndexForward: false,
          Limit: Math.min(QUERY_PAGE_MAX, limit - out.length),
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) out.push(fromItem(item));
      start = page.LastEvaluatedKey;
    } while (start !== undefined && out.length < limit);
    return out;
  }

  async *scan(): AsyncIterable<Interaction> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'begins_with(#pk, :prefix)',
          ExpressionAttributeNames: { '#pk': ACTIVATION_PK },
          ExpressionAttributeValues: { ':prefix': INTERACTION_PK_PREFIX },
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) yield fromItem(item);
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  }

  private toItem(i: Interaction): Record<string, unknown> {
    const days = this.options.retentionDays;
    return {
      [ACTIVATION_PK]: interactionPk(i.profileId),
      [ACTIVATION_SK]: interactionSk(i),
      profileId: i.profileId,
      itemId: i.itemId,
      eventType: i.eventType,
      ...(i.eventValue === undefined ? {} : { eventValue: i.eventValue }),
      at: i.at,
      messageId: i.messageId,
      sessionId: i.sessionId,
      ...(days === undefined ? {} : { [ACTIVATION_TTL]: Math.floor(i.at / 1000) + days * 86_400 }),
    };
  }
}

function fromItem(item: Record<string, unknown>): Interaction {
  const value = item.eventValue;
  return {
    profileId: String(item.profileId),
    itemId: String(item.itemId),
    eventType: String(item.eventType),
    ...(typeof value === 'number' ? { eventValue: value } : {}),
    at: Number(item.at),
    messageId: String(item.messageId),
    sessionId: String(item.sessionId),
  };
}
