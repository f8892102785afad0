/**
 * ProfileStore on one DynamoDB table (pk/sk):
 *   identifier index  pk = `ID#<type>#<value>`  sk = `ID`  → profileId
 *   profile           pk = `P#<profileId>`      sk = `P`   → version, mergedInto, doc (the profile, JSON, deflated),
 *                                                            and `rs`/`recheckAt` for the sparse re-check index
 *   journal           pk = `P#<profileId>`      sk = `J#…` → at, doc (the events one write applied, deflated),
 *                                                            and `base` (the profile before its first merge, as a profile doc)
 * (the key attributes and values are defined in contracts/table.ts, the
 * document's encoding in contracts/profile-document.ts).
 * Keeping the profile as one attribute makes a profile read one item and lets
 * traits hold any JSON (empty keys, deep nesting) without DynamoDB's
 * attribute-name rules getting in the way. Deflating it roughly halves the
 * item, and DynamoDB bills writes per started kilobyte of item.
 */
import { deflateDocument, inflateDocument, JOURNAL_DICTIONARY } from '../contracts/document-deflate';
import { ConditionalCheckFailedException, type AttributeValue, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import {
  BatchGetCommand,
  BatchWriteCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { UnifyEvent } from '../../shared/events';
import { retryBatch, type BatchRetryOptions } from '../../shared/retry';
import type { Claim, VersionedWrite } from '../core/identity/plan-types';
import type { Profile } from '../core/profile/profile';
import {
  DEFAULT_JOURNAL_RETENTION_DAYS,
  IDENTIFIER_SK,
  identifierOfPk,
  identifierPk,
  journalExpiresAt,
  JOURNAL_SK_PREFIX,
  PK,
  PROFILE_SK,
  PROFILE_TABLE,
  profileIdOfPk,
  profilePk,
  RECHECK_AT,
  RECHECK_INDEX,
  RECHECK_SHARD,
  RECHECK_SHARDS,
  recheckShardPk,
  SK,
} from '../contracts/table';
import { decodeProfile, encodeProfile } from '../contracts/profile-document';
import type { JournalEntry, ProfileStore } from '../ports';

export const recheckShard = (profileId: string) => recheckShardPk(createHash('sha1').update(profileId).digest()[0]! % RECHECK_SHARDS);

/** A journal item's doc: events without what can be derived (their ISO timestamp) or what is the stream's (sequence numbers). */
function encodeJournal(entry: JournalEntry): Uint8Array {
  const events = entry.events.map((e) => {
    const { timestamp: _t, sequenceNumber: _s, subSequence: _ss, ...rest } = e as UnifyEvent & { sequenceNumber?: string; subSequence?: number };
    return rest;
  });
  return deflateDocument(JSON.stringify({ events, ...(entry.moved === undefined ? {} : { moved: entry.moved }) }), JOURNAL_DICTIONARY);
}

function decodeJournal(profileId: string, key: string, at: string, doc: unknown, base: unknown): JournalEntry {
  if (!(doc instanceof Uint8Array)) throw new Error(`journal item ${key} of profile ${profileId} has no binary doc`);
  const body = JSON.parse(inflateDocument(doc)) as { events: Array<Omit<UnifyEvent, 'timestamp'>>; moved?: string[] };
  return {
    profileId,
    key,
    at,
    events: body.events.map((e) => ({ ...e, timestamp: new Date(e.ts).toISOString() })),
    ...(body.moved === undefined ? {} : { moved: body.moved }),
    // Encoded as a profile doc, so that a base written by an older schema version is upgraded when read.
    ...(base === undefined ? {} : { base: decodeProfile(base) }),
  };
}

/** Attribute of a journal item that holds a base (a profile doc, contracts/profile-document.ts). */
const JOURNAL_BASE_ATTRIBUTE = 'base';

/** BatchWriteItem takes at most 25 requests per call. */
const BATCH_WRITE_LIMIT = 25;

/** BatchGetItem reads at most 100 keys per call. */
const BATCH_GET_LIMIT = 100;
const UNPROCESSED_RETRIES = 8;
/** Unprocessed items and keys: the first call and UNPROCESSED_RETRIES more, waiting up to 25 ms · 2^retry. */
const UNPROCESSED_RETRY: BatchRetryOptions = { maxAttempts: UNPROCESSED_RETRIES + 1, baseDelayMs: 25 };

/** Capacity and calls, summed over the store's life (the benchmark reads them). */
export interface DynamoUsage {
  calls: number;
  readUnits: number;
  writeUnits: number;
  /** The share of writeUnits spent on the event journal. */
  journalWriteUnits: number;
  /** The share of writeUnits spent on identifier claims and repoints. */
  claimWriteUnits: number;
}

function profileItem(profile: Profile): Record<string, unknown> {
  return {
    [PK]: profilePk(profile.profileId),
    [SK]: PROFILE_SK,
    // No profileId or updatedAt beside the doc: the key and the doc hold them, and writes are billed per started KB.
    version: profile.version,
    ...(profile.mergedInto === undefined ? {} : { mergedInto: profile.mergedInto }),
    // Sparse: only live profiles that time alone will change are in the re-check index.
    ...(profile.recheckAt === undefined || profile.mergedInto !== undefined
      ? {}
      : { [RECHECK_SHARD]: recheckShard(profile.profileId), [RECHECK_AT]: profile.recheckAt }),
    doc: encodeProfile(profile),
  };
}

/** Whether a returned (marshalled) binary attribute holds exactly these bytes. */
function sameBytes(old: AttributeValue | undefined, ours: unknown): boolean {
  const a = old?.B;
  return a !== undefined && ours instanceof Uint8Array && Buffer.from(a).equals(ours);
}

const JOURNAL_TTL_ATTRIBUTE = PROFILE_TABLE.timeToLiveAttribute;

/** A journal item, with the time DynamoDB's TTL deletes it (the table's `expiresAt`). */
function journalItem(e: JournalEntry, retentionDays: number): Record<string, unknown> {
  return {
    [PK]: profilePk(e.profileId),
    [SK]: e.key,
    at: e.at,
    doc: encodeJournal(e),
    ...(e.base === undefined ? {} : { [JOURNAL_BASE_ATTRIBUTE]: encodeProfile(e.base) }),
    [JOURNAL_TTL_ATTRIBUTE]: journalExpiresAt(e.at, retentionDays),
  };
}

export interface DynamoProfileStoreOptions {
  /** Days journal items are kept before the table's TTL deletes them (config unification.identity.journalRetentionDays). @default DEFAULT_JOURNAL_RETENTION_DAYS */
  readonly journalRetentionDays?: number;
}

function profileCondition(expectedVersion: number | null) {
  return expectedVersion === null
    ? { ConditionExpression: `attribute_not_exists(${PK})` }
    : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } };
}

function claimItem({ key, profileId }: Claim): Record<string, unknown> {
  return { [PK]: identifierPk(key), [SK]: IDENTIFIER_SK, profileId };
}

function claimCondition(expectedOwner: string | null) {
  return expectedOwner === null
    ? { ConditionExpression: `attribute_not_exists(${PK})` }
    : { ConditionExpression: 'profileId = :expected', ExpressionAttributeValues: { ':expected': expectedOwner } };
}

export class DynamoProfileStore implements ProfileStore {
  readonly usage: DynamoUsage = { calls: 0, readUnits: 0, writeUnits: 0, journalWriteUnits: 0, claimWriteUnits: 0 };

  private readonly journalRetentionDays: number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoProfileStoreOptions = {},
  ) {
    this.journalRetentionDays = options.journalRetentionDays ?? DEFAULT_JOURNAL_RETENTION_DAYS;
  }

  async getOwners(keys: readonly string[]): Promise<Map<string, string>> {
    const items = await this.batchGet(keys.map((k) => identifierPk(k)), IDENTIFIER_SK, `${PK}, profileId`);
    const owners = new Map<string, string>();
    for (const item of items) owners.set(identifierOfPk(String(item[PK])), String(item.profileId));
    return owners;
  }

  async getProfiles(ids: readonly string[]): Promise<Map<string, Profile>> {
    const items = await this.batchGet(ids.map((id) => profilePk(id)), PROFILE_SK, 'doc');
    const profiles = new Map<string, Profile>();
    for (const item of items) {
      const profile = decodeProfile(item.doc);
      profiles.set(profile.profileId, profile);
    }
    return profiles;
  }

  putProfiles(writes: readonly VersionedWrite[]): Promise<boolean[]> {
    return Promise.all(
      writes.map((w) => {
        const item = profileItem(w.profile);
        return this.conditionalPut(item, profileCondition(w.expectedVersion), (old) => sameBytes(old.doc, item.doc));
      }),
    );
  }

  putClaims(claims: readonly Claim[]): Promise<boolean[]> {
    return Promise.all(
      claims.map((c) => this.conditionalPut(claimItem(c), claimCondition(c.expectedOwner), (old) => old.profileId?.S === c.profileId, 'claim')),
    );
  }

  async transact(writes: readonly VersionedWrite[], claims: readonly Claim[], journal: readonly JournalEntry[] = []): Promise<boolean> {
    const items = [
      ...journal.map((e) => ({ Put: { TableName: this.tableName, Item: journalItem(e, this.journalRetentionDays) } })),
      ...writes.map((w) => ({ Put: { TableName: this.tableName, Item: profileItem(w.profile), ...profileCondition(w.expectedVersion) } })),
      ...claims.map((c) => ({ Put: { TableName: this.tableName, Item: claimItem(c), ...claimCondition(c.expectedOwner) } })),
    ];
    if (items.length === 0) return true;
    try {
      const out = await this.doc.send(new TransactWriteCommand({ TransactItems: items, ReturnConsumedCapacity: 'TOTAL' }));
      this.meter('write', out.ConsumedCapacity);
      return true;
    } catch (err) {
      if ((err as Error).name === 'TransactionCanceledException') {
        const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
        // Only a failed condition is a conflict; anything else (throttling, validation) is an error.
        if (reasons.some((r) => r.Code === 'ConditionalCheckFailed')) {
          this.meter('write', { CapacityUnits: items.length });
          return false;
        }
      }
      throw err;
    }
  }

  async putJournal(entries: readonly JournalEntry[]): Promise<void> {
    await this.batchWrite(
      entries.map((e) => ({ PutRequest: { Item: journalItem(e, this.journalRetentionDays) } })),
    );
  }

  async deleteJournal(entries: ReadonlyArray<Pick<JournalEntry, 'profileId' | 'key'>>): Promise<void> {
    await this.batchWrite(entries.map((e) => ({ DeleteRequest: { Key: { [PK]: profilePk(e.profileId), [SK]: e.key } } })));
  }

  async readJournal(profileIds: readonly string[]): Promise<JournalEntry[]> {
    const perProfile = await Promise.all(
      [...new Set(profileIds)].map(async (profileId) => {
        const entries: JournalEntry[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const out = await this.doc.send(
            new QueryCommand({
              TableName: this.tableName,
              KeyConditionExpression: `${PK} = :pk AND begins_with(${SK}, :j)`,
              ExpressionAttributeValues: { ':pk': profilePk(profileId), ':j': JOURNAL_SK_PREFIX },
              ConsistentRead: true,
              ReturnConsumedCapacity: 'TOTAL',
              ...(start === undefined ? {} : { ExclusiveStartKey: start }),
            }),
          );
          this.meter('read', out.ConsumedCapacity);
          for (const item of out.Items ?? []) entries.push(decodeJournal(profileId, String(item[SK]), String(item.at), item.doc, item[JOURNAL_BASE_ATTRIBUTE]));
          start = out.LastEvaluatedKey;
        } while (start !== undefined);
        return entries;
      }),
    );
    return perProfile.flat();
  }

  async dueForRecheck(nowMs: number, limit: number): Promise<string[]> {
    const ids: string[] = [];
    for (let shard = 0; shard < RECHECK_SHARDS && ids.length < limit; shard++) {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: RECHECK_INDEX,
            KeyConditionExpression: `${RECHECK_SHARD} = :rs AND ${RECHECK_AT} <= :now`,
            ExpressionAttributeValues: { ':rs': recheckShardPk(shard), ':now': nowMs },
            Limit: limit - ids.length,
            ReturnConsumedCapacity: 'TOTAL',
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          }),
        );
        this.meter('read', out.ConsumedCapacity);
        for (const item of out.Items ?? []) ids.push(profileIdOfPk(String(item[PK])));
        start = out.LastEvaluatedKey;
      } while (start !== undefined && ids.length < limit);
    }
    return ids;
  }

  private async batchWrite(requests: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    const chunks: Array<Array<Record<string, unknown>>> = [];
    for (let i = 0; i < requests.length; i += BATCH_WRITE_LIMIT) chunks.push(requests.slice(i, i + BATCH_WRITE_LIMIT));
    await Promise.all(
      chunks.map(async (chunk) => {
        const { unsent } = await retryBatch(
          chunk,
          async (pending) => {
            const out = await this.doc.send(
              new BatchWriteCommand({ RequestItems: { [this.tableName]: pending as never }, ReturnConsumedCapacity: 'TOTAL' }),
            );
            this.meter('write', out.ConsumedCapacity, 'journal');
            return (out.UnprocessedItems?.[this.tableName] ?? []) as Array<Record<string, unknown>>;
          },
          UNPROCESSED_RETRY,
        );
        if (unsent.length > 0) throw new Error(`DynamoDB left ${unsent.length} writes unprocessed after ${UNPROCESSED_RETRIES} retries`);
      }),
    );
  }

  private meter(kind: 'read' | 'write', consumed: ConsumedCapacity | ConsumedCapacity[] | undefined, share?: 'journal' | 'claim'): void {
    this.usage.calls++;
    let units = 0;
    for (const c of Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed]) units += c.CapacityUnits ?? 0;
    if (kind === 'read') this.usage.readUnits += units;
    else this.usage.writeUnits += units;
    if (share === 'journal') this.usage.journalWriteUnits += units;
    if (share === 'claim') this.usage.claimWriteUnits += units;
  }

  /**
   * A conditional put; false when its condition failed. A put whose response
   * was lost is retried by the SDK, and the retry fails its condition against
   * the put itself: `landed` recognises that item (DynamoDB returns it with the
   * failure) so the write counts as done instead of as a lost race.
   */
  private async conditionalPut(
    item: Record<string, unknown>,
    condition: { ConditionExpression: string; ExpressionAttributeValues?: Record<string, unknown> },
    landed: (old: Record<string, AttributeValue>) => boolean,
    share?: 'claim',
  ): Promise<boolean> {
    try {
      const out = await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ReturnConsumedCapacity: 'TOTAL',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ...condition,
        }),
      );
      this.meter('write', out.ConsumedCapacity, share);
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException') {
        // A failed condition still costs a write (at least one unit; the response does not say how many).
        this.meter('write', { CapacityUnits: 1 }, share);
        const old = (err as ConditionalCheckFailedException).Item;
        return old !== undefined && landed(old);
      }
      throw err;
    }
  }

  /** Strongly consistent BatchGetItem over any number of keys, retrying unprocessed keys. */
  private async batchGet(pks: readonly string[], sk: string, projection: string): Promise<Record<string, unknown>[]> {
    const unique = [...new Set(pks)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) chunks.push(unique.slice(i, i + BATCH_GET_LIMIT));
    const results = await Promise.all(chunks.map((chunk) => this.batchGetChunk(chunk, sk, projection)));
    return results.flat();
  }

  private async batchGetChunk(pks: readonly string[], sk: string, projection: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    const { unsent } = await retryBatch(
      pks.map((pk): Record<string, unknown> => ({ [PK]: pk, [SK]: sk })),
      async (keys) => {
        const out = await this.doc.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true, ProjectionExpression: projection } },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        this.meter('read', out.ConsumedCapacity);
        items.push(...(out.Responses?.[this.tableName] ?? []));
        return (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      },
      UNPROCESSED_RETRY,
    );
    if (unsent.length > 0) throw new Error(`DynamoDB left ${unsent.length} keys unprocessed after ${UNPROCESSED_RETRIES} retries`);
    return items;
  }
}
