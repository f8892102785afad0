/**
 * Applies a batch matcher's match groups (AWS Entity Resolution deployed,
 * the built-in matcher locally) as merges, through the same planner and
 * conditional writes as the stream consumer: the same identifier limits,
 * blocked values and unmerge separations apply, and each merge is recorded
 * with its match id and rule so the profile API can explain it.
 *
 * Groups are idempotent: profiles already merged are one group, so a job
 * applied twice changes nothing the second time.
 */
import type { MatchLink, RejectedMatch } from '../core/identity/plan-types';
import { resolveAndWrite, type ResolveDeps } from './unify-batch';

export interface ApplyMatchesReport {
  readonly groups: number;
  /** Merges made (a group of n profiles not yet merged makes n - 1). */
  readonly merges: number;
  /** Profiles of a group that were not merged, with the reason (limits, separations, unknown ids). */
  readonly rejected: readonly RejectedMatch[];
  /** Groups not written because their profiles kept changing under concurrent writes; apply them again. */
  readonly unapplied: readonly string[];
}

/** Groups planned and written together: bounded so that one plan's reads stay small. */
const GROUPS_PER_ROUND = 100;

export async function applyMatches(groups: readonly MatchLink[], deps: ResolveDeps): Promise<ApplyMatchesReport> {
  let merges = 0;
  const rejected: RejectedMatch[] = [];
  const unapplied: string[] = [];
  for (let i = 0; i < groups.length; i += GROUPS_PER_ROUND) {
    const round = groups.slice(i, i + GROUPS_PER_ROUND).filter((g) => new Set(g.profileIds).size > 1);
    if (round.length === 0) continue;
    const outcome = await resolveAndWrite([], round, deps);
    merges += outcome.merges;
    rejected.push(...outcome.rejectedMatches);
    if (outcome.linksPending) unapplied.push(...round.map((g) => g.matchId));
  }
  return { groups: groups.length, merges, rejected, unapplied };
}
