/** A ProfileStore that hands every call to another: local decorators override only what they change. */
import type { Claim, VersionedWrite } from '../unification/core/identity/plan-types';
import type { Profile } from '../unification/core/profile/profile';
import type { JournalEntry, ProfileStore } from '../unification/ports';

export class ProfileStoreDecorator implements ProfileStore {
  constructor(protected readonly inner: ProfileStore) {}

  getOwners(keys: readonly string[]): Promise<Map<string, string>> {
    return this.inner.getOwners(keys);
  }

  getProfiles(ids: readonly string[]): Promise<Map<string, Profile>> {
    return this.inner.getProfiles(ids);
  }

  putProfiles(writes: readonly VersionedWrite[]): Promise<boolean[]> {
    return this.inner.putProfiles(writes);
  }

  putClaims(claims: readonly Claim[]): Promise<boolean[]> {
    return this.inner.putClaims(claims);
  }

  transact(writes: readonly VersionedWrite[], claims: readonly Claim[], journal?: readonly JournalEntry[]): Promise<boolean> {
    return this.inner.transact(writes, claims, journal);
  }

  putJournal(entries: readonly JournalEntry[]): Promise<void> {
    return this.inner.putJournal(entries);
  }

  deleteJournal(entries: ReadonlyArray<Pick<JournalEntry, 'profileId' | 'key'>>): Promise<void> {
    return this.inner.deleteJournal(entries);
  }

  readJournal(profileIds: readonly string[]): Promise<JournalEntry[]> {
    return this.inner.readJournal(profileIds);
  }

  dueForRecheck(nowMs: number, limit: number): Promise<string[]> {
    return this.inner.dueForRecheck(nowMs, limit);
  }
}
