/**
 * A rule-change preview (`c360 resolve --dry-run`): what the current identity
 * and matching rules would do to the profiles as they stand, without writing
 * anything.
 *
 * - merge: the built-in matcher (the rules Entity Resolution runs deployed)
 *   groups the live profiles' person data; the groups are then applied, on
 *   an in-memory copy of the profiles, through the same planner as real
 *   merges, so identifier limits, blocked values and unmerge separations
 *   refuse what they would refuse for real.
 * - split: a profile would split if it holds an identifier value the rules
 *   now block, or more values of a type than the limit now allows.
 */
import type { IdentityRules } from '../core/identity/identity-rules';
import type { MatchingRules } from '../../config/unification/matching';
import { matchPeople } from '../core/matching';
import { profileToPerson } from '../core/matching/profile-person';
import { idKey } from '../core/identity/keys';
import type { MatchLink, RejectedMatch } from '../core/identity/plan-types';
import type { Profile } from '../core/profile/profile';
import type { ProfileStore } from '../ports';
import { applyMatches } from './apply-matches';
import type { UnifySettings } from './unify-batch';

export interface SplitReason {
  readonly profileId: string;
  readonly reason: string;
}

export interface RulesPreview {
  readonly profiles: number;
  /** Live profiles with person data the matcher could compare. */
  readonly compared: number;
  /** Match groups of two or more profiles. */
  readonly groups: number;
  /** Profiles that would be merged into another. */
  readonly wouldMerge: number;
  /** Merges the identity rules would refuse, with the reason. */
  readonly refused: readonly RejectedMatch[];
  /** Profiles that would split, with the first reason found for each. */
  readonly wouldSplit: readonly SplitReason[];
  /** Example groups, for a look before applying. */
  readonly sampleGroups: readonly MatchLink[];
}

export async function previewRules(
  profiles: Iterable<Profile>,
  settings: UnifySettings,
  matching: MatchingRules,
  nowMs: number,
  /** An empty store the preview applies the match groups to, seeded here with a copy of the profiles (an in-memory one). */
  scratch: ProfileStore,
): Promise<RulesPreview> {
  const live = [...profiles].filter((p) => p.mergedInto === undefined);
  const wouldSplit = live.flatMap((p) => {
    const reason = splitReason(p, settings.rules);
    return reason === undefined ? [] : [{ profileId: p.profileId, reason }];
  });

  const people = live.flatMap((p) => {
    const person = profileToPerson(p);
    return person === undefined ? [] : [person];
  });
  const clusters = new Map<string, string[]>();
  if (people.length > 1) {
    for (const [id, cluster] of matchPeople(people, matching).clusterIds) {
      const members = clusters.get(cluster);
      if (members === undefined) clusters.set(cluster, [id]);
      else members.push(id);
    }
  }
  const links: MatchLink[] = [...clusters]
    .filter(([, ids]) => ids.length > 1)
    .map(([cluster, ids]) => ({ matchId: `preview-${cluster}`, profileIds: ids.sort() }));

  // Apply on a copy: the same planner and limits as a real apply, on nothing that is stored.
  await scratch.putProfiles(live.map((profile) => ({ profile, expectedVersion: null })));
  await scratch.putClaims(
    live.flatMap((p) =>
      Object.entries(p.identifiers).flatMap(([type, values]) =>
        values.map((v) => ({ key: idKey(type, v), profileId: p.profileId, expectedOwner: null, soft: false })),
      ),
    ),
  );
  const report = await applyMatches(links, {
    store: scratch,
    settings,
    clock: () => nowMs,
    sleep: async () => {},
  });
  return {
    profiles: live.length,
    compared: people.length,
    groups: links.length,
    wouldMerge: report.merges,
    refused: report.rejected,
    wouldSplit,
    sampleGroups: links.slice(0, 5),
  };
}

/** Why the rules would no longer let this profile hold all its identifiers, if they would not. */
export function splitReason(p: Profile, rules: IdentityRules): string | undefined {
  for (const [type, values] of Object.entries(p.identifiers)) {
    for (const v of values) {
      const blocked = rules.blockedReason(v);
      if (blocked !== undefined) return `${type} ${JSON.stringify(v)} is a ${blocked}`;
    }
    const limit = rules.limit(type);
    if (values.length > limit) return `it holds ${values.length} ${type} values; the limit is ${limit}`;
  }
  return undefined;
}
