/**
 * The journal entries a committed component writes beside its survivor: the
 * events it applied, which an unmerge replays (core/identity/unmerge.ts).
 * A write's events are split over as many items as the size budget needs
 * (core/profile/size-budget.ts), each keyed by the survivor's new version so
 * that entries sort in write order.
 */
import { randomUUID } from 'node:crypto';
import type { UnifyEvent } from '../../shared/events';
import type { ComponentPlan } from '../core/identity/plan-types';
import { chunkEvents } from '../core/profile/size-budget';
import { journalKey } from '../contracts/table';
import type { JournalEntry } from '../ports';

/** The journal entries of a plan whose survivor is written; none when it applied no event. */
export function journalEntriesFor<E extends UnifyEvent>(plan: ComponentPlan<E>): JournalEntry[] {
  if (plan.applied.length === 0 || plan.survivor === undefined) return [];
  const survivor = plan.survivor.profile;
  const tag = randomUUID().slice(0, 8);
  return chunkEvents(plan.applied).map((events, i) => ({
    profileId: survivor.profileId,
    key: journalKey(survivor.version, i === 0 ? tag : `${tag}-${i}`),
    at: survivor.updatedAt,
    events,
  }));
}
