/** Why a profile was merged away: the evidence recorded when groups joined, turned into its merge record. */
import type { MergeRecord } from '../profile/profile';
import { parseIdKey } from './keys';

/** Two groups joined by a match group or by an event's shared identifier, with the profiles on each side. */
export interface JoinEvidence {
  readonly messageId?: string;
  readonly matchId?: string;
  readonly matchRule?: string;
  /** Each side's live profiles at the time, and the key (identifier or `profile#id`) that stood for it. */
  readonly sides: ReadonlyArray<{ readonly real: readonly string[]; readonly key: string }>;
}

/** The merge record of `loserId`: the first join that had it on one side. */
export function mergeReason(evidence: readonly JoinEvidence[], loserId: string, survivorId: string, now: string): MergeRecord {
  for (const link of evidence) {
    const loserSide = link.sides.find((s) => s.real.includes(loserId));
    const otherSide = link.sides.find((s) => s !== loserSide);
    if (loserSide !== undefined && otherSide !== undefined && link.matchId !== undefined) {
      return {
        at: now,
        survivor: survivorId,
        merged: loserId,
        rule: 'matched',
        matchId: link.matchId,
        ...(link.matchRule === undefined ? {} : { matchRule: link.matchRule }),
      };
    }
    if (loserSide !== undefined && otherSide !== undefined) {
      return {
        at: now,
        survivor: survivorId,
        merged: loserId,
        rule: 'shared-identifier',
        identifier: parseIdKey(loserSide.key),
        matchedWith: parseIdKey(otherSide.key),
        ...(link.messageId === undefined ? {} : { messageId: link.messageId }),
      };
    }
  }
  return { at: now, survivor: survivorId, merged: loserId, rule: 'shared-identifier' };
}
