/**
 * Delivers the segment membership changes of a batch of profile writes:
 * the membership index first, then the events for activation.
 *
 * Both steps are idempotent by state (a member is put or deleted; an event
 * says "entered" or "exited"), so a batch that fails anywhere is retried
 * whole and re-applied safely. Publication is therefore at least once: a
 * retried batch may publish some changes again (with a later `at`), and
 * consumers should treat the events as state, or de-duplicate them.
 * Membership is written before publishing, so a consumer that reacts to an
 * event by reading the segment's members finds the change already there.
 */
import type { Profile } from '../core/profile/profile';
import { segmentChanges } from '../core/segments/segment-changes';
import type { SegmentChange, SegmentEventPublisher, SegmentMembershipStore } from '../ports';

export interface ProfilePair {
  /** The profile before the write; undefined when the write created it. */
  readonly before?: Profile;
  /** The profile after the write; undefined when the write deleted it. */
  readonly after?: Profile;
}

export interface SegmentChangeDeps {
  readonly membership: SegmentMembershipStore;
  readonly publisher: SegmentEventPublisher;
  /** Epoch ms; the changes' `at`. */
  readonly clock?: () => number;
}

export interface SegmentChangeCounts {
  entered: number;
  exited: number;
}

/** The changes of `pairs`, in pair order (a profile written twice in a batch: its changes in write order). */
export function changesOf(pairs: ReadonlyArray<ProfilePair>, at: string): SegmentChange[] {
  return pairs.flatMap((p) => segmentChanges(p.before, p.after, at));
}

export async function applySegmentChanges(pairs: ReadonlyArray<ProfilePair>, deps: SegmentChangeDeps): Promise<SegmentChangeCounts> {
  const at = new Date((deps.clock ?? Date.now)()).toISOString();
  const changes = changesOf(pairs, at);
  if (changes.length === 0) return { entered: 0, exited: 0 };
  await deps.membership.apply(changes);
  await deps.publisher.publish(changes);
  let entered = 0;
  for (const c of changes) if (c.change === 'entered') entered++;
  return { entered, exited: changes.length - entered };
}
