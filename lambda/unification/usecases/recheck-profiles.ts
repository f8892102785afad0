/**
 * The scheduled re-check: segments with time rules (`within`, `olderThan`)
 * and windowed computed traits change with time alone, without an event.
 * Every profile write records when that will next happen (`recheckAt`, a
 * sparse index); this job re-evaluates the profiles whose time has come and
 * writes those whose membership changed, through the same conditional
 * write as the consumer, so the change feed publishes entered/exited events.
 *
 * A profile written concurrently fails its condition and is skipped: that
 * write re-evaluated it already.
 */
import { foldAggregates } from '../core/traits/fold';
import { refreshProfile } from '../core/profile/derive';
import type { VersionedWrite } from '../core/identity/plan-types';
import type { Profile } from '../core/profile/profile';
import type { ProfileStore } from '../ports';
import type { UnifySettings } from './unify-batch';

export interface RecheckOutcome {
  /** Profiles whose re-check time had come. */
  readonly due: number;
  /** Profiles written (membership or next re-check time changed). */
  readonly written: number;
  /** Skipped because a concurrent write got there first. */
  readonly conflicts: number;
}

export interface RecheckDeps {
  readonly store: ProfileStore;
  readonly settings: Pick<UnifySettings, 'derivations'>;
  readonly clock?: () => number;
  /** Profiles per page (one read and one write round trip each). */
  readonly pageSize?: number;
  /**
   * The time left to run, in ms (a Lambda's `getRemainingTimeInMillis`): the
   * run stops after the pages that fit in it, read once at the start; the
   * next run carries on. @default 1000 pages
   */
  readonly remainingMs?: () => number;
}

/** Leave this much of the invocation's time unused, so a page is never cut off mid-write. */
const SAFETY_MS = 20_000;
/** About one page (100 profiles, two round trips) per 200 ms. */
const MS_PER_PAGE = 200;

/** The pages that fit in `remainingMs`, stopping well before the timeout; at least one. */
function pagesWithin(remainingMs: number): number {
  return Math.max(1, Math.floor((remainingMs - SAFETY_MS) / MS_PER_PAGE));
}

export async function recheckProfiles(deps: RecheckDeps): Promise<RecheckOutcome> {
  const clock = deps.clock ?? Date.now;
  const pageSize = deps.pageSize ?? 100;
  const maxPages = deps.remainingMs === undefined ? 1000 : pagesWithin(deps.remainingMs());
  let due = 0;
  let written = 0;
  let conflicts = 0;
  const skipped = new Set<string>();
  for (let page = 0; page < maxPages; page++) {
    const nowMs = clock();
    const ids = (await deps.store.dueForRecheck(nowMs, pageSize + skipped.size)).filter((id) => !skipped.has(id)).slice(0, pageSize);
    if (ids.length === 0) break;
    due += ids.length;
    const profiles = await deps.store.getProfiles(ids);
    const writes: VersionedWrite[] = [];
    for (const id of ids) {
      const before = profiles.get(id);
      if (before === undefined || before.mergedInto !== undefined) {
        skipped.add(id);
        continue;
      }
      const after = refreshed(before, deps, nowMs);
      if (after === before) {
        // Nothing changed and nothing will: never due again (defensive; refresh moves recheckAt forward).
        skipped.add(id);
        continue;
      }
      writes.push({ profile: { ...after, version: before.version + 1, updatedAt: new Date(nowMs).toISOString() }, expectedVersion: before.version });
    }
    const results = await deps.store.putProfiles(writes);
    results.forEach((ok, i) => {
      if (ok) written++;
      else {
        conflicts++;
        skipped.add(writes[i]?.profile.profileId as string);
      }
    });
  }
  return { due, written, conflicts };
}

function refreshed(p: Profile, deps: RecheckDeps, nowMs: number): Profile {
  // Folding no events drops buckets that left their windows, so the stored state stays small.
  const aggregates = foldAggregates(deps.settings.derivations.computedTraits, p.aggregates, [], nowMs);
  const base = aggregates === p.aggregates ? p : { ...p, aggregates };
  const after = refreshProfile(base, deps.settings.derivations, nowMs);
  const sameMembership = JSON.stringify(after.segments ?? {}) === JSON.stringify(p.segments ?? {});
  return sameMembership && after.recheckAt === p.recheckAt && aggregates === p.aggregates ? p : after;
}
