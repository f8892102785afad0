/**
 * The message ledger and the deferred sends on the activation table
 * (contracts/table.ts):
 *
 *   MSG#<profileId>  K#<campaign>#<occurrence>                      a message (MessageRecord), TTL decidedAt + retentionDays
 *   DUE              <deferredUntil ISO>#<profileId>#<campaign>#<occurrence>   a send deferred by quiet hours (the record, profileId)
 *
 * The claim is a conditional put (attribute_not_exists): the sort key is
 * the idempotency key, so a trigger delivered twice claims once. Each claim
 * carries a random token: a put whose response was lost and that the SDK
 * retried fails its condition against itself, and the token recognises it
 * as ours (claimed) rather than another delivery's (duplicate).
 *
 * An item never outgrows DynamoDB's 400 KB: a record too large keeps its
 * rule outcomes and loses the rendered content (then the trigger event's
 * properties), saying so in `contentOmitted`.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Channel } from '../../config/activation';
import type { MessageRecord } from '../contracts/messages';
import { ACTIVATION_PK, ACTIVATION_SK, ACTIVATION_TTL, DUE_PK, MESSAGE_SK_PREFIX, messagePk } from '../contracts/table';
import type { DeferredSends, MessageLedger } from '../ports';

/** Attributes the adapter adds to a record's item. */
const CLAIM_TOKEN = 'claimToken';
const ITEM_ONLY = new Set([ACTIVATION_PK, ACTIVATION_SK, ACTIVATION_TTL, CLAIM_TOKEN]);

/** Room left under DynamoDB's 400 KB item limit for the keys and the attribute names' overhead. */
export const MAX_RECORD_BYTES = 350 * 1024;

export const messageSk = (key: string) => `${MESSAGE_SK_PREFIX}${key}`;
export const dueSk = (record: Pick<MessageRecord, 'deferredUntil' | 'profileId' | 'key'>) => {
  if (record.deferredUntil === undefined) throw new Error(`message ${record.key} has no deferredUntil`);
  return `${new Date(Date.parse(record.deferredUntil)).toISOString()}#${record.profileId}#${record.key}`;
};

const DAY_S = 86_400;

/** The record as plain JSON (no undefined), made to fit an item. */
export function fitRecord(record: MessageRecord, maxBytes = MAX_RECORD_BYTES): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
  const size = () => Buffer.byteLength(JSON.stringify(plain), 'utf8');
  if (size() <= maxBytes) return plain;
  delete plain.content;
  plain.contentOmitted = 'the rendered content exceeded the ledger item limit';
  if (size() <= maxBytes) return plain;
  const trigger = plain.trigger as { event?: { properties?: unknown } } | undefined;
  if (trigger?.event !== undefined) trigger.event.properties = {};
  plain.contentOmitted = 'the rendered content and the trigger event properties exceeded the ledger item limit';
  if (size() <= maxBytes) return plain;
  throw new Error(`message ${record.key} is ${size()} bytes without its content; the ledger item limit is ${maxBytes}`);
}

export function recordOf(item: Record<string, unknown>): MessageRecord {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!ITEM_ONLY.has(k)) out[k] = v;
  return out as unknown as MessageRecord;
}

export interface MessageLedgerOptions {
  /** Days a record is kept (messaging.retentionDays). */
  readonly retentionDays: number;
}

export class DynamoMessageLedger implements MessageLedger {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly opts: MessageLedgerOptions,
  ) {}

  private item(record: MessageRecord): Record<string, unknown> {
    const decided = Date.parse(record.decidedAt);
    if (Number.isNaN(decided)) throw new Error(`message ${record.key} has no valid decidedAt`);
    return {
      ...fitRecord(record),
      [ACTIVATION_PK]: messagePk(record.profileId),
      [ACTIVATION_SK]: messageSk(record.key),
      [ACTIVATION_TTL]: Math.floor(decided / 1000) + this.opts.retentionDays * DAY_S,
    };
  }

  async claim(record: MessageRecord): Promise<boolean> {
    const token = randomUUID();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.item(record), [CLAIM_TOKEN]: token },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ACTIVATION_PK },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException) && (e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
      const returned = (e as ConditionalCheckFailedException).Item;
      const existing = returned !== undefined ? unmarshall(returned) : await this.getItem(record.profileId, record.key);
      // Our own put, retried by the SDK after a lost response: claimed.
      return existing?.[CLAIM_TOKEN] === token;
    }
  }

  async update(record: MessageRecord): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.item(record),
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ACTIVATION_PK },
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException || (e as { name?: string }).name === 'ConditionalCheckFailedException') {
        throw new Error(`message ${record.key} of campaign ${record.campaign} was never claimed or has been erased; not recreated`);
      }
      throw e;
    }
  }

  private async getItem(profileId: string, key: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { [ACTIVATION_PK]: messagePk(profileId), [ACTIVATION_SK]: messageSk(key) }, ConsistentRead: true }),
    );
    return out.Item;
  }

  async get(profileId: string, key: string): Promise<MessageRecord | undefined> {
    const item = await this.getItem(profileId, key);
    return item === undefined ? undefined : recordOf(item);
  }

  async countSent(profileId: string, channel: Channel, sinceLocalDay: string): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          FilterExpression: '#channel = :channel AND #status = :sent AND #transactional = :false AND #localDay >= :since',
          ExpressionAttributeNames: { '#pk': ACTIVATION_PK, '#sk': ACTIVATION_SK, '#channel': 'channel', '#status': 'status', '#transactional': 'transactional', '#localDay': 'localDay' },
          ExpressionAttributeValues: { ':pk': messagePk(profileId), ':prefix': MESSAGE_SK_PREFIX, ':channel': channel, ':sent': 'sent', ':false': false, ':since': sinceLocalDay },
          Select: 'COUNT',
          ConsistentRead: true,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return count;
  }

  async list(profileId: string, limit: number): Promise<MessageRecord[]> {
    const records: MessageRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': ACTIVATION_PK, '#sk': ACTIVATION_SK },
          ExpressionAttributeValues: { ':pk': messagePk(profileId), ':prefix': MESSAGE_SK_PREFIX },
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      for (const item of out.Items ?? []) records.push(recordOf(item));
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    // Keys are ordered by campaign and occurrence, not time: newest first by the decision time.
    return records.sort((a, b) => (a.decidedAt < b.decidedAt ? 1 : a.decidedAt > b.decidedAt ? -1 : 0)).slice(0, Math.max(0, limit));
  }
}

export class DynamoDeferredSends implements DeferredSends {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly opts: MessageLedgerOptions,
  ) {}

  async defer(record: MessageRecord): Promise<void> {
    const decided = Date.parse(record.decidedAt);
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...fitRecord(record),
          [ACTIVATION_PK]: DUE_PK,
          [ACTIVATION_SK]: dueSk(record),
          [ACTIVATION_TTL]: Math.floor((Number.isNaN(decided) ? Date.now() : decided) / 1000) + this.opts.retentionDays * DAY_S,
        },
      }),
    );
  }

  async due(nowMs: number, limit: number): Promise<MessageRecord[]> {
    // Every key starts with a millisecond ISO time: below the next millisecond's is due.
    if (limit < 1) return [];
    const bound = new Date(Math.floor(nowMs) + 1).toISOString();
    const records: MessageRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk < :bound',
          ExpressionAttributeNames: { '#pk': ACTIVATION_PK, '#sk': ACTIVATION_SK },
          ExpressionAttributeValues: { ':pk': DUE_PK, ':bound': bound },
          ScanIndexForward: true,
          Limit: limit - records.length,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      for (const item of out.Items ?? []) records.push(recordOf(item));
      start = out.LastEvaluatedKey;
    } while (start !== undefined && records.length < limit);
    return records;
  }

  async done(record: MessageRecord): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { [ACTIVATION_PK]: DUE_PK, [ACTIVATION_SK]: dueSk(record) } }));
  }
}
