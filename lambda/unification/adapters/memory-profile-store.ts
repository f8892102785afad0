/**
 * An in-process ProfileStore with DynamoDB's conditional-write semantics. Used
 * by the benchmark (so figures measure c360, not a server), by tests, and as
 * the scratch store of the rules preview (`c360 resolve --dry-run`). It
 * counts calls and items the way DynamoDB would bill round trips.
 */
import type { Claim, VersionedWrite } from '../core/identity/plan-types';
import type { Profile } from '../core/profile/profile';
import type { JournalEntry, ProfileStore } from '../ports';

export interface StoreCounters {
  roundTrips: number;
  itemsRead: number;
  itemsWritten: number;
  conditionFailures: number;
}

export class MemoryProfileStore implements ProfileStore {
  readonly owners = new Map<string, string>();
  readonly profiles = new Map<string, Profile>();
  /** Journal entries by profile id, then key. */
  readonly journal = new Map<string, Map<string, JournalEntry>>();
  readonly counters: StoreCounters = { roundTrips: 0, itemsRead: 0, itemsWritten: 0, conditionFailures: 0 };

  async getOwners(keys: readonly string[]): Promise<Map<string, string>> {
    this.counters.roundTrips++;
    const out = new Map<string, string>();
    for (const key of keys) {
      const owner = this.owners.get(key);
      if (owner !== undefined) out.set(key, owner);
    }
    this.counters.itemsRead += keys.length;
    return out;
  }

  async getProfiles(ids: readonly string[]): Promise<Map<string, Profile>> {
    this.counters.roundTrips++;
    const out = new Map<string, Profile>();
    for (const id of ids) {
      const p = this.profiles.get(id);
      if (p !== undefined) out.set(id, p);
    }
    this.counters.itemsRead += ids.length;
    return out;
  }

  async putProfiles(writes: readonly VersionedWrite[]): Promise<boolean[]> {
    if (writes.length === 0) return [];
    this.counters.roundTrips++;
    return writes.map(({ profile, expectedVersion }) => {
      const current = this.profiles.get(profile.profileId);
      const ok = expectedVersion === null ? current === undefined : current?.version === expectedVersion;
      if (ok) {
        this.profiles.set(profile.profileId, profile);
        this.counters.itemsWritten++;
      } else this.counters.conditionFailures++;
      return ok;
    });
  }

  async putClaims(claims: readonly Claim[]): Promise<boolean[]> {
    if (claims.length === 0) return [];
    this.counters.roundTrips++;
    return claims.map(({ key, profileId, expectedOwner }) => {
      const current = this.owners.get(key);
      const ok = expectedOwner === null ? current === undefined : current === expectedOwner;
      if (ok) {
        this.owners.set(key, profileId);
        this.counters.itemsWritten++;
      } else this.counters.conditionFailures++;
      return ok;
    });
  }

  async transact(writes: readonly VersionedWrite[], claims: readonly Claim[], journal: readonly JournalEntry[] = []): Promise<boolean> {
    this.counters.roundTrips++;
    const ok =
      writes.every(({ profile, expectedVersion }) => {
        const current = this.profiles.get(profile.profileId);
        return expectedVersion === null ? current === undefined : current?.version === expectedVersion;
      }) &&
      claims.every(({ key, expectedOwner }) => {
        const current = this.owners.get(key);
        return expectedOwner === null ? current === undefined : current === expectedOwner;
      });
    if (!ok) {
      this.counters.conditionFailures++;
      return false;
    }
    for (const { profile } of writes) this.profiles.set(profile.profileId, profile);
    for (const { key, profileId } of claims) this.owners.set(key, profileId);
    for (const e of journal) {
      let byKey = this.journal.get(e.profileId);
      if (byKey === undefined) this.journal.set(e.profileId, (byKey = new Map()));
      byKey.set(e.key, e);
    }
    this.counters.itemsWritten += writes.length + claims.length + journal.length;
    return true;
  }

  async putJournal(entries: readonly JournalEntry[]): Promise<void> {
    if (entries.length === 0) return;
    this.counters.roundTrips++;
    for (const e of entries) {
      let byKey = this.journal.get(e.profileId);
      if (byKey === undefined) this.journal.set(e.profileId, (byKey = new Map()));
      byKey.set(e.key, e);
    }
    this.counters.itemsWritten += entries.length;
  }

  async deleteJournal(entries: ReadonlyArray<Pick<JournalEntry, 'profileId' | 'key'>>): Promise<void> {
    if (entries.length === 0) return;
    this.counters.roundTrips++;
    for (const e of entries) this.journal.get(e.profileId)?.delete(e.key);
  }

  async readJournal(profileIds: readonly string[]): Promise<JournalEntry[]> {
    this.counters.roundTrips++;
    return [...new Set(profileIds)].flatMap((id) =>
      [...(this.journal.get(id)?.values() ?? [])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    );
  }

  async dueForRecheck(nowMs: number, limit: number): Promise<string[]> {
    this.counters.roundTrips++;
    return [...this.profiles.values()]
      .filter((p) => p.mergedInto === undefined && p.recheckAt !== undefined && p.recheckAt <= nowMs)
      .sort((a, b) => (a.recheckAt as number) - (b.recheckAt as number))
      .slice(0, limit)
      .map((p) => p.profileId);
  }
}
