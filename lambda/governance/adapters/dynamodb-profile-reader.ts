/**
 * The two reads of the identity graph that resolving an erasure needs
 * (getOwners, getProfiles of the unification pillar's ProfileStore port),
 * over the customer-view table through the unification pillar's table and
 * profile-document contracts: the governance functions reach that pillar only
 * through its contracts, never its adapters.
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { retryBatch } from '../../shared/retry';
import { decodeProfile, type Profile } from '../../unification/contracts/profile-document';
import { IDENTIFIER_SK, identifierOfPk, identifierPk, PK, PROFILE_SK, profilePk, SK } from '../../unification/contracts/table';
import type { ProfileStore } from '../../unification/ports';

/** BatchGetItem takes at most 100 keys. */
const GET_BATCH = 100;

export class DynamoProfileReader implements Pick<ProfileStore, 'getOwners' | 'getProfiles'> {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getOwners(keys: readonly string[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    for (const item of await this.batchGet(keys.map(identifierPk), IDENTIFIER_SK)) owners.set(identifierOfPk(String(item[PK])), String(item.profileId));
    return owners;
  }

  async getProfiles(ids: readonly string[]): Promise<Map<string, Profile>> {
    const profiles = new Map<string, Profile>();
    for (const item of await this.batchGet(ids.map(profilePk), PROFILE_SK)) {
      const profile = decodeProfile(item.doc);
      profiles.set(profile.profileId, profile);
    }
    return profiles;
  }

  private async batchGet(pks: readonly string[], sk: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    const distinct = [...new Set(pks)];
    for (let i = 0; i < distinct.length; i += GET_BATCH) {
      const keys = distinct.slice(i, i + GET_BATCH).map((pk) => ({ [PK]: pk, [SK]: sk }));
      const { unsent } = await retryBatch(keys, async (pending) => {
        const out = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true } } }));
        items.push(...(out.Responses?.[this.table] ?? []));
        return (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as typeof pending;
      });
      if (unsent.length > 0) throw new Error(`the profile table did not answer for ${unsent.length} keys`);
    }
    return items;
  }
}
