/**
 * Segment membership changes between two versions of a profile (pure).
 *
 * A profile is "in" the segments of its `segments` map only while it is live:
 * a profile merged into another (`mergedInto` set) only redirects, and a
 * deleted one is gone, so both count as in no segment. The changes are the
 * difference of the two live memberships:
 *   - entered: live after, not live before (a new segment, or a merged-away
 *     profile that came back, e.g. by an unmerge);
 *   - exited: live before, not live after (a segment left, or the profile was
 *     merged away or deleted; those carry the reason).
 * A segment the profile stays in is no change, even when its entry time moved.
 */
import type { Profile } from '../profile/profile';

/** EventBridge `source` of segment events (deployed and local bus alike). */
export const SEGMENT_EVENT_SOURCE = 'c360.segments';

export type SegmentDetailType = 'Segment Entered' | 'Segment Exited';

/** A profile entering or leaving a segment. */
export interface SegmentChange {
  readonly segment: string;
  readonly profileId: string;
  readonly change: 'entered' | 'exited';
  /** When the change was made (processing time, ISO-8601). */
  readonly at: string;
  /** Why, when not a rule evaluation: e.g. `merged into <id>`. */
  readonly reason?: string;
}

/** EventBridge `detail-type` of a change. */
export function segmentDetailType(change: Pick<SegmentChange, 'change'>): SegmentDetailType {
  return change.change === 'entered' ? 'Segment Entered' : 'Segment Exited';
}

/** The segments a profile is in: none unless it exists and has not been merged away. */
function liveSegments(profile: Profile | undefined): ReadonlySet<string> {
  if (profile === undefined || profile.mergedInto !== undefined) return new Set();
  return new Set(Object.keys(profile.segments ?? {}));
}

/** Code-unit order, independent of the locale. */
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The changes from `before` to `after` (either may be undefined: created,
 * deleted), made at `at` (processing time, ISO-8601). Exits come first, then
 * entries, each in segment-name order.
 */
export function segmentChanges(before: Profile | undefined, after: Profile | undefined, at: string): SegmentChange[] {
  if (before !== undefined && after !== undefined && before.profileId !== after.profileId) {
    throw new Error(`segmentChanges: before and after are different profiles (${before.profileId}, ${after.profileId})`);
  }
  const profileId = after?.profileId ?? before?.profileId;
  if (profileId === undefined) return [];

  const was = liveSegments(before);
  const is = liveSegments(after);

  const exitReason =
    after === undefined ? 'profile deleted' : after.mergedInto !== undefined ? `merged into ${after.mergedInto}` : undefined;
  // Back from a merge (an unmerge): it re-enters segments it has not been in since.
  const enterReason =
    before?.mergedInto !== undefined && after !== undefined && after.mergedInto === undefined
      ? `unmerged from ${before.mergedInto}`
      : undefined;

  const exited = [...was].filter((s) => !is.has(s)).sort(byCodeUnit);
  const entered = [...is].filter((s) => !was.has(s)).sort(byCodeUnit);

  return [
    ...exited.map(
      (segment): SegmentChange => ({ segment, profileId, change: 'exited', at, ...(exitReason === undefined ? {} : { reason: exitReason }) }),
    ),
    ...entered.map(
      (segment): SegmentChange => ({ segment, profileId, change: 'entered', at, ...(enterReason === undefined ? {} : { reason: enterReason }) }),
    ),
  ];
}
