/**
 * Delivers the segment membership changes of a batch of profile writes:
 * the membership index first, then the events for activation; and, when an
 * audit log is given, records what the writes did to customer data (merges,
 * unmerges, consent changes) before either.
 *
 * Every step is idempotent by state (a member is put or deleted; an event
 * says "entered" or "exited"; an audit record carries the time of the change
 * it reports, so a repeat is the same line), so a batch that fails anywhere
 * is retried whole and re-applied safely. Publication is therefore at least
 * once: a retried batch may publish some changes again (with a later `at`),
 * and consumers should treat the events as state, or de-duplicate them.
 * The audit comes first: a merge is in the table whatever happens to its
 * segment events, and its record must not wait on them.
 * Membership is written before publishing, so a consumer that reacts to an
 * event by reading the segment's members finds the change already there.
 */
import type { AuditRecord } from '../../governance/contracts/audit';
import type { AuditLog } from '../../governance/ports';
import type { Profile } from '../core/profile/profile';
import { segmentChanges } from '../core/segments/segment-changes';
import type { SegmentChange, SegmentEventPublisher, SegmentMembershipStore } from '../ports';

export interface ProfilePair {
  /** The profile before the write; undefined when the write created it. */
  readonly before?: Profile;
  /** The profile after the write; undefined when the write deleted it. */
  readonly after?: Profile;
}

/**
 * The audit of profile writes: the governance pillar's audit log, and how a
 * batch of writes becomes its records (governance's auditDiffs with the
 * subject hasher, bound by whoever wires this use case).
 */
export interface ProfileChangeAudit {
  readonly log: AuditLog;
  /**
   * The audit records of a batch of writes; `at` is the processing time, for changes that carry
   * no time of their own. It may wait (deployed, for the hash key on the first batch).
   */
  readonly records: (pairs: ReadonlyArray<ProfilePair>, at: string) => readonly AuditRecord[] | Promise<readonly AuditRecord[]>;
}

export interface SegmentChangeDeps {
  readonly membership: SegmentMembershipStore;
  readonly publisher: SegmentEventPublisher;
  /** Records merges, unmerges and consent changes in the audit log. @default not recorded */
  readonly audit?: ProfileChangeAudit;
  /** Epoch ms; the changes' `at`. */
  readonly clock?: () => number;
}

export interface SegmentChangeCounts {
  entered: number;
  exited: number;
  /** Audit records appended (0 without an audit log). */
  audited: number;
}

/** The changes of `pairs`, in pair order (a profile written twice in a batch: its changes in write order). */
export function changesOf(pairs: ReadonlyArray<ProfilePair>, at: string): SegmentChange[] {
  return pairs.flatMap((p) => segmentChanges(p.before, p.after, at));
}

export async function applySegmentChanges(pairs: ReadonlyArray<ProfilePair>, deps: SegmentChangeDeps): Promise<SegmentChangeCounts> {
  const at = new Date((deps.clock ?? Date.now)()).toISOString();
  const records = (await deps.audit?.records(pairs, at)) ?? [];
  if (records.length > 0) await deps.audit?.log.append(records);
  const changes = changesOf(pairs, at);
  if (changes.length === 0) return { entered: 0, exited: 0, audited: records.length };
  await deps.membership.apply(changes);
  await deps.publisher.publish(changes);
  let entered = 0;
  for (const c of changes) if (c.change === 'entered') entered++;
  return { entered, exited: changes.length - entered, audited: records.length };
}
