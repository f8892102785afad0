/**
 * The local stand-in for the table's DynamoDB stream: dynalite has no
 * streams, so the local runtime wraps its ProfileStore with this decorator,
 * which hands every successful profile write (before and after images) to
 * the same use case the deployed stream handler calls: segment membership
 * and events, and, given an audit log, the audit records of merges, unmerges
 * and consent changes (the runtime's listener passes them all).
 *
 * The before image is read just ahead of the write. Writes are conditional
 * on the version read, so when the write succeeds that read was the
 * version it replaced.
 */
import type { Claim, VersionedWrite } from '../unification/core/identity/plan-types';
import type { Profile } from '../unification/core/profile/profile';
import type { JournalEntry, ProfileStore } from '../unification/ports';
import type { ProfilePair } from '../unification/usecases/segment-changes';
import { ProfileStoreDecorator } from './store-decorator';

export type ProfileChangeListener = (pairs: readonly ProfilePair[]) => Promise<unknown>;

export class ChangeFeedStore extends ProfileStoreDecorator {
  /**
   * @param beforeImages reads the before images; the runtime gives it a store of its own so that
   *   the consumer's metered reads stay what they are deployed, where the stream carries old images.
   */
  constructor(
    inner: ProfileStore,
    private readonly listener: ProfileChangeListener,
    private readonly beforeImages: Pick<ProfileStore, 'getProfiles'> = inner,
    private readonly onError: (err: Error) => void = (err) => console.error(`c360: delivering profile changes failed: ${err.message}`),
  ) {
    super(inner);
  }

  override async putProfiles(writes: readonly VersionedWrite[]): Promise<boolean[]> {
    const before = await this.before(writes);
    const results = await this.inner.putProfiles(writes);
    await this.deliver(writes.filter((_, i) => results[i] === true), before);
    return results;
  }

  override async transact(writes: readonly VersionedWrite[], claims: readonly Claim[], journal?: readonly JournalEntry[]): Promise<boolean> {
    const before = await this.before(writes);
    const ok = await this.inner.transact(writes, claims, journal);
    if (ok) await this.deliver(writes, before);
    return ok;
  }

  private async before(writes: readonly VersionedWrite[]): Promise<Map<string, Profile>> {
    const existing = writes.filter((w) => w.expectedVersion !== null).map((w) => w.profile.profileId);
    return existing.length === 0 ? new Map() : this.beforeImages.getProfiles(existing);
  }

  private async deliver(written: readonly VersionedWrite[], before: ReadonlyMap<string, Profile>): Promise<void> {
    const pairs: ProfilePair[] = written.map(({ profile, expectedVersion }) => {
      const old = expectedVersion === null ? undefined : before.get(profile.profileId);
      return { ...(old === undefined ? {} : { before: old }), after: profile };
    });
    if (pairs.length === 0) return;
    try {
      await this.listener(pairs);
    } catch (err) {
      // The write stands; as with a stream consumer that gives up, the failure is reported, not hidden.
      this.onError(err as Error);
    }
  }

}
