/**
 * ProfileStore on one DynamoDB table (pk/sk):
 *   identifier index  pk = `ID#<type>#<value>`  sk = `ID`  → profileId
 *   profile           pk = `P#<profileId>`      sk = `P`   → version, mergedInto, doc (the profile, JSON, deflated)
 * Keeping the profile as one attribute makes a profile read one item and lets
 * traits hold any JSON (empty keys, deep nesting) without DynamoDB's
 * attribute-name rules getting in the way. Deflating it roughly halves the
 * item, and DynamoDB bills writes per started kilobyte of item.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ConditionalCheckFailedException, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Claim, VersionedWrite } from '../core/plan';
import type { Profile } from '../core/profile';
import type { ProfileStore } from '../ports';

export function encodeProfile(profile: Profile): Uint8Array {
  return deflateRawSync(JSON.stringify(profile));
}

/** The profile in a profile item (`doc` as written by encodeProfile). */
export function decodeProfile(doc: unknown): Profile {
  if (!(doc instanceof Uint8Array)) throw new Error('profile item has no binary doc attribute');
  return JSON.parse(inflateRawSync(doc).toString('utf8')) as Profile;
}

export const identifierPk = (key: string) => `ID#${key}`;
export const profilePk = (profileId: string) => `P#${profileId}`;
const ID_SK = 'ID';
const PROFILE_SK = 'P';
/** BatchGetItem reads at most 100 keys per call. */
const BATCH_GET_LIMIT = 100;
const UNPROCESSED_RETRIES = 8;

/** Capacity and calls, summed over the store's life (the benchmark reads them). */
export interface DynamoUsage {
  calls: number;
  readUnits: number;
  writeUnits: number;
}

export class DynamoProfileStore implements ProfileStore {
  readonly usage: DynamoUsage = { calls: 0, readUnits: 0, writeUnits: 0 };

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getOwners(keys: readonly string[]): Promise<Map<string, string>> {
    const items = await this.batchGet(keys.map((k) => identifierPk(k)), ID_SK, 'pk, profileId');
    const owners = new Map<string, string>();
    for (const item of items) owners.set(String(item.pk).slice(3), String(item.profileId));
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
      writes.map(({ profile, expectedVersion }) =>
        this.conditionalPut(
          {
            pk: profilePk(profile.profileId),
            sk: PROFILE_SK,
            profileId: profile.profileId,
            version: profile.version,
            ...(profile.mergedInto === undefined ? {} : { mergedInto: profile.mergedInto }),
            updatedAt: profile.updatedAt,
            doc: encodeProfile(profile),
          },
          expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } },
        ),
      ),
    );
  }

  putClaims(claims: readonly Claim[]): Promise<boolean[]> {
    return Promise.all(
      claims.map(({ key, profileId, expectedOwner }) =>
        this.conditionalPut(
          { pk: identifierPk(key), sk: ID_SK, profileId },
          expectedOwner === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'profileId = :expected', ExpressionAttributeValues: { ':expected': expectedOwner } },
        ),
      ),
    );
  }

  private meter(kind: 'read' | 'write', consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    this.usage.calls++;
    let units = 0;
    for (const c of Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed]) units += c.CapacityUnits ?? 0;
    if (kind === 'read') this.usage.readUnits += units;
    else this.usage.writeUnits += units;
  }

  private async conditionalPut(
    item: Record<string, unknown>,
    condition: { ConditionExpression: string; ExpressionAttributeValues?: Record<string, unknown> },
  ): Promise<boolean> {
    try {
      const out = await this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: item, ReturnConsumedCapacity: 'TOTAL', ...condition }),
      );
      this.meter('write', out.ConsumedCapacity);
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException') {
        // A failed condition still costs a write (at least one unit; the item size is not returned).
        this.meter('write', { CapacityUnits: 1 });
        return false;
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
    let keys: Record<string, unknown>[] = pks.map((pk) => ({ pk, sk }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt > UNPROCESSED_RETRIES) {
        throw new Error(`DynamoDB left ${keys.length} keys unprocessed after ${UNPROCESSED_RETRIES} retries`);
      }
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 25 * 2 ** attempt));
      const out = await this.doc.send(
        new BatchGetCommand({
          RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true, ProjectionExpression: projection } },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      this.meter('read', out.ConsumedCapacity);
      items.push(...(out.Responses?.[this.tableName] ?? []));
      keys = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
    return items;
  }
}
