/** The shapes a batch plan takes in (events, owners, profiles, rules) and gives back (conditional writes per component). */
import type { UnifyEvent } from '../../../shared/events';
import type { ProfileDerivations } from '../profile/derive';
import type { MergeRecord, Profile } from '../profile/profile';
import type { IdentityRules } from './identity-rules';

export interface Claim {
  readonly key: string;
  readonly profileId: string;
  /** The owner read before planning; null: the identifier must not exist yet. */
  readonly expectedOwner: string | null;
  /**
   * A repoint of a merged-away profile's identifier that this batch did not
   * carry: best effort, because lookups follow `mergedInto` anyway.
   */
  readonly soft: boolean;
}

export interface VersionedWrite {
  readonly profile: Profile;
  /** null: the profile must not exist yet. */
  readonly expectedVersion: number | null;
}

export interface ComponentPlan<E extends UnifyEvent = UnifyEvent> {
  readonly profileId: string;
  readonly events: readonly E[];
  readonly applied: readonly E[];
  readonly duplicates: readonly E[];
  /** Phase 1, in parallel: profiles merged away (or tombstones for ghosts) and identifier claims. */
  readonly marks: readonly VersionedWrite[];
  readonly claims: readonly Claim[];
  /** Phase 2: the surviving profile; undefined when nothing changed (a pure replay). */
  readonly survivor?: VersionedWrite;
  /** The survivor as it was read, before this plan; undefined when the plan creates it. */
  readonly before?: Profile;
  readonly merges: readonly MergeRecord[];
  /**
   * Set when the survivor would break the size budget: what the planner must
   * leave out (the plan itself is then empty and is re-planned without them).
   */
  readonly oversize?: Oversize<E>;
}

/** Events and match groups left out of a batch because of the size budget (core/profile/size-budget.ts), with the reason. */
export interface Oversize<E extends UnifyEvent = UnifyEvent> {
  readonly events: ReadonlyArray<{ readonly event: E; readonly reason: string }>;
  readonly matchIds: ReadonlyArray<{ readonly matchId: string; readonly reason: string }>;
}

/** Profiles a batch matcher found to be one person (an Entity Resolution match group). */
export interface MatchLink {
  readonly matchId: string;
  readonly profileIds: readonly string[];
  /** The rule that matched them, when the matcher says. */
  readonly rule?: string;
}

/** A profile a match group could not merge, and why. */
export interface RejectedMatch {
  readonly matchId: string;
  readonly profileId: string;
  readonly reason: string;
}

export interface PlanInput<E extends UnifyEvent> {
  readonly events: readonly E[];
  /** Match groups to merge (batch matching); their profiles must be among `profiles`. */
  readonly links?: readonly MatchLink[];
  /** Told each profile a match group could not merge. */
  readonly onRejectedMatch?: (rejected: RejectedMatch) => void;
  /** Told each event left out because it would break the size budget, with the reason (the caller quarantines it). */
  readonly onOversize?: (event: E, reason: string) => void;
  readonly owners: ReadonlyMap<string, string>;
  readonly profiles: ReadonlyMap<string, Profile>;
  readonly rules: IdentityRules;
  /** Computed traits, enrichment and segments, recomputed on every survivor that changes. */
  readonly derivations?: ProfileDerivations;
  readonly nowMs: number;
  readonly dedupeWindowSeconds: number;
  readonly newProfileId: () => string;
}
