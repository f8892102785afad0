/**
 * The journal entries a committed component writes beside its survivor,
 * which an unmerge reads (core/identity/unmerge.ts). A profile journals from
 * its first merge only: until then its doc is its whole history, and once it
 * is merged away its frozen doc stands for every event it had. At the first
 * merge (the survivor as read had absorbed nothing, or the plan creates the
 * survivor) one entry holds the base, the survivor's doc as it was just
 * before; that write and every later one journal the events they applied,
 * split over as many items as the size budget needs
 * (core/profile/size-budget.ts). Each entry is keyed by the survivor's new
 * version, so that entries sort in write order and a base stands for those
 * at or below its own version.
 */
import { randomUUID } from 'node:crypto';
import type { UnifyEvent } from '../../shared/events';
import type { ComponentPlan } from '../core/identity/plan-types';
import { emptyProfile, type Profile } from '../core/profile/profile';
import { chunkEvents } from '../core/profile/size-budget';
import { journalKey } from '../contracts/table';
import type { JournalEntry } from '../ports';

/** The journal entries of a plan whose survivor is written; none while the survivor has absorbed nothing. */
export function journalEntriesFor<E extends UnifyEvent>(plan: ComponentPlan<E>): JournalEntry[] {
  if (plan.survivor === undefined) return [];
  const survivor = plan.survivor.profile;
  if (survivor.mergedFrom.length === 0 && survivor.merges.length === 0) return [];
  const before = plan.before;
  const firstMerge = before === undefined || (before.mergedFrom.length === 0 && before.merges.length === 0);
  const tag = randomUUID().slice(0, 8);
  const entries: JournalEntry[] = [];
  if (firstMerge) {
    // A profile the plan creates had nothing before: its base is empty, at version 0.
    const base = before === undefined ? emptyProfile(survivor.profileId, survivor.updatedAt) : storedBase(before);
    entries.push({ profileId: survivor.profileId, key: journalKey(survivor.version, `${tag}-base`), at: survivor.updatedAt, events: [], base });
  }
  if (plan.applied.length === 0) return entries;
  chunkEvents(plan.applied).forEach((events, i) => {
    entries.push({ profileId: survivor.profileId, key: journalKey(survivor.version, i === 0 ? tag : `${tag}-${i}`), at: survivor.updatedAt, events });
  });
  return entries;
}

/**
 * The base as kept: what an unmerge folds. A profile split from another
 * person earlier names that person's identifiers in its unmerge records and in
 * the identifiers rejected because of the split; the profile's own doc keeps
 * them (and an erasure of that person scrubs them there), the base does not,
 * so that it holds nothing of theirs. An unmerge takes the records from the
 * profile's doc, not from its base.
 */
function storedBase(before: Profile): Profile {
  const { unmerges: _u, rejectedIdentifiers, ...rest } = before;
  const kept = rejectedIdentifiers?.filter((r) => !/unmerge separated/.test(r.reason));
  return { ...rest, ...(kept === undefined ? {} : { rejectedIdentifiers: kept }) };
}
