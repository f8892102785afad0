/**
 * TransactWriteItems for the local runtime: dynalite does not implement
 * DynamoDB transactions, so this decorator gives the store's `transact` the
 * same all-or-nothing effect within the one process that writes the local
 * table. Every write of the process goes through one lock; a transaction
 * holds it while it checks every condition and then writes, so no other
 * write lands in between.
 */
import type { Claim, VersionedWrite } from '../unification/core/identity/plan-types';
import type { JournalEntry, ProfileStore } from '../unification/ports';
import { ProfileStoreDecorator } from './store-decorator';

export class LocalTransactionStore extends ProfileStoreDecorator {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(inner: ProfileStore) {
    super(inner);
  }

  /** Runs `fn` when every write queued before it has finished. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  override putProfiles(writes: readonly VersionedWrite[]): Promise<boolean[]> {
    return this.exclusive(() => this.inner.putProfiles(writes));
  }

  override putClaims(claims: readonly Claim[]): Promise<boolean[]> {
    return this.exclusive(() => this.inner.putClaims(claims));
  }

  override transact(writes: readonly VersionedWrite[], claims: readonly Claim[], journal: readonly JournalEntry[] = []): Promise<boolean> {
    return this.exclusive(async () => {
      const [profiles, owners] = await Promise.all([
        this.inner.getProfiles(writes.map((w) => w.profile.profileId)),
        this.inner.getOwners(claims.map((c) => c.key)),
      ]);
      const holds =
        writes.every((w) => (w.expectedVersion === null ? !profiles.has(w.profile.profileId) : profiles.get(w.profile.profileId)?.version === w.expectedVersion)) &&
        claims.every((c) => (owners.get(c.key) ?? null) === c.expectedOwner);
      if (!holds) return false;
      // Nothing else writes while the lock is held, so these conditional writes all succeed.
      await this.inner.putJournal(journal);
      const results = [...(await this.inner.putProfiles(writes)), ...(await this.inner.putClaims(claims))];
      if (results.some((ok) => !ok)) throw new Error('a local transaction failed half way: the local table was written outside this process');
      return true;
    });
  }

}
