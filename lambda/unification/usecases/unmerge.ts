/**
 * Unmerge a profile: read the survivor, the docs of the profiles it absorbed
 * and their journals; replay (core/identity/unmerge.ts); then write both profiles,
 * the identifier repoints and the moved journal entries in one transaction,
 * so that a reader sees the profile merged or split, never half of each.
 * A concurrent write to either profile makes the transaction fail and the
 * whole unmerge is read and planned again.
 */
import { randomUUID } from 'node:crypto';
import { retryBatch } from '../../shared/retry';
import { refreshProfile } from '../core/profile/derive';
import { idKey } from '../core/identity/keys';
import type { Claim } from '../core/identity/plan-types';
import type { Profile } from '../core/profile/profile';
import { planUnmerge, UnmergeError, type UnmergeResult } from '../core/identity/unmerge';
import { journalKey } from '../contracts/table';
import type { JournalEntry, ProfileStore } from '../ports';
import type { UnifySettings } from './unify-batch';

export interface UnmergeRequest {
  /** The profile to split: the survivor, or any id that redirects to it. */
  readonly profileId: string;
  /** The merged-away profile to restore. */
  readonly restoredId: string;
  readonly reason?: string;
}

export interface UnmergeDeps {
  readonly store: ProfileStore;
  readonly settings: Pick<UnifySettings, 'rules' | 'derivations'>;
  readonly clock?: () => number;
  /** Plan-and-transact attempts while concurrent writes make the transaction fail. @default 5 */
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** DynamoDB's limit on items in one transaction. */
const MAX_TRANSACTION_ITEMS = 100;
const MAX_HOPS = 8;

export async function unmergeProfile(request: UnmergeRequest, deps: UnmergeDeps): Promise<UnmergeResult> {
  const clock = deps.clock ?? Date.now;
  const attempts = deps.maxAttempts ?? 5;
  let done: UnmergeResult | undefined;
  // One item, the request: sent again, read and planned afresh, while the transaction fails.
  await retryBatch(
    [request],
    async (pending) => {
      const { result, writes } = await plan(request, deps, clock());
      if (writes.items > MAX_TRANSACTION_ITEMS) {
        throw new UnmergeError(
          `splitting ${request.restoredId} out needs ${writes.items} writes; one transaction takes at most ${MAX_TRANSACTION_ITEMS}`,
          'conflict',
        );
      }
      if (!(await deps.store.transact(writes.profiles, writes.claims, writes.journal))) return pending;
      done = result;
      return [];
    },
    {
      // The first attempt is always made, whatever maxAttempts says.
      maxAttempts: Math.max(1, attempts),
      // Retry n waits up to 25 ms · 2^n, at most 200 ms.
      baseDelayMs: 25,
      maxDelayMs: 200,
      sleep: deps.sleep,
    },
  );
  if (done === undefined) throw new Error(`unmerge of ${request.restoredId} kept conflicting with concurrent writes after ${attempts} attempts`);
  return done;
}

async function plan(request: UnmergeRequest, deps: UnmergeDeps, nowMs: number) {
  const { store } = deps;
  const survivor = await liveProfile(store, request.profileId);
  if (!survivor.mergedFrom.includes(request.restoredId)) {
    throw new UnmergeError(`profile ${request.restoredId} is not merged into ${survivor.profileId}`, 'not_found');
  }
  const absorbed = await store.getProfiles(survivor.mergedFrom);
  const journal = await store.readJournal([survivor.profileId, ...survivor.mergedFrom]);
  const result = planUnmerge({
    survivor,
    absorbed,
    journal,
    restoredId: request.restoredId,
    rules: deps.settings.rules,
    nowMs,
    refresh: (p) => refreshProfile(p, deps.settings.derivations, nowMs),
    traits: { compiled: deps.settings.derivations.computedTraits, nowMs },
    ...(request.reason === undefined ? {} : { reason: request.reason }),
  });

  // Repoint every identifier to the side that now holds it.
  const keysOf = (p: Profile) => Object.entries(p.identifiers).flatMap(([type, values]) => values.map((v) => idKey(type, v)));
  const wanted = new Map<string, string>();
  for (const key of keysOf(result.survivor)) wanted.set(key, result.survivor.profileId);
  for (const key of keysOf(result.restored)) wanted.set(key, result.restored.profileId);
  const owners = await store.getOwners([...wanted.keys()]);
  const claims: Claim[] = [];
  for (const [key, profileId] of wanted) {
    const owner = owners.get(key) ?? null;
    if (owner !== profileId) claims.push({ key, profileId, expectedOwner: owner, soft: false });
  }

  // Events journaled under one side that replay gave the other: copied to the new side, hidden from the old.
  const at = new Date(nowMs).toISOString();
  const journalWrites: JournalEntry[] = result.moves.flatMap((m) => {
    const suffix = randomUUID().slice(0, 8);
    return [
      { profileId: m.to, key: journalKey('last', `unmerge-${suffix}`), at, events: m.events },
      { profileId: m.from, key: journalKey('last', `moved-${suffix}`), at, events: [], moved: m.events.map((e) => e.messageId) },
    ];
  });
  const restoredBefore = absorbed.get(request.restoredId) as Profile;
  const profiles = [
    { profile: result.survivor, expectedVersion: survivor.version },
    { profile: result.restored, expectedVersion: restoredBefore.version },
  ];
  return {
    result,
    writes: { profiles, claims, journal: journalWrites, items: profiles.length + claims.length + journalWrites.length },
  };
}

async function liveProfile(store: ProfileStore, id: string): Promise<Profile> {
  let current = id;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const p = (await store.getProfiles([current])).get(current);
    if (p === undefined) throw new UnmergeError(`no profile ${id}`, 'not_found');
    if (p.mergedInto === undefined) return p;
    current = p.mergedInto;
  }
  throw new UnmergeError(`profile ${id} redirects through more than ${MAX_HOPS} merges`, 'conflict');
}
