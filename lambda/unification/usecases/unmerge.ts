/**
 * Unmerge a profile: read the survivor, the docs of the profiles it absorbed
 * and their journals (bases and journaled events); split them
 * (core/identity/unmerge.ts); then write both profiles, the identifier
 * repoints, the moved journal entries (keyed by the new version of the
 * profile they are written under, so that a later base stands for them too)
 * and, when the restored profile keeps profiles it absorbed, its base, in one
 * transaction, so that a reader sees the profile merged or split, never half
 * of each.
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
import { JOURNAL_SK_PREFIX, journalKey } from '../contracts/table';
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
    journal: journal.map((e) => ({ ...e, version: journalVersion(e.key) })),
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

  // Events journaled under one side that the split gave the other: copied to the new side, hidden from the old.
  const at = new Date(nowMs).toISOString();
  const written = new Map([result.survivor, result.restored].map((p) => [p.profileId, p.version]));
  /** A profile written here journals at its new version; a merged-away one (frozen) at the version it has. */
  const versionOf = (id: string) => written.get(id) ?? absorbed.get(id)?.version ?? survivor.version;
  const suffix = randomUUID().slice(0, 8);
  const journalWrites: JournalEntry[] = result.moves.flatMap((m, i) => [
    { profileId: m.to, key: journalKey(versionOf(m.to), `unmerge-${suffix}-${i}`), at, events: m.events },
    { profileId: m.from, key: journalKey(versionOf(m.from), `moved-${suffix}-${i}`), at, events: [], moved: m.events.map((e) => e.messageId) },
  ]);
  if (result.restoredBase !== undefined) {
    journalWrites.push({ profileId: result.restored.profileId, key: journalKey(result.restored.version, `${suffix}-base`), at, events: [], base: result.restoredBase });
  }
  const restoredBefore = absorbed.get(request.restoredId) as Profile;
  const profiles = [
    { profile: result.survivor, expectedVersion: survivor.version },
    { profile: result.restored, expectedVersion: restoredBefore.version },
    // Profiles absorbed after the merge that the split gave the restored side redirect to it now.
    ...result.rehomed.map((p) => ({ profile: { ...p, mergedInto: result.restored.profileId, updatedAt: at, version: p.version + 1 }, expectedVersion: p.version })),
  ];
  return {
    result,
    writes: { profiles, claims, journal: journalWrites, items: profiles.length + claims.length + journalWrites.length },
  };
}

/** The profile version in a journal key (contracts/table.ts journalKey: `J#<version, zero-padded>#<tag>`). */
function journalVersion(key: string): number {
  const version = Number(key.slice(JOURNAL_SK_PREFIX.length, key.indexOf('#', JOURNAL_SK_PREFIX.length)));
  if (!Number.isSafeInteger(version)) throw new Error(`journal key ${key} holds no version`);
  return version;
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
